// str.format(): replacement fields "{}", "{0}", "{name}", "{0.attr}", "{0[key]}", conversions
// !r/!s and the format-spec mini-language [[fill]align][sign][#][0][width][,|_][.precision][type].
#include <cmath>
#include <cstdio>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/methods.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

namespace {

struct FormatSpec {
  std::string fill = " ";
  char align = 0;  // '<' '>' '^' '=' or 0
  char sign = 0;   // '+' '-' ' ' or 0
  bool alt = false;
  bool zero = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

Result<FormatSpec> parse_spec(const std::string& spec) {
  FormatSpec f;
  const auto cps = utf8_decode(spec);
  size_t i = 0;
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (cps.size() >= 2 && is_align(cps[1])) {
    f.fill.clear();
    utf8::append(f.fill, cps[0]);
    f.align = static_cast<char>(cps[1]);
    i = 2;
  } else if (!cps.empty() && is_align(cps[0])) {
    f.align = static_cast<char>(cps[0]);
    i = 1;
  }
  if (i < cps.size() && (cps[i] == '+' || cps[i] == '-' || cps[i] == ' ')) f.sign = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '#') {
    f.alt = true;
    ++i;
  }
  if (i < cps.size() && cps[i] == '0') {
    f.zero = true;
    ++i;
  }
  auto read_int = [&](int& dst) {
    if (i < cps.size() && cps[i] >= '0' && cps[i] <= '9') {
      dst = 0;
      while (i < cps.size() && cps[i] >= '0' && cps[i] <= '9') {
        dst = std::min(dst * 10 + static_cast<int>(cps[i] - '0'), 100000);
        ++i;
      }
    }
  };
  read_int(f.width);
  if (i < cps.size() && (cps[i] == ',' || cps[i] == '_')) f.grouping = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '.') {
    ++i;
    f.precision = 0;
    read_int(f.precision);
  }
  if (i < cps.size()) f.type = static_cast<char>(cps[i++]);
  if (i != cps.size()) return Error{"Invalid format specifier '" + spec + "'"};
  return f;
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string apply_width(const std::string& sign, const std::string& body, const FormatSpec& f, char default_align) {
  const size_t len = utf8_length(sign) + utf8_length(body);
  char align = f.align ? f.align : (f.zero ? '=' : default_align);
  std::string fill = f.align ? f.fill : (f.zero ? "0" : " ");
  if (f.width < 0 || len >= static_cast<size_t>(f.width)) return sign + body;
  const size_t pad = static_cast<size_t>(f.width) - len;
  auto rep = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += fill;
    return s;
  };
  switch (align) {
    case '<':
      return sign + body + rep(pad);
    case '^':
      return rep(pad / 2) + sign + body + rep(pad - pad / 2);
    case '=':
      return sign + rep(pad) + body;
    default:
      return rep(pad) + sign + body;
  }
}

Result<std::string> format_value(const Value& v, const std::string& spec_text) {
  if (spec_text.empty()) return to_py_str(v);
  PRIMER_ASSIGN_OR_RETURN(FormatSpec f, parse_spec(spec_text));
  if (v.is_string() || v.is_undefined()) {
    if (f.type != 0 && f.type != 's')
      return Error{std::string("Unknown format code '") + f.type + "' for object of type 'str'"};
    std::string s = v.str();
    if (f.precision >= 0) {
      const auto cps = utf8_decode(s);
      if (cps.size() > static_cast<size_t>(f.precision))
        s = utf8_encode(std::vector<char32_t>(cps.begin(), cps.begin() + f.precision));
    }
    return apply_width("", s, f, '<');
  }
  const bool as_int = (v.is_int() || v.is_bool()) && (f.type == 0 || f.type == 'd' || f.type == 'b' || f.type == 'o' ||
                                                      f.type == 'x' || f.type == 'X' || f.type == 'c' || f.type == 'n');
  if (as_int) {
    const int64_t n = v.as_int();
    const unsigned long long mag =
        n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
    std::string digits;
    std::string prefix;
    char buf[80];
    switch (f.type) {
      case 'b':
        for (unsigned long long m = mag; m > 0; m >>= 1)
          digits.insert(digits.begin(), static_cast<char>('0' + (m & 1)));
        if (digits.empty()) digits = "0";
        prefix = "0b";
        break;
      case 'o':
        std::snprintf(buf, sizeof(buf), "%llo", mag);
        digits = buf;
        prefix = "0o";
        break;
      case 'x':
        std::snprintf(buf, sizeof(buf), "%llx", mag);
        digits = buf;
        prefix = "0x";
        break;
      case 'X':
        std::snprintf(buf, sizeof(buf), "%llX", mag);
        digits = buf;
        prefix = "0X";
        break;
      case 'c': {
        std::string s;
        utf8::append(s, static_cast<char32_t>(n));
        return apply_width("", s, f, '<');
      }
      default:
        std::snprintf(buf, sizeof(buf), "%llu", mag);
        digits = buf;
        break;
    }
    if (f.grouping) digits = group_digits(digits, f.grouping);
    std::string sign = n < 0 ? "-" : (f.sign == '+' ? "+" : f.sign == ' ' ? " " : "");
    if (f.alt) sign += prefix;
    return apply_width(sign, digits, f, '>');
  }
  if (v.is_number()) {
    const double d = v.as_float();
    std::string body;
    char buf[512];
    const int prec = f.precision < 0 ? 6 : std::min(f.precision, 100);
    switch (f.type) {
      case 0:
        if (f.precision < 0) {
          body = py_float_repr(std::fabs(d));
        } else {
          std::snprintf(buf, sizeof(buf), "%.*g", std::max(prec, 1), std::fabs(d));
          body = buf;
          if (body.find_first_of(".en") == std::string::npos) body += ".0";
        }
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        std::string cfmt = f.alt ? "%#.*" : "%.*";
        cfmt.push_back(f.type);
        std::snprintf(buf, sizeof(buf), cfmt.c_str(), prec, std::fabs(d));
        body = buf;
        break;
      }
      case '%':
        std::snprintf(buf, sizeof(buf), "%.*f%%", prec, std::fabs(d) * 100.0);
        body = buf;
        break;
      default:
        return Error{std::string("Unknown format code '") + f.type + "' for object of type '" + type_name(v) + "'"};
    }
    if (f.grouping) {
      const size_t dot = body.find_first_not_of("0123456789");
      body = group_digits(body.substr(0, dot), f.grouping) + (dot == std::string::npos ? "" : body.substr(dot));
    }
    const bool neg = std::signbit(d) && !std::isnan(d);
    const std::string sign = neg ? "-" : (f.sign == '+' ? "+" : f.sign == ' ' ? " " : "");
    return apply_width(sign, body, f, '>');
  }
  return Error{"unsupported format string passed to " + type_name(v) + ".__format__"};
}

}  // namespace

Result<Value> str_format(const Value& fmt_value, const CallArgs& args) {
  const std::string& fmt = fmt_value.str();
  std::string out;
  int auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      return Error{"Single '}' encountered in format string"};
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) return Error{"Single '{' encountered in format string"};
    std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find('{') != std::string::npos)
      return Error{"nested replacement fields in format specs are not supported"};
    i = close;
    std::string spec;
    char conversion = 0;
    if (const size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (const size_t bang = field.find('!'); bang != std::string::npos) {
      if (bang + 2 != field.size()) return Error{"expected ':' after conversion specifier"};
      conversion = field[bang + 1];
      field.resize(bang);
    }
    // Split the field name into its first part and accessors.
    size_t end = field.find_first_of(".[");
    const std::string first = field.substr(0, end);
    Value v;
    if (first.empty()) {
      if (used_manual) return Error{"cannot switch from manual field specification to automatic field numbering"};
      used_auto = true;
      if (static_cast<size_t>(auto_index) >= args.positional.size()) {
        return Error{"tuple index out of range"};
      }
      v = args.positional[static_cast<size_t>(auto_index++)];
    } else if (first.find_first_not_of("0123456789") == std::string::npos) {
      if (used_auto) return Error{"cannot switch from automatic field numbering to manual field specification"};
      used_manual = true;
      const size_t idx = std::stoul(first.substr(0, 9));
      if (idx >= args.positional.size()) {
        return Error{"tuple index out of range"};
      }
      v = args.positional[idx];
    } else {
      const Value* kw = args.find_keyword(first);
      if (kw == nullptr) return Error{"KeyError: '" + first + "'"};
      v = *kw;
    }
    while (end != std::string::npos && end < field.size()) {
      if (field[end] == '.') {
        const size_t next = field.find_first_of(".[", end + 1);
        PRIMER_ASSIGN_OR_RETURN(v, get_attr(v, field.substr(end + 1, next - end - 1)));
        end = next;
      } else {
        const size_t rb = field.find(']', end);
        if (rb == std::string::npos) return Error{"Missing ']' in format string"};
        const std::string key = field.substr(end + 1, rb - end - 1);
        Value k = key.find_first_not_of("0123456789") == std::string::npos && !key.empty()
                      ? Value::integer(std::stoll(key.substr(0, 18)))
                      : Value::string(key);
        PRIMER_ASSIGN_OR_RETURN(v, get_item(v, k));
        end = rb + 1;
      }
    }
    if (conversion == 'r') {
      std::string r;
      PRIMER_TRY(py_repr(r, v));
      v = Value::string(std::move(r));
    } else if (conversion == 's') {
      PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
      v = Value::string(std::move(s), v.safe());
    } else if (conversion != 0) {
      return Error{std::string("conversion !") + conversion + " is not supported"};
    }
    PRIMER_ASSIGN_OR_RETURN(std::string piece, format_value(v, spec));
    out += (fmt_value.safe() && !(v.is_string() && v.safe())) ? html_escape(piece) : piece;
  }
  return Value::string(std::move(out), fmt_value.safe());
}

}  // namespace primer::chat
