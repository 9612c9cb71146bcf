// Filter/test registries, shared filter helpers and the numeric filters.
#include "tokenizer/chat/filters.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/filter_impl.h"
#include "tokenizer/chat/methods.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

FilterArgs::FilterArgs(const CallArgs& args, std::string_view filter, std::initializer_list<std::string_view> names)
    : args_(args), filter_(filter), names_(names) {}

Status FilterArgs::check() const {
  if (args_.positional.size() > names_.size()) {
    return Error{"filter '" + std::string(filter_) + "' takes at most " + std::to_string(names_.size()) +
                 " argument(s), got " + std::to_string(args_.positional.size())};
  }
  for (size_t k = 0; k < args_.keyword.size(); ++k) {
    const auto& name = args_.keyword[k].first;
    const auto it = std::find(names_.begin(), names_.end(), name);
    if (it == names_.end()) {
      return Error{"filter '" + std::string(filter_) + "' got an unexpected keyword argument '" + name + "'"};
    }
    if (static_cast<size_t>(it - names_.begin()) < args_.positional.size()) {
      return Error{"filter '" + std::string(filter_) + "' got multiple values for argument '" + name + "'"};
    }
  }
  return ok_status();
}

const Value* FilterArgs::get(size_t i) const {
  if (i < args_.positional.size()) return &args_.positional[i];
  if (i >= names_.size()) return nullptr;
  return args_.find_keyword(names_[i]);
}

Result<Value> soft_str(const Value& v) {
  if (v.is_string()) return v;
  PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
  return Value::string(std::move(s));
}

Value ignore_case(const Value& v) {
  if (v.is_string()) return Value::string(py_lower(v.str()), v.safe());
  return v;
}

Result<Value> lookup_attribute(const Value& item, const Value& attribute, const Value* default_value) {
  std::vector<Value> parts;
  if (attribute.is_string()) {
    const std::string& a = attribute.str();
    size_t start = 0;
    while (true) {
      const size_t dot = a.find('.', start);
      std::string part = a.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos && part.size() < 18) {
        // _prepare_attribute_parts: int(x) if x.isdigit()
        parts.push_back(Value::integer(std::stoll(part)));
      } else {
        parts.push_back(Value::string(std::move(part)));
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  } else {
    parts.push_back(attribute);
  }
  const bool has_default = default_value != nullptr && !default_value->is_none();
  Value cur = item;
  for (const auto& p : parts) {
    PRIMER_ASSIGN_OR_RETURN(cur, get_item(cur, p));
    if (has_default && cur.is_undefined()) cur = *default_value;
  }
  return cur;
}

Status no_args(const CallArgs& args, const char* name, const char* kind) {
  if (!args.positional.empty() || !args.keyword.empty()) {
    return Error{std::string(kind) + " '" + name + "' takes no arguments"};
  }
  return ok_status();
}

Result<int64_t> int_param(const Value& v, std::string_view what) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_undefined()) return undefined_error(v);
  return Error{std::string(what) + ": '" + type_name(v) + "' object cannot be interpreted as an integer"};
}

Value make_generator(std::vector<Value> items) { return Value::list(std::move(items), ListFlavor::kGenerator); }

namespace {

// Python's float(str): surrounding whitespace, sign, digits with single underscores, inf/nan.
std::optional<double> parse_py_float(const std::string& text) {
  const std::string s = py_strip(text, nullptr, true, true);
  if (s.empty()) return std::nullopt;
  std::string lower = py_lower(s);
  size_t i = (lower[0] == '+' || lower[0] == '-') ? 1 : 0;
  const std::string body = lower.substr(i);
  if (body == "inf" || body == "infinity" || body == "nan") {
    const double v = body == "nan" ? NAN : INFINITY;
    return lower[0] == '-' ? -v : v;
  }
  std::string clean = lower.substr(0, i);
  bool digits = false, prev_digit = false;
  for (; i < lower.size(); ++i) {
    const char c = lower[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      prev_digit = true;
      clean.push_back(c);
    } else if (c == '_') {
      if (!prev_digit || i + 1 >= lower.size() || !(lower[i + 1] >= '0' && lower[i + 1] <= '9')) return std::nullopt;
      prev_digit = false;
    } else if (c == '.' || c == 'e' || c == '+' || c == '-') {
      prev_digit = false;
      clean.push_back(c);
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(clean.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return v;
}

// Python's int(str, base) for bases 2..36; nullopt on a ValueError.
Result<std::optional<int64_t>> parse_py_int(const std::string& text, int base) {
  const std::string s = py_strip(text, nullptr, true, true);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (base == 16 || base == 8 || base == 2) {
    const char p = base == 16 ? 'x' : base == 8 ? 'o' : 'b';
    if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] | 0x20) == p) i += 2;
  }
  std::string digits;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    int d = -1;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
      d = (c | 0x20) - 'a' + 10;
    if (c == '_' && prev_digit && i + 1 < s.size()) {
      prev_digit = false;
      continue;
    }
    if (d < 0 || d >= base) return std::optional<int64_t>();
    digits.push_back(c);
    prev_digit = true;
  }
  if (digits.empty()) return std::optional<int64_t>();
  errno = 0;
  const unsigned long long v = std::strtoull(digits.c_str(), nullptr, base);
  if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
    return Error{"int(): '" + text + "' does not fit in 64 bits"};
  }
  const auto r = static_cast<int64_t>(v);
  return std::optional<int64_t>(neg ? -r : r);
}

// Python int(float): truncation; nullopt for inf/nan (OverflowError/ValueError).
Result<std::optional<int64_t>> float_to_int(double d) {
  if (std::isnan(d) || std::isinf(d)) return std::optional<int64_t>();
  const double t = std::trunc(d);
  if (t >= 9.2233720368547758e18 || t < -9.2233720368547758e18) return Error{"int(): value does not fit in 64 bits"};
  return std::optional<int64_t>(static_cast<int64_t>(t));
}

}  // namespace

Result<Value> filter_abs(Interpreter&, const Value& v, CallArgs& args) {
  if (!args.positional.empty() || !args.keyword.empty()) return Error{"filter 'abs' takes no arguments"};
  if (v.is_float()) return Value::number(std::fabs(v.as_float()));
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) return Error{"integer overflow"};
    return Value::integer(std::llabs(v.as_int()));
  }
  if (v.is_undefined()) return undefined_error(v);
  return Error{"bad operand type for abs(): '" + type_name(v) + "'"};
}

Result<Value> filter_attr(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "attr", {"name"});
  PRIMER_TRY(p.check());
  if (p.get(0) == nullptr) return Error{"filter 'attr' requires a name"};
  PRIMER_ASSIGN_OR_RETURN(std::string name, to_py_str(*p.get(0)));
  // Unlike `v.name`, attr() never falls back to v["name"].
  if (!v.is_undefined() && !has_method(v, name) && !v.is_object()) {
    std::string m = "'" + object_type_repr(v) + "' has no attribute ";
    py_repr_string(m, name);
    return Value::undefined(std::move(m));
  }
  PRIMER_ASSIGN_OR_RETURN(Value r, get_attr(v, name));
  if (v.is_dict() && !has_method(v, name)) return Value::undefined("'dict object' has no attribute '" + name + "'");
  return r;
}

Result<Value> filter_default(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "default", {"default_value", "boolean"});
  PRIMER_TRY(p.check());
  const bool boolean = p.get(1) != nullptr && truthy(*p.get(1));
  if (v.is_undefined() || (boolean && !truthy(v))) {
    return p.get(0) != nullptr ? *p.get(0) : Value::string("");
  }
  return v;
}

Result<Value> filter_float(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "float", {"default"});
  PRIMER_TRY(p.check());
  const Value deflt = p.get(0) != nullptr ? *p.get(0) : Value::number(0.0);
  if (v.is_undefined()) return undefined_error(v);  // Undefined.__float__ raises
  if (v.is_number()) return Value::number(v.as_float());
  if (v.is_string()) {
    auto d = parse_py_float(v.str());
    if (d) return Value::number(*d);
  }
  return deflt;
}

Result<Value> filter_int(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "int", {"default", "base"});
  PRIMER_TRY(p.check());
  const Value deflt = p.get(0) != nullptr ? *p.get(0) : Value::integer(0);
  int base = 10;
  if (p.get(1) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(int64_t b, int_param(*p.get(1), "int"));
    if (b < 2 || b > 36) return Error{"int() base must be >= 2 and <= 36"};
    base = static_cast<int>(b);
  }
  if (v.is_undefined()) return undefined_error(v);  // Undefined.__int__ raises
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    if (std::isinf(v.as_float())) return Error{"cannot convert float infinity to integer"};
    PRIMER_ASSIGN_OR_RETURN(auto i, float_to_int(v.as_float()));
    return i ? Value::integer(*i) : deflt;
  }
  if (v.is_string()) {
    PRIMER_ASSIGN_OR_RETURN(auto i, parse_py_int(v.str(), base));
    if (i) return Value::integer(*i);
    // jinja2's quirk: "42.23"|int is int(float("42.23")).
    auto d = parse_py_float(v.str());
    if (d) {
      PRIMER_ASSIGN_OR_RETURN(auto j, float_to_int(*d));
      if (j) return Value::integer(*j);
    }
  }
  return deflt;
}

Result<Value> filter_round(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "round", {"precision", "method"});
  PRIMER_TRY(p.check());
  int64_t precision = 0;
  if (p.get(0) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(precision, int_param(*p.get(0), "round"));
  }
  std::string method = "common";
  if (p.get(1) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(method, to_py_str(*p.get(1)));
  }
  if (method != "common" && method != "ceil" && method != "floor") return Error{"method must be common, ceil or floor"};
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_number()) return Error{"type " + type_name(v) + " doesn't define __round__ method"};
  if (method == "common") {
    if (!v.is_float()) {
      if (precision >= 0) return Value::integer(v.as_int());
      double scale = std::pow(10.0, static_cast<double>(-precision));
      return Value::integer(static_cast<int64_t>(std::nearbyint(static_cast<double>(v.as_int()) / scale) * scale));
    }
    const double d = v.as_float();
    if (std::isnan(d) || std::isinf(d)) return Value::number(d);
    if (precision > 300) return Value::number(d);
    if (precision >= 0) {
      // printf rounds the exact binary value correctly (ties to even), as Python's round() does.
      char buf[512];
      std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(precision), d);
      return Value::number(std::strtod(buf, nullptr));
    }
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::number(std::nearbyint(d / scale) * scale);
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_float() * scale;
  const double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::number(r / scale);
}

FilterFn find_filter(std::string_view name) {
  static const std::pair<std::string_view, FilterFn> kFilters[] = {
      {"abs", filter_abs},
      {"attr", filter_attr},
      {"batch", filter_batch},
      {"capitalize", filter_capitalize},
      {"center", filter_center},
      {"count", filter_length},
      {"d", filter_default},
      {"default", filter_default},
      {"dictsort", filter_dictsort},
      {"e", filter_escape},
      {"escape", filter_escape},
      {"first", filter_first},
      {"float", filter_float},
      {"forceescape", filter_forceescape},
      {"format", filter_format},
      {"indent", filter_indent},
      {"int", filter_int},
      {"items", filter_items},
      {"join", filter_join},
      {"last", filter_last},
      {"length", filter_length},
      {"list", filter_list},
      {"lower", filter_lower},
      {"map", filter_map},
      {"max", filter_max},
      {"min", filter_min},
      {"reject", filter_reject},
      {"rejectattr", filter_rejectattr},
      {"replace", filter_replace},
      {"reverse", filter_reverse},
      {"round", filter_round},
      {"safe", filter_safe},
      {"select", filter_select},
      {"selectattr", filter_selectattr},
      {"slice", filter_slice},
      {"sort", filter_sort},
      {"string", filter_string},
      {"sum", filter_sum},
      {"title", filter_title},
      {"tojson", filter_tojson},
      {"trim", filter_trim},
      {"truncate", filter_truncate},
      {"unique", filter_unique},
      {"upper", filter_upper},
      {"wordcount", filter_wordcount},
  };
  for (const auto& [n, fn] : kFilters) {
    if (n == name) return fn;
  }
  return nullptr;
}

}  // namespace primer::chat
