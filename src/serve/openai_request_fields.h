#pragma once
// Private helpers of the OpenAI request parser (openai_request*.cpp): reading the body into
// JSON with bounded cost, and typed, range-checked access to the fields of one JSON object with
// OpenAI-shaped errors ("Invalid type for 'n': expected an integer, but got a string instead.").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serve/openai_request.h"

namespace primer::serve::detail {

using Json = nlohmann::ordered_json;
using MaybeError = std::optional<ApiError>;

inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxObjectMembers = 512;  // ordered_json inserts in O(members): quadratic

// Parses `body` as one JSON value. Errors (400): nesting deeper than kMaxJsonDepth, an object with
// more than kMaxObjectMembers members, syntax errors ("could not parse the JSON body: ..."),
// invalid UTF-8 or lone surrogates in a string (param = the path of that string).
MaybeError parse_body(std::string_view body, Json& out);

// "a string", "an integer", "a number", "a boolean", "an array", "an object", "null".
const char* json_type_name(const Json& v);
// `s` with every byte outside printable ASCII replaced by '?', cut at `max_bytes`: safe to put
// in an error message that will be serialized as JSON.
std::string printable(std::string_view s, size_t max_bytes = 64);

ApiError type_error(const std::string& path, const char* expected, const Json& got);
ApiError missing_error(const std::string& path);
ApiError not_an_object(const Json& body);  // the body is JSON but not an object
ApiError value_error(const std::string& path, const std::string& what, const char* code = "invalid_value");

// Field access on one JSON object whose own path is `prefix` ("" at the top level). Each reader
// leaves `out` untouched when the field is absent or null (`present` = false), and returns the
// error of a wrong type or an out-of-range value.
class Fields {
 public:
  Fields(const Json& object, std::string prefix) : obj_(object), prefix_(std::move(prefix)) {}

  const Json* find(std::string_view key) const;  // nullptr when absent or null
  std::string path(std::string_view key) const;  // "temperature", "stream_options.include_usage"

  MaybeError opt_bool(std::string_view key, bool& out) const;
  MaybeError opt_string(std::string_view key, std::string& out, bool& present) const;
  // Integers (an integral float such as 5.0 is accepted) in [lo, hi].
  MaybeError opt_int(std::string_view key, int64_t lo, int64_t hi, int64_t& out, bool& present) const;
  // Finite numbers in [lo, hi] ((lo, hi] when lo_exclusive).
  MaybeError opt_number(std::string_view key, double lo, double hi, bool lo_exclusive, double& out,
                        bool& present) const;

 private:
  const Json& obj_;
  std::string prefix_;
};

// Integer value of `v` in [lo, hi] (integral floats accepted), or the error naming `path`.
MaybeError to_int(const Json& v, const std::string& path, int64_t lo, int64_t hi, int64_t& out);
MaybeError to_number(const Json& v, const std::string& path, double lo, double hi, bool lo_exclusive,
                     double& out);

}  // namespace primer::serve::detail

namespace primer::serve::detail {

enum class Endpoint { kChat, kCompletion };

// The fields both endpoints share (model, stream, sampling, stop, n, ...), plus the endpoint's
// own form of max_tokens and logprobs, from the top-level object `root`.
MaybeError parse_generation_params(const Json& root, const RequestLimits& limits, Endpoint endpoint,
                                   GenerationParams& params);

// The error for an exception caught at the edge of a parse function: nlohmann's -> 400,
// anything else -> 500 server_error.
ApiError exception_error(const std::exception& e);

}  // namespace primer::serve::detail
