// POST /v1/chat/completions: messages and tools (see openai_request.h). Messages are normalized
// for the chat template the way Hugging Face's apply_chat_template expects them:
//   - content: a string; text parts [{"type":"text","text":...}] are joined with "\n" (as vLLM
//     and llama.cpp do); image/audio/file parts are refused (text-only models); the null content
//     of an assistant message with tool_calls becomes "" (templates such as Qwen3's test
//     `'</think>' in message.content`, which fails on None; llama.cpp does the same);
//   - role "developer" (OpenAI's newer name for system) becomes "system", which every template
//     knows;
//   - tool_calls[].function.arguments: OpenAI sends a JSON string, templates expect the object
//     (`arguments | tojson`), so a string holding a JSON object is parsed; other strings stay;
//   - kept: name, tool_calls, tool_call_id, reasoning_content; other fields are dropped.
#include "serve/openai_request_fields.h"

namespace primer::serve {

using detail::Fields;
using detail::Json;
using detail::MaybeError;

namespace {

bool known_role(const std::string& r) {
  return r == "system" || r == "developer" || r == "user" || r == "assistant" || r == "tool";
}

// `content` of message `path` -> a string ("" when absent or null and `allow_null`).
MaybeError parse_content(const Json* v, const std::string& path, const std::string& role, bool allow_null,
                         Json& out) {
  if (!v) {
    if (allow_null) {
      out = "";
      return std::nullopt;
    }
    return detail::missing_error(path);
  }
  if (v->is_string()) {
    out = *v;
    return std::nullopt;
  }
  if (!v->is_array()) return detail::type_error(path, "a string or an array of content parts", *v);
  if (v->empty()) {
    return detail::value_error(path, "Invalid '" + path + "': empty array. Expected an array with minimum length 1.",
                               "empty_array");
  }
  std::string text;
  for (size_t j = 0; j < v->size(); ++j) {
    const std::string part_path = path + "[" + std::to_string(j) + "]";
    const Json& part = (*v)[j];
    if (!part.is_object()) return detail::type_error(part_path, "an object", part);
    const Fields f(part, part_path);
    std::string type, piece;
    bool present = false;
    if (auto e = f.opt_string("type", type, present)) return e;
    if (!present) return detail::missing_error(part_path + ".type");
    const char* field = nullptr;
    if (type == "text") {
      field = "text";
    } else if (type == "refusal" && role == "assistant") {
      field = "refusal";
    } else if (type == "image_url" || type == "input_audio" || type == "file" || type == "input_image") {
      return detail::value_error(part_path, "Invalid '" + part_path + "': content parts of type '" + type +
                                                "' are not supported by this server (text only).",
                                 "unsupported_value");
    } else {
      return detail::value_error(part_path + ".type", "Invalid value: '" + detail::printable(type) +
                                                          "'. Supported values are: 'text'.");
    }
    present = false;
    if (auto e = f.opt_string(field, piece, present)) return e;
    if (!present) return detail::missing_error(part_path + "." + field);
    if (j > 0) text += '\n';
    text += piece;
  }
  out = std::move(text);
  return std::nullopt;
}

// An arguments string holding a JSON object -> that object (bounded like the body); else as is.
Json tool_arguments(const Json& args) {
  if (!args.is_string()) return args;
  Json parsed;
  if (detail::parse_body(args.get_ref<const std::string&>(), parsed) || !parsed.is_object()) return args;
  return parsed;
}

MaybeError parse_tool_calls(const Json& v, const std::string& path, Json& out) {
  if (!v.is_array()) return detail::type_error(path, "an array", v);
  if (v.empty()) {
    return detail::value_error(path, "Invalid '" + path + "': empty array. Expected an array with minimum length 1.",
                               "empty_array");
  }
  out = Json::array();
  for (size_t k = 0; k < v.size(); ++k) {
    const std::string call_path = path + "[" + std::to_string(k) + "]";
    const Json& call = v[k];
    if (!call.is_object()) return detail::type_error(call_path, "an object", call);
    const Fields f(call, call_path);
    std::string id, type = "function", name;
    bool present = false;
    if (auto e = f.opt_string("id", id, present)) return e;
    if (auto e = f.opt_string("type", type, present)) return e;
    if (type != "function") {
      return detail::value_error(call_path + ".type", "Invalid value: '" + detail::printable(type) +
                                                          "'. Supported values are: 'function'.");
    }
    const Json* fn = f.find("function");
    if (!fn) return detail::missing_error(call_path + ".function");
    if (!fn->is_object()) return detail::type_error(call_path + ".function", "an object", *fn);
    const Fields ff(*fn, call_path + ".function");
    present = false;
    if (auto e = ff.opt_string("name", name, present)) return e;
    if (!present) return detail::missing_error(call_path + ".function.name");
    const Json* args = ff.find("arguments");
    if (!args) return detail::missing_error(call_path + ".function.arguments");
    if (!args->is_string() && !args->is_object()) {
      return detail::type_error(call_path + ".function.arguments", "a string", *args);
    }
    Json norm = Json::object();
    if (!id.empty()) norm["id"] = id;
    norm["type"] = "function";
    norm["function"] = {{"name", name}, {"arguments", tool_arguments(*args)}};
    out.push_back(std::move(norm));
  }
  return std::nullopt;
}

MaybeError parse_message(const Json& m, size_t i, Json& out) {
  const std::string path = "messages[" + std::to_string(i) + "]";
  if (!m.is_object()) return detail::type_error(path, "an object", m);
  const Fields f(m, path);
  std::string role;
  bool present = false;
  if (auto e = f.opt_string("role", role, present)) return e;
  if (!present) return detail::missing_error(path + ".role");
  if (!known_role(role)) {
    return detail::value_error(path + ".role", "Invalid value: '" + detail::printable(role) +
                                                   "'. Supported values are: 'system', 'developer', 'user', "
                                                   "'assistant' and 'tool'.");
  }
  Json tool_calls = nullptr;
  if (role == "assistant") {
    if (const Json* tc = f.find("tool_calls")) {
      if (auto e = parse_tool_calls(*tc, path + ".tool_calls", tool_calls)) return e;
    }
  }
  Json content;
  if (auto e = parse_content(f.find("content"), path + ".content", role, !tool_calls.is_null(), content)) return e;

  out = Json::object();
  out["role"] = role == "developer" ? "system" : role;
  out["content"] = std::move(content);
  std::string s;
  present = false;
  if (auto e = f.opt_string("name", s, present)) return e;
  if (std::exchange(present, false)) out["name"] = s;
  if (!tool_calls.is_null()) out["tool_calls"] = std::move(tool_calls);
  if (role == "tool") {
    if (auto e = f.opt_string("tool_call_id", s, present)) return e;
    if (std::exchange(present, false)) out["tool_call_id"] = s;
  }
  if (role == "assistant") {
    if (auto e = f.opt_string("reasoning_content", s, present)) return e;
    if (std::exchange(present, false)) out["reasoning_content"] = s;
  }
  return std::nullopt;
}

MaybeError parse_tools(const Json& root, Json& out) {
  auto it = root.find("tools");
  if (it == root.end() || it->is_null()) return std::nullopt;
  const Json& v = *it;
  if (!v.is_array()) return detail::type_error("tools", "an array", v);
  for (size_t k = 0; k < v.size(); ++k) {
    const std::string path = "tools[" + std::to_string(k) + "]";
    if (!v[k].is_object()) return detail::type_error(path, "an object", v[k]);
    const Fields f(v[k], path);
    std::string type, name;
    bool present = false;
    if (auto e = f.opt_string("type", type, present)) return e;
    if (!present) return detail::missing_error(path + ".type");
    if (type != "function") {
      return detail::value_error(path + ".type", "Invalid value: '" + detail::printable(type) +
                                                     "'. Supported values are: 'function'.");
    }
    const Json* fn = f.find("function");
    if (!fn) return detail::missing_error(path + ".function");
    if (!fn->is_object()) return detail::type_error(path + ".function", "an object", *fn);
    const Fields ff(*fn, path + ".function");
    present = false;
    if (auto e = ff.opt_string("name", name, present)) return e;
    if (!present) return detail::missing_error(path + ".function.name");
    if (auto e = ff.opt_string("description", type, present)) return e;
    if (const Json* params = ff.find("parameters"); params && !params->is_object()) {
      return detail::type_error(path + ".function.parameters", "an object", *params);
    }
  }
  if (!v.empty()) out = v;  // [] is the same as no tools for every template
  return std::nullopt;
}

ApiResult<ChatRequest> parse_chat(std::string_view body, const RequestLimits& limits) {
  Json root;
  if (auto e = detail::parse_body(body, root)) return *e;
  if (!root.is_object()) return detail::not_an_object(root);
  ChatRequest r;
  auto it = root.find("messages");
  if (it == root.end() || it->is_null()) return detail::missing_error("messages");
  const Json& messages = *it;
  if (!messages.is_array()) return detail::type_error("messages", "an array", messages);
  if (messages.empty()) {
    return detail::value_error("messages",
                               "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
                               "empty array instead.",
                               "empty_array");
  }
  if (messages.size() > limits.max_messages) {
    return detail::value_error("messages", "Invalid 'messages': array too long. Expected an array with maximum length " +
                                               std::to_string(limits.max_messages) + ".",
                               "array_above_max_length");
  }
  r.messages = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    Json m;
    if (auto e = parse_message(messages[i], i, m)) return *e;
    r.messages.push_back(std::move(m));
  }
  if (auto e = parse_tools(root, r.tools)) return *e;
  if (auto e = detail::parse_generation_params(root, limits, detail::Endpoint::kChat, r.params)) return *e;
  return r;
}

}  // namespace

ApiResult<ChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits) {
  try {
    return parse_chat(body, limits);
  } catch (const std::exception& e) {
    return detail::exception_error(e);
  }
}

}  // namespace primer::serve
