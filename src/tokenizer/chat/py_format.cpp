#include "tokenizer/chat/py_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

std::string py_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  if (!s.empty() && s[0] == '-') {
    out.push_back('-');
    s.remove_prefix(1);
  }
  // s = D[.DDD]e(+|-)XX
  const size_t e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp10);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int decpt = exp10 + 1;  // digits[0] sits just before the decimal point at decpt 1
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits;
      out.append(static_cast<size_t>(decpt) - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(decpt));
      out.push_back('.');
      out += digits.substr(static_cast<size_t>(decpt));
    }
    return out;
  }
  out.push_back(digits[0]);
  if (digits.size() > 1) {
    out.push_back('.');
    out += digits.substr(1);
  }
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
  out += exp_buf;
  return out;
}

void py_repr_string(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out.push_back(quote);
  auto hex = [&](char32_t c, int width, char prefix) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\%c%0*x", prefix, width, static_cast<unsigned>(c));
    out += buf;
  };
  const bool ascii = is_ascii(s);
  std::vector<char32_t> cps;
  if (!ascii) cps = utf8_decode(s);
  const size_t n = ascii ? s.size() : cps.size();
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = ascii ? static_cast<char32_t>(static_cast<unsigned char>(s[i])) : cps[i];
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (py_isprintable(c)) {
      utf8::append(out, c);
    } else if (c < 0x100) {
      hex(c, 2, 'x');
    } else if (c < 0x10000) {
      hex(c, 4, 'u');
    } else {
      hex(c, 8, 'U');
    }
  }
  out.push_back(quote);
}

namespace {

Error not_printable(const Value& v) {
  return Error{"printing a " + type_name(v) + " object is not supported (Python prints its memory address)"};
}

Status repr_items(std::string& out, const std::vector<Value>& items, size_t from) {
  for (size_t i = from; i < items.size(); ++i) {
    if (i > from) out += ", ";
    PRIMER_TRY(py_repr(out, items[i]));
  }
  return ok_status();
}

Status repr_dict_entries(std::string& out, const DictData& d) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : d.entries) {
    if (!first) out += ", ";
    first = false;
    PRIMER_TRY(py_repr(out, k));
    out += ": ";
    PRIMER_TRY(py_repr(out, v));
  }
  out.push_back('}');
  return ok_status();
}

}  // namespace

Status py_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      out += "Undefined";
      return ok_status();  // str() is "", see py_str
    case ValueKind::kNone:
      out += "None";
      return ok_status();
    case ValueKind::kBool:
      out += v.as_bool() ? "True" : "False";
      return ok_status();
    case ValueKind::kInt:
      out += std::to_string(v.as_int());
      return ok_status();
    case ValueKind::kFloat:
      out += py_float_repr(v.as_float());
      return ok_status();
    case ValueKind::kString:
      if (v.safe()) {
        out += "Markup(";
        py_repr_string(out, v.str());
        out += ")";
      } else {
        py_repr_string(out, v.str());
      }
      return ok_status();
    case ValueKind::kList: {
      const auto& l = v.list();
      switch (l.flavor) {
        case ListFlavor::kList:
          out.push_back('[');
          PRIMER_TRY(repr_items(out, l.items, 0));
          out.push_back(']');
          return ok_status();
        case ListFlavor::kTuple:
          out.push_back('(');
          PRIMER_TRY(repr_items(out, l.items, 0));
          if (l.items.size() == 1) out.push_back(',');
          out.push_back(')');
          return ok_status();
        case ListFlavor::kDictItems:
        case ListFlavor::kDictKeys:
        case ListFlavor::kDictValues:
          out += type_name(v) + "([";
          PRIMER_TRY(repr_items(out, l.items, 0));
          out += "])";
          return ok_status();
        case ListFlavor::kGenerator:
        case ListFlavor::kRange:
          return not_printable(v);
      }
      return not_printable(v);
    }
    case ValueKind::kDict:
      return repr_dict_entries(out, v.dict());
    case ValueKind::kObject: {
      const Object& o = v.object();
      if (o.kind() == ObjectKind::kNamespace) {
        out += "<Namespace ";
        PRIMER_TRY(repr_dict_entries(out, static_cast<const NamespaceObject&>(o).attrs));
        out += ">";
        return ok_status();
      }
      if (o.kind() == ObjectKind::kLoop) {
        const auto& loop = static_cast<const LoopObject&>(o);
        out += "<LoopContext " + std::to_string(loop.index0 + 1) + "/" + std::to_string(loop.items->size()) + ">";
        return ok_status();
      }
      if (o.kind() == ObjectKind::kMacro) {
        const auto& m = static_cast<const MacroObject&>(o);
        out += "<Macro ";
        py_repr_string(out, m.name);
        out += ">";
        return ok_status();
      }
      return not_printable(v);
    }
  }
  return ok_status();
}

Status py_str(std::string& out, const Value& v) {
  if (v.is_string()) {
    out += v.str();
    return ok_status();
  }
  if (v.is_undefined()) return ok_status();
  return py_repr(out, v);
}

Result<std::string> to_py_str(const Value& v) {
  if (v.is_string()) return v.str();
  if (v.is_undefined()) return std::string();
  std::string out;
  PRIMER_TRY(py_repr(out, v));
  return out;
}

namespace {

void json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  auto u_escape = [&](unsigned c) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
    out += buf;
  };
  auto simple = [&](char32_t c) -> bool {
    switch (c) {
      case '"':
        out += "\\\"";
        return true;
      case '\\':
        out += "\\\\";
        return true;
      case '\n':
        out += "\\n";
        return true;
      case '\r':
        out += "\\r";
        return true;
      case '\t':
        out += "\\t";
        return true;
      case '\b':
        out += "\\b";
        return true;
      case '\f':
        out += "\\f";
        return true;
      default:
        return false;
    }
  };
  if (!ensure_ascii || is_ascii(s)) {
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (simple(c)) continue;
      if (c < 0x20 || (ensure_ascii && c == 0x7F))
        u_escape(c);
      else
        out.push_back(ch);
    }
  } else {
    for (char32_t c : utf8_decode(s)) {
      if (simple(c)) continue;
      if (c < 0x20 || c >= 0x7F) {
        if (c >= 0x10000) {
          const char32_t v = c - 0x10000;
          u_escape(0xD800 | (v >> 10));
          u_escape(0xDC00 | (v & 0x3FF));
        } else {
          u_escape(c);
        }
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  out.push_back('"');
}

Error not_serializable(const Value& v) {
  std::string name = type_name(v);
  if (v.is_object(ObjectKind::kBoundMethod)) name = "builtin_function_or_method";
  return Error{"Object of type " + name + " is not JSON serializable"};
}

Result<std::string> json_key(const Value& k) {
  switch (k.kind()) {
    case ValueKind::kString:
      return k.str();
    case ValueKind::kInt:
      return std::to_string(k.as_int());
    case ValueKind::kFloat: {
      const double d = k.as_float();
      if (std::isnan(d)) return std::string("NaN");
      if (std::isinf(d)) return std::string(d > 0 ? "Infinity" : "-Infinity");
      return py_float_repr(d);
    }
    case ValueKind::kBool:
      return std::string(k.as_bool() ? "true" : "false");
    case ValueKind::kNone:
      return std::string("null");
    default:
      return Error{"keys must be str, int, float, bool or None, not " + type_name(k)};
  }
}

class JsonWriter {
 public:
  JsonWriter(std::string& out, const JsonDumpOptions& o) : out_(out), o_(o) {
    item_sep_ = o.item_separator ? *o.item_separator : (o.indent ? "," : ", ");
  }

  Status write(const Value& v, int level) {
    switch (v.kind()) {
      case ValueKind::kNone:
        out_ += "null";
        return ok_status();
      case ValueKind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return ok_status();
      case ValueKind::kInt:
        out_ += std::to_string(v.as_int());
        return ok_status();
      case ValueKind::kFloat: {
        const double d = v.as_float();
        if (std::isnan(d))
          out_ += "NaN";
        else if (std::isinf(d))
          out_ += d > 0 ? "Infinity" : "-Infinity";
        else
          out_ += py_float_repr(d);
        return ok_status();
      }
      case ValueKind::kString:
        json_string(out_, v.str(), o_.ensure_ascii);
        return ok_status();
      case ValueKind::kList: {
        const auto& l = v.list();
        if (l.flavor != ListFlavor::kList && l.flavor != ListFlavor::kTuple) return not_serializable(v);
        if (l.items.empty()) {
          out_ += "[]";
          return ok_status();
        }
        out_.push_back('[');
        for (size_t i = 0; i < l.items.size(); ++i) {
          if (i > 0) out_ += item_sep_;
          newline(level + 1);
          PRIMER_TRY(write(l.items[i], level + 1));
        }
        newline(level);
        out_.push_back(']');
        return ok_status();
      }
      case ValueKind::kDict: {
        const auto& d = v.dict();
        if (d.entries.empty()) {
          out_ += "{}";
          return ok_status();
        }
        std::vector<std::pair<std::string, const Value*>> entries;
        entries.reserve(d.entries.size());
        for (const auto& [k, val] : d.entries) {
          PRIMER_ASSIGN_OR_RETURN(std::string key, json_key(k));
          if (o_.sort_keys && !k.is_string()) return Error{"sort_keys with non-string keys is not supported"};
          entries.emplace_back(std::move(key), &val);
        }
        if (o_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out_.push_back('{');
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out_ += item_sep_;
          newline(level + 1);
          json_string(out_, entries[i].first, o_.ensure_ascii);
          out_ += o_.key_separator;
          PRIMER_TRY(write(*entries[i].second, level + 1));
        }
        newline(level);
        out_.push_back('}');
        return ok_status();
      }
      default:
        return not_serializable(v);
    }
  }

 private:
  void newline(int level) {
    if (!o_.indent) return;
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *o_.indent;
  }

  std::string& out_;
  const JsonDumpOptions& o_;
  std::string item_sep_;
};

}  // namespace

Status json_dumps(std::string& out, const Value& v, const JsonDumpOptions& options) {
  JsonWriter w(out, options);
  return w.write(v, 0);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&#34;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

Result<Value> from_json(const nlohmann::ordered_json& j, const std::string& where, uint32_t depth) {
  if (depth > kMaxValueDepth) {
    return Error{"[template] " + where + ": nesting deeper than " + std::to_string(kMaxValueDepth) + " levels"};
  }
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case T::null:
      return Value::none();
    case T::boolean:
      return Value::boolean(j.get<bool>());
    case T::number_integer:
      return Value::integer(j.get<int64_t>());
    case T::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        return Error{"[template] " + where + ": integer " + std::to_string(u) + " does not fit in 64 bits"};
      }
      return Value::integer(static_cast<int64_t>(u));
    }
    case T::number_float:
      return Value::number(j.get<double>());
    case T::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (!utf8::is_valid(s)) return Error{"[template] " + where + ": string is not valid UTF-8"};
      return Value::string(s);
    }
    case T::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      size_t i = 0;
      for (const auto& e : j) {
        PRIMER_ASSIGN_OR_RETURN(Value v, from_json(e, where + "[" + std::to_string(i) + "]", depth + 1));
        items.push_back(std::move(v));
        ++i;
      }
      return Value::list(std::move(items));
    }
    case T::object: {
      DictData d;
      d.entries.reserve(j.size());
      for (const auto& [k, e] : j.items()) {
        if (!utf8::is_valid(k)) return Error{"[template] " + where + ": key is not valid UTF-8"};
        PRIMER_ASSIGN_OR_RETURN(Value v, from_json(e, where + "." + k, depth + 1));
        d.entries.emplace_back(Value::string(k), std::move(v));
      }
      return Value::dict(std::move(d));
    }
    default:
      return Error{"[template] " + where + ": unsupported JSON value type"};
  }
}

}  // namespace

Result<Value> value_from_json(const nlohmann::ordered_json& j, const std::string& where) {
  return from_json(j, where, 0);
}

}  // namespace primer::chat
