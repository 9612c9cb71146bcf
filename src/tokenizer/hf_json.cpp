#include "tokenizer/hf_json.h"

namespace primer::tok::hf {

Error json_error(std::string_view file, const std::string& path, const std::string& what) {
  std::string msg;
  msg.reserve(file.size() + path.size() + what.size() + 6);
  msg.push_back('[');
  msg.append(file);
  msg.append("] ");
  if (!path.empty()) {
    msg.append(path);
    msg.append(": ");
  }
  msg.append(what);
  return Error{std::move(msg)};
}

const Json* find(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<std::string> opt_string(const Json& obj, std::string_view key, const Where& at,
                               std::string fallback) {
  const Json* v = find(obj, key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) return at.field(key).error("expected a string");
  return v->get<std::string>();
}

Result<bool> opt_bool(const Json& obj, std::string_view key, const Where& at, bool fallback) {
  const Json* v = find(obj, key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_boolean()) return at.field(key).error("expected true or false");
  return v->get<bool>();
}

Result<int64_t> opt_int(const Json& obj, std::string_view key, const Where& at, int64_t fallback) {
  const Json* v = find(obj, key);
  if (!v || v->is_null()) return fallback;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return at.field(key).error("integer out of range");
    return static_cast<int64_t>(u);
  }
  if (!v->is_number_integer()) return at.field(key).error("expected an integer");
  return v->get<int64_t>();
}

Result<std::string> req_string(const Json& obj, std::string_view key, const Where& at) {
  const Json* v = find(obj, key);
  if (!v) return at.field(key).error("missing (expected a string)");
  if (!v->is_string()) return at.field(key).error("expected a string");
  return v->get<std::string>();
}

Result<const Json*> req_array(const Json& obj, std::string_view key, const Where& at) {
  const Json* v = find(obj, key);
  if (!v) return at.field(key).error("missing (expected an array)");
  if (!v->is_array()) return at.field(key).error("expected an array");
  return v;
}

Result<const Json*> req_object(const Json& obj, std::string_view key, const Where& at) {
  const Json* v = find(obj, key);
  if (!v) return at.field(key).error("missing (expected an object)");
  if (!v->is_object()) return at.field(key).error("expected an object");
  return v;
}

Result<std::string> component_type(const Json& obj, const Where& at) {
  if (!obj.is_object()) return at.error("expected an object");
  return req_string(obj, "type", at);
}

Error unsupported_type(const Where& at, const std::string& type) {
  return json_error(at.file, "", at.path + ".type '" + type + "' is not supported");
}

}  // namespace primer::tok::hf
