// The request fields both endpoints share, and POST /v1/completions (see openai_request.h).
// The chat request's messages and tools are in openai_request_chat.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "serve/openai_request_fields.h"

namespace primer::serve {
namespace detail {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int kMaxCompletionLogprobs = 5;  // OpenAI's limit for /v1/completions `logprobs`

// `stop`: a string or an array of at most max_stop strings (each at most max_stop_bytes). Empty
// strings would stop at once; they are dropped.
MaybeError parse_stop(const Fields& f, const RequestLimits& limits, std::vector<std::string>& out) {
  const Json* v = f.find("stop");
  if (!v) return std::nullopt;
  auto add = [&](const Json& s, const std::string& path) -> MaybeError {
    if (!s.is_string()) return type_error(path, "a string", s);
    const auto& str = s.get_ref<const std::string&>();
    if (str.size() > limits.max_stop_bytes) {
      return value_error(path, "Invalid '" + path + "': string too long. Expected a string with maximum length " +
                                   std::to_string(limits.max_stop_bytes) + " bytes.",
                         "string_above_max_length");
    }
    if (!str.empty()) out.push_back(str);
    return std::nullopt;
  };
  if (v->is_string()) return add(*v, "stop");
  if (!v->is_array()) return type_error("stop", "a string or an array of strings", *v);
  if (v->size() > static_cast<size_t>(limits.max_stop)) {
    return value_error("stop", "Invalid 'stop': array too long. Expected an array with maximum length " +
                                   std::to_string(limits.max_stop) + ", but got an array with length " +
                                   std::to_string(v->size()) + " instead.",
                       "array_above_max_length");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    if (auto e = add((*v)[i], "stop[" + std::to_string(i) + "]")) return e;
  }
  return std::nullopt;
}

// `logit_bias`: {"<token id>": bias in [-100, 100]}. Ids are checked against the vocabulary later
// (check_against_vocab).
MaybeError parse_logit_bias(const Fields& f, std::map<int32_t, float>& out) {
  const Json* v = f.find("logit_bias");
  if (!v) return std::nullopt;
  if (!v->is_object()) return type_error("logit_bias", "an object", *v);
  for (auto it = v->begin(); it != v->end(); ++it) {
    const std::string& key = it.key();
    bool digits = !key.empty() && key.size() <= 10;
    for (char c : key) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoll(key) > kInt32Max) {
      return value_error("logit_bias", "Invalid 'logit_bias': key '" + printable(key) +
                                           "' is not a token id (a non-negative integer written as a string).");
    }
    double bias = 0;
    if (auto e = to_number(it.value(), "logit_bias." + key, -100, 100, false, bias)) return e;
    out[static_cast<int32_t>(std::stoll(key))] = static_cast<float>(bias);
  }
  return std::nullopt;
}

bool valid_schema_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// `response_format`: {"type": "text" | "json_object" | "json_schema", "json_schema": {name,
// schema, strict, description}}. A json_schema without `schema` constrains to any JSON object.
MaybeError parse_response_format(const Fields& top, ResponseFormat& out) {
  const Json* v = top.find("response_format");
  if (!v) return std::nullopt;
  if (!v->is_object()) return type_error("response_format", "an object", *v);
  const Fields f(*v, "response_format");
  std::string type;
  bool has_type = false;
  if (auto e = f.opt_string("type", type, has_type)) return e;
  if (!has_type) return missing_error("response_format.type");
  if (type == "text") {
    out.kind = ResponseFormat::Kind::kText;
    return std::nullopt;
  }
  if (type == "json_object") {
    out.kind = ResponseFormat::Kind::kJsonObject;
    return std::nullopt;
  }
  if (type != "json_schema") {
    return value_error("response_format.type", "Invalid value: '" + printable(type) +
                                                   "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
  }
  const Json* js = f.find("json_schema");
  if (!js) return missing_error("response_format.json_schema");
  if (!js->is_object()) return type_error("response_format.json_schema", "an object", *js);
  const Fields s(*js, "response_format.json_schema");
  bool present = false, strict = false;
  std::string description;
  if (auto e = s.opt_string("name", out.name, present)) return e;
  if (!present) return missing_error("response_format.json_schema.name");
  if (!valid_schema_name(out.name)) {
    return value_error("response_format.json_schema.name",
                       "Invalid 'response_format.json_schema.name': expected 1 to 64 characters from a-z, A-Z, "
                       "0-9, '_' and '-'.");
  }
  if (auto e = s.opt_string("description", description, present)) return e;
  if (auto e = s.opt_bool("strict", strict)) return e;
  const Json* schema = s.find("schema");
  if (!schema) {
    out.kind = ResponseFormat::Kind::kJsonObject;
    return std::nullopt;
  }
  if (!schema->is_object()) return type_error("response_format.json_schema.schema", "an object", *schema);
  out.kind = ResponseFormat::Kind::kJsonSchema;
  out.schema = schema->dump();
  return std::nullopt;
}

// Runs the readers in order and returns the first error.
#define PRIMER_SERVE_TRY(expr)      \
  do {                              \
    if (auto e_ = (expr)) return e_; \
  } while (0)

MaybeError parse_sampling(const Fields& f, SamplingParams& s, bool& has_seed) {
  // OpenAI's defaults; llama.cpp's extensions off unless given.
  s.temperature = 1.0f;
  s.top_p = 1.0f;
  s.top_k = 0;
  s.min_p = 0.0f;
  s.repeat_penalty = 1.0f;
  s.repeat_last_n = -1;  // OpenAI's penalties count every token generated so far
  s.presence_penalty = 0.0f;
  s.frequency_penalty = 0.0f;
  double d = 0;
  int64_t i = 0;
  bool present = false;
  PRIMER_SERVE_TRY(f.opt_number("temperature", 0, 2, false, d, present));
  if (std::exchange(present, false)) s.temperature = static_cast<float>(d);
  PRIMER_SERVE_TRY(f.opt_number("top_p", 0, 1, true, d, present));
  if (std::exchange(present, false)) s.top_p = std::max(static_cast<float>(d), std::numeric_limits<float>::min());
  PRIMER_SERVE_TRY(f.opt_number("presence_penalty", -2, 2, false, d, present));
  if (std::exchange(present, false)) s.presence_penalty = static_cast<float>(d);
  PRIMER_SERVE_TRY(f.opt_number("frequency_penalty", -2, 2, false, d, present));
  if (std::exchange(present, false)) s.frequency_penalty = static_cast<float>(d);
  PRIMER_SERVE_TRY(f.opt_int("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), i,
                             has_seed));
  if (has_seed) s.seed = static_cast<uint64_t>(i);
  // llama.cpp's extensions (top_k -1 or 0: off, as vLLM and llama.cpp write it)
  PRIMER_SERVE_TRY(f.opt_int("top_k", -1, kInt32Max, i, present));
  if (std::exchange(present, false)) s.top_k = static_cast<int32_t>(std::max<int64_t>(i, 0));
  PRIMER_SERVE_TRY(f.opt_number("min_p", 0, 1, false, d, present));
  if (std::exchange(present, false)) s.min_p = static_cast<float>(d);
  PRIMER_SERVE_TRY(f.opt_number("repeat_penalty", 0, 10, true, d, present));
  if (std::exchange(present, false)) s.repeat_penalty = std::max(static_cast<float>(d), std::numeric_limits<float>::min());
  PRIMER_SERVE_TRY(f.opt_int("repeat_last_n", -1, kInt32Max, i, present));
  if (std::exchange(present, false)) s.repeat_last_n = static_cast<int32_t>(i);
  PRIMER_SERVE_TRY(parse_logit_bias(f, s.logit_bias));
  return std::nullopt;
}

}  // namespace

MaybeError parse_generation_params(const Json& root, const RequestLimits& limits, Endpoint endpoint,
                                   GenerationParams& p) {
  const Fields f(root, "");
  bool present = false;
  int64_t i = 0;
  PRIMER_SERVE_TRY(f.opt_string("model", p.model, present));
  PRIMER_SERVE_TRY(f.opt_bool("stream", p.stream));
  if (const Json* so = f.find("stream_options")) {
    if (!so->is_object()) return type_error("stream_options", "an object", *so);
    bool include_usage = false;
    PRIMER_SERVE_TRY(Fields(*so, "stream_options").opt_bool("include_usage", include_usage));
    p.include_usage = p.stream && include_usage;  // without streaming, usage is always in the body
  }

  // max_tokens; chat also takes max_completion_tokens, which wins when both are given.
  // /v1/completions allows 0 (with echo: only the prompt's logprobs).
  const int64_t min_tokens = endpoint == Endpoint::kChat ? 1 : 0;
  PRIMER_SERVE_TRY(f.opt_int("max_tokens", min_tokens, limits.max_tokens, i, present));
  if (std::exchange(present, false)) p.max_tokens = i;
  if (endpoint == Endpoint::kChat) {
    PRIMER_SERVE_TRY(f.opt_int("max_completion_tokens", min_tokens, limits.max_tokens, i, present));
    if (std::exchange(present, false)) p.max_tokens = i;
  }

  PRIMER_SERVE_TRY(parse_sampling(f, p.sampling, p.has_seed));
  PRIMER_SERVE_TRY(parse_stop(f, limits, p.stop));
  PRIMER_SERVE_TRY(f.opt_int("n", 1, limits.max_n, i, present));
  if (std::exchange(present, false)) p.n = static_cast<int>(i);

  if (endpoint == Endpoint::kChat) {
    bool logprobs = false;
    PRIMER_SERVE_TRY(f.opt_bool("logprobs", logprobs));
    PRIMER_SERVE_TRY(f.opt_int("top_logprobs", 0, limits.max_top_logprobs, i, present));
    if (present && !logprobs) {
      return value_error("top_logprobs",
                         "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is "
                         "given.");
    }
    p.top_logprobs = logprobs ? (present ? static_cast<int>(i) : 0) : -1;
    present = false;
  } else {
    const int64_t max = std::min(kMaxCompletionLogprobs, limits.max_top_logprobs);
    PRIMER_SERVE_TRY(f.opt_int("logprobs", 0, max, i, present));
    p.top_logprobs = std::exchange(present, false) ? static_cast<int>(i) : -1;
  }

  PRIMER_SERVE_TRY(parse_response_format(f, p.response_format));
  PRIMER_SERVE_TRY(f.opt_string("user", p.user, present));

  // A safety net: the ranges above are the sampler's own, so this never fires on its own.
  Status s = p.sampling.validate();
  if (!s.ok()) return value_error("", printable(s.error().message, 200));
  return std::nullopt;
}

ApiError exception_error(const std::exception& e) {
  if (dynamic_cast<const nlohmann::json::exception*>(&e) != nullptr) {
    return invalid_request("", "Invalid request: " + printable(e.what(), 200));
  }
  ApiError err;
  err.status = 500;
  err.type = "server_error";
  err.message = "internal error while reading the request: " + printable(e.what(), 200);
  return err;
}

}  // namespace detail

using detail::Fields;
using detail::Json;
using detail::MaybeError;

namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// `prompt`: a string, an array of strings, an array of token ids, or an array of arrays of ids.
MaybeError parse_prompts(const Json& root, const RequestLimits& limits,
                         std::vector<std::variant<std::string, std::vector<int32_t>>>& out) {
  auto it = root.find("prompt");
  if (it == root.end() || it->is_null()) return detail::missing_error("prompt");
  const Json& v = *it;
  constexpr const char* kExpected = "a string, an array of strings, an array of token ids or an array of arrays of token ids";
  auto ids = [](const Json& arr, const std::string& path, std::vector<int32_t>& dst) -> MaybeError {
    if (arr.empty()) {
      return detail::value_error(path, "Invalid '" + path + "': empty array. Expected at least one token id.",
                                 "empty_array");
    }
    dst.reserve(arr.size());
    for (size_t j = 0; j < arr.size(); ++j) {
      int64_t id = 0;
      if (auto e = detail::to_int(arr[j], path + "[" + std::to_string(j) + "]", 0, kInt32Max, id)) return e;
      dst.push_back(static_cast<int32_t>(id));
    }
    return std::nullopt;
  };
  if (v.is_string()) {
    out.emplace_back(v.get<std::string>());
    return std::nullopt;
  }
  if (!v.is_array()) return detail::type_error("prompt", kExpected, v);
  if (v.empty()) {
    return detail::value_error("prompt", "Invalid 'prompt': empty array. Expected an array with minimum length 1.",
                               "empty_array");
  }
  if (v[0].is_number()) {  // one prompt of token ids
    std::vector<int32_t> one;
    if (auto e = ids(v, "prompt", one)) return e;
    out.emplace_back(std::move(one));
    return std::nullopt;
  }
  if (v.size() > limits.max_prompts) {
    return detail::value_error("prompt", "Invalid 'prompt': array too long. Expected at most " +
                                             std::to_string(limits.max_prompts) + " prompts in one request.",
                               "array_above_max_length");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string path = "prompt[" + std::to_string(i) + "]";
    if (v[i].is_string()) {
      out.emplace_back(v[i].get<std::string>());
    } else if (v[i].is_array()) {
      std::vector<int32_t> one;
      if (auto e = ids(v[i], path, one)) return e;
      out.emplace_back(std::move(one));
    } else {
      return detail::type_error(path, "a string or an array of token ids", v[i]);
    }
  }
  return std::nullopt;
}

ApiResult<CompletionRequest> parse_completion(std::string_view body, const RequestLimits& limits) {
  Json root;
  if (auto e = detail::parse_body(body, root)) return *e;
  if (!root.is_object()) return detail::not_an_object(root);
  CompletionRequest r;
  if (auto e = parse_prompts(root, limits, r.prompts)) return *e;
  if (auto e = detail::parse_generation_params(root, limits, detail::Endpoint::kCompletion, r.params)) return *e;
  const Fields f(root, "");
  if (auto e = f.opt_bool("echo", r.echo)) return *e;
  std::string suffix;
  bool has_suffix = false;
  if (auto e = f.opt_string("suffix", suffix, has_suffix)) return *e;
  if (!suffix.empty()) return detail::value_error("suffix", "Invalid 'suffix': not supported by this server.");
  return r;
}

}  // namespace

ApiResult<CompletionRequest> parse_completion_request(std::string_view body, const RequestLimits& limits) {
  try {
    return parse_completion(body, limits);
  } catch (const std::exception& e) {
    return detail::exception_error(e);
  }
}

std::optional<ApiError> check_against_vocab(const GenerationParams& params, const Tokenizer& tok) {
  for (const auto& [id, bias] : params.sampling.logit_bias) {
    (void)bias;
    if (static_cast<size_t>(id) >= tok.vocab_size()) {
      const std::string path = "logit_bias." + std::to_string(id);
      return detail::value_error(path, "Invalid '" + path + "': token id " + std::to_string(id) +
                                           " is outside the vocabulary (" + std::to_string(tok.vocab_size()) +
                                           " tokens).");
    }
  }
  return std::nullopt;
}

}  // namespace primer::serve
