// Reading request bodies and typed fields (see openai_request_fields.h).
#include "serve/openai_request_fields.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace primer::serve::detail {
namespace {

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// One pass over the raw bytes outside strings: the nesting depth and the members per object
// (commas + 1) stay within limits. Malformed JSON is left for the parser to report.
MaybeError check_shape(std::string_view body) {
  struct Level {
    bool object;
    size_t commas;
  };
  Level stack[kMaxJsonDepth];
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (depth == kMaxJsonDepth) {
          return value_error("", "the JSON body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        }
        stack[depth++] = Level{c == '{', 0};
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      case ',':
        if (depth > 0 && stack[depth - 1].object && ++stack[depth - 1].commas >= kMaxObjectMembers) {
          return value_error("", "a JSON object in the body has more than " + std::to_string(kMaxObjectMembers) +
                                     " members");
        }
        break;
      default: break;
    }
  }
  return std::nullopt;
}

// SAX handler that only tracks where the parser is, to name the field of a lexer error.
class PathTracker final : public nlohmann::json_sax<Json> {
 public:
  std::string path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.object) {
        if (f.have_key) p += (p.empty() ? "" : ".") + f.key;
      } else {
        p += "[" + std::to_string(f.count) + "]";
      }
    }
    return p;
  }

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    frames_.push_back(Frame{true, false, {}, 0});
    return true;
  }
  bool key(string_t& k) override {
    frames_.back().have_key = true;
    frames_.back().key = printable(k);
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t) override {
    frames_.push_back(Frame{false, false, {}, 0});
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Frame {
    bool object;
    bool have_key;
    std::string key;
    size_t count;
  };
  bool value() {
    if (!frames_.empty()) {
      Frame& f = frames_.back();
      if (f.object) {
        f.have_key = false;
      } else {
        ++f.count;
      }
    }
    return true;
  }
  bool end() {
    frames_.pop_back();
    return value();
  }
  std::vector<Frame> frames_;
};

}  // namespace

std::string printable(std::string_view s, size_t max_bytes) {
  std::string out;
  const size_t n = std::min(s.size(), max_bytes);
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (s.size() > max_bytes) out += "...";
  return out;
}

MaybeError parse_body(std::string_view body, Json& out) {
  if (auto e = check_shape(body)) return e;
  try {
    out = Json::parse(body.begin(), body.end());
    return std::nullopt;
  } catch (const nlohmann::json::parse_error& e) {
    const std::string what = e.what();
    if (what.find("UTF-8") != std::string::npos || what.find("surrogate") != std::string::npos) {
      PathTracker tracker;
      (void)Json::sax_parse(body.begin(), body.end(), &tracker);
      const std::string path = tracker.path();
      return value_error(path, "Invalid '" + (path.empty() ? std::string("body") : path) +
                                   "': the string is not valid UTF-8 (or holds a lone surrogate escape).");
    }
    // nlohmann's message quotes the bytes it read last; keep only the explanation, in ASCII.
    std::string detail = what;
    const size_t cut = detail.find("; last read");
    if (cut != std::string::npos) detail.resize(cut);
    const size_t start = detail.find("parse error");
    if (start != std::string::npos) detail = detail.substr(start);
    return value_error("", "We could not parse the JSON body of your request: " + printable(detail, 200) + ".",
                       "");
  }
}

const char* json_type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return "a string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    case Json::value_t::null: return "null";
    default: return "an unsupported value";
  }
}

ApiError type_error(const std::string& path, const char* expected, const Json& got) {
  return invalid_request(path,
                         "Invalid type for '" + path + "': expected " + expected + ", but got " +
                             json_type_name(got) + " instead.",
                         "invalid_type");
}

ApiError missing_error(const std::string& path) {
  return invalid_request(path, "Missing required parameter: '" + path + "'.", "missing_required_parameter");
}

ApiError not_an_object(const Json& body) {
  return invalid_request("", std::string("Invalid request body: expected a JSON object, but got ") +
                                 json_type_name(body) + " instead.",
                         "invalid_type");
}

ApiError value_error(const std::string& path, const std::string& what, const char* code) {
  return invalid_request(path, what, code);
}

MaybeError to_int(const Json& v, const std::string& path, int64_t lo, int64_t hi, int64_t& out) {
  int64_t x = 0;
  bool above = false, below = false;
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    x = v.get<int64_t>();
  } else if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) above = true;
    else x = static_cast<int64_t>(u);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) return type_error(path, "an integer", v);
    constexpr double kTwo63 = 9223372036854775808.0;  // casting outside [-2^63, 2^63) is UB
    if (d >= kTwo63) {
      above = true;
    } else if (d < -kTwo63) {
      below = true;
    } else {
      x = static_cast<int64_t>(d);
    }
  } else {
    return type_error(path, "an integer", v);
  }
  if (above || x > hi) {
    return value_error(path, "Invalid '" + path + "': integer above maximum value. Expected a value <= " +
                                 std::to_string(hi) + ".",
                       "integer_above_max_value");
  }
  if (below || x < lo) {
    return value_error(path, "Invalid '" + path + "': integer below minimum value. Expected a value >= " +
                                 std::to_string(lo) + ".",
                       "integer_below_min_value");
  }
  out = x;
  return std::nullopt;
}

MaybeError to_number(const Json& v, const std::string& path, double lo, double hi, bool lo_exclusive,
                     double& out) {
  if (!v.is_number()) return type_error(path, "a number", v);
  const double d = v.get<double>();
  if (!std::isfinite(d) || d > hi) {
    return value_error(path, "Invalid '" + path + "': decimal above maximum value. Expected a value <= " +
                                 format_number(hi) + ".",
                       "decimal_above_max_value");
  }
  if (d < lo || (lo_exclusive && d == lo)) {
    return value_error(path, "Invalid '" + path + "': decimal below minimum value. Expected a value " +
                                 (lo_exclusive ? "> " : ">= ") + format_number(lo) + ".",
                       "decimal_below_min_value");
  }
  out = d;
  return std::nullopt;
}

const Json* Fields::find(std::string_view key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Fields::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

MaybeError Fields::opt_bool(std::string_view key, bool& out) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return type_error(path(key), "a boolean", *v);
  out = v->get<bool>();
  return std::nullopt;
}

MaybeError Fields::opt_string(std::string_view key, std::string& out, bool& present) const {
  present = false;
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return type_error(path(key), "a string", *v);
  out = v->get<std::string>();
  present = true;
  return std::nullopt;
}

MaybeError Fields::opt_int(std::string_view key, int64_t lo, int64_t hi, int64_t& out, bool& present) const {
  present = false;
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (auto e = to_int(*v, path(key), lo, hi, out)) return e;
  present = true;
  return std::nullopt;
}

MaybeError Fields::opt_number(std::string_view key, double lo, double hi, bool lo_exclusive, double& out,
                              bool& present) const {
  present = false;
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (auto e = to_number(*v, path(key), lo, hi, lo_exclusive, out)) return e;
  present = true;
  return std::nullopt;
}

}  // namespace primer::serve::detail
