// Python text forms of Values: str(), repr(), json.dumps() and markupsafe.escape(), plus the
// conversion from JSON input. These decide the exact bytes a template prints, so each follows
// CPython's rules (float repr = shortest round-trip digits, exponent form outside 1e-4..1e16;
// str repr picks ' or " like CPython; dicts keep insertion order).
//
// Errors carry a bare message ("Object of type generator is not JSON serializable"); the
// interpreter prefixes the template line.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "primer/error.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

// Deepest container nesting accepted from JSON input or built by a template.
inline constexpr uint32_t kMaxValueDepth = 256;

std::string py_float_repr(double d);
void py_repr_string(std::string& out, std::string_view s);

// repr(v) and str(v). Objects whose Python repr holds a memory address (functions, bound
// methods, generators, joiners) cannot be reproduced and fail with a clear message.
Status py_repr(std::string& out, const Value& v);
Status py_str(std::string& out, const Value& v);
Result<std::string> to_py_str(const Value& v);

// json.dumps(v, ensure_ascii=..., indent=..., separators=..., sort_keys=...).
struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;          // None, or the per-level indent string
  std::optional<std::string> item_separator;  // default ", " (or "," with an indent)
  std::string key_separator = ": ";
  bool sort_keys = false;
};
Status json_dumps(std::string& out, const Value& v, const JsonDumpOptions& options);

// markupsafe.escape(): & < > ' " -> &amp; &lt; &gt; &#39; &#34;
std::string html_escape(std::string_view s);

// JSON (objects keep their key order) -> Value. Rejects invalid UTF-8, integers beyond 64 bits
// and nesting deeper than kMaxValueDepth; `where` names the input in messages.
Result<Value> value_from_json(const nlohmann::ordered_json& j, const std::string& where);

}  // namespace primer::chat
