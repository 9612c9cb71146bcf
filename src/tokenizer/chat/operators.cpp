#include "tokenizer/chat/operators.h"

#include <cmath>
#include <cstdio>

#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

Error undefined_error(const Value& v) {
  const std::string& m = v.undefined_message();
  return Error{m.empty() ? "value is undefined" : m};
}

namespace {

const char* op_symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kFloorDiv:
      return "//";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "** or pow()";
  }
  return "?";
}

Error unsupported(BinaryOp op, const Value& a, const Value& b) {
  return Error{std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" + type_name(a) + "' and '" +
               type_name(b) + "'"};
}

Error overflow() { return Error{"integer overflow (integers beyond 64 bits are not supported)"}; }

// Python's float modulo: the result takes the sign of the divisor.
double py_fmod(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double py_floordiv(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div != 0.0) {
    double floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  return std::copysign(0.0, a / b);
}

Result<Value> arith_numbers(BinaryOp op, const Value& a, const Value& b) {
  const bool use_float = a.is_float() || b.is_float();
  if (!use_float) {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t r = 0;
    switch (op) {
      case BinaryOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinaryOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinaryOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinaryOp::kDiv:
        if (y == 0) return Error{"division by zero"};
        return Value::number(static_cast<double>(x) / static_cast<double>(y));
      case BinaryOp::kFloorDiv: {
        if (y == 0) return Error{"integer division or modulo by zero"};
        if (x == INT64_MIN && y == -1) return overflow();
        int64_t q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
        return Value::integer(q);
      }
      case BinaryOp::kMod: {
        if (y == 0) return Error{"integer modulo by zero"};
        if (y == -1) return Value::integer(0);
        int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value::integer(m);
      }
      case BinaryOp::kPow: {
        if (y < 0) {
          if (x == 0) return Error{"0.0 cannot be raised to a negative power"};
          return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
        }
        int64_t result = 1, base = x, e = y;
        while (e > 0) {
          if (e & 1) {
            if (__builtin_mul_overflow(result, base, &result)) return overflow();
          }
          e >>= 1;
          if (e > 0 && __builtin_mul_overflow(base, base, &base)) return overflow();
        }
        return Value::integer(result);
      }
    }
  }
  const double x = a.as_float(), y = b.as_float();
  switch (op) {
    case BinaryOp::kAdd:
      return Value::number(x + y);
    case BinaryOp::kSub:
      return Value::number(x - y);
    case BinaryOp::kMul:
      return Value::number(x * y);
    case BinaryOp::kDiv:
      if (y == 0) return Error{"float division by zero"};
      return Value::number(x / y);
    case BinaryOp::kFloorDiv:
      if (y == 0) return Error{"float floor division by zero"};
      return Value::number(py_floordiv(x, y));
    case BinaryOp::kMod:
      if (y == 0) return Error{"float modulo"};
      return Value::number(py_fmod(x, y));
    case BinaryOp::kPow: {
      if (x == 0 && y < 0) return Error{"0.0 cannot be raised to a negative power"};
      if (x < 0 && y != std::floor(y))
        return Error{"raising a negative number to a fractional power (a complex result) is not supported"};
      const double r = std::pow(x, y);
      if (std::isinf(r) && !std::isinf(x)) return Error{"(34, 'Numerical result out of range')"};
      return Value::number(r);
    }
  }
  return unsupported(op, a, b);
}

Result<Value> repeat(const Value& seq, int64_t n, const TemplateLimits& limits) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.str();
    if (!s.empty() && static_cast<uint64_t>(n) > limits.max_output_bytes / s.size()) {
      return Error{"string repetition exceeds the output size limit (" + std::to_string(limits.max_output_bytes) +
                   " bytes)"};
    }
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value::string(std::move(out), seq.safe());
  }
  const auto& items = seq.list().items;
  if (!items.empty() && static_cast<uint64_t>(n) > limits.max_items / items.size()) {
    return Error{"list repetition exceeds the item limit (" + std::to_string(limits.max_items) + ")"};
  }
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::list(std::move(out), seq.flavor());
}

bool is_plain_seq(const Value& v) {
  return v.is_list() && (v.flavor() == ListFlavor::kList || v.flavor() == ListFlavor::kTuple);
}

}  // namespace

Result<Value> binary_op(BinaryOp op, const Value& a, const Value& b, const TemplateLimits& limits) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  if (a.is_number() && b.is_number()) return arith_numbers(op, a, b);
  switch (op) {
    case BinaryOp::kAdd:
      if (a.is_string() && b.is_string()) {
        if (a.str().size() + b.str().size() > limits.max_output_bytes) {
          return Error{"string exceeds the output size limit (" + std::to_string(limits.max_output_bytes) + " bytes)"};
        }
        if (a.safe() == b.safe()) return Value::string(a.str() + b.str(), a.safe());
        // Markup + str escapes the plain side (markupsafe semantics).
        if (a.safe()) return Value::string(a.str() + html_escape(b.str()), true);
        return Value::string(html_escape(a.str()) + b.str(), true);
      }
      if (a.is_string()) {
        if (a.safe()) return unsupported(op, a, b);
        return Error{"can only concatenate str (not \"" + type_name(b) + "\") to str"};
      }
      if (is_plain_seq(a)) {
        if (!b.is_list() || b.flavor() != a.flavor()) {
          const std::string n = type_name(a);
          return Error{"can only concatenate " + n + " (not \"" + type_name(b) + "\") to " + n};
        }
        const auto& x = a.list().items;
        const auto& y = b.list().items;
        if (x.size() + y.size() > limits.max_items) return Error{"list exceeds the item limit"};
        std::vector<Value> out;
        out.reserve(x.size() + y.size());
        out.insert(out.end(), x.begin(), x.end());
        out.insert(out.end(), y.begin(), y.end());
        return Value::list(std::move(out), a.flavor());
      }
      return unsupported(op, a, b);
    case BinaryOp::kMul:
      if ((a.is_string() || is_plain_seq(a)) && (b.is_int() || b.is_bool())) return repeat(a, b.as_int(), limits);
      if ((b.is_string() || is_plain_seq(b)) && (a.is_int() || a.is_bool())) return repeat(b, a.as_int(), limits);
      if (a.is_string() || is_plain_seq(a) || b.is_string() || is_plain_seq(b)) {
        const Value& other = (a.is_string() || is_plain_seq(a)) ? b : a;
        return Error{"can't multiply sequence by non-int of type '" + type_name(other) + "'"};
      }
      return unsupported(op, a, b);
    case BinaryOp::kMod:
      if (a.is_string()) return percent_format(a, b);
      return unsupported(op, a, b);
    default:
      return unsupported(op, a, b);
  }
}

Result<Value> negate(const Value& v) {
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_float()) return Value::number(-v.as_float());
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) return overflow();
    return Value::integer(-v.as_int());
  }
  return Error{"bad operand type for unary -: '" + type_name(v) + "'"};
}

Result<Value> unary_plus(const Value& v) {
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_float()) return v;
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  return Error{"bad operand type for unary +: '" + type_name(v) + "'"};
}

namespace {

const char* cmp_symbol(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    default:
      return "==";
  }
}

bool apply_order(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
    default:
      return false;
  }
}

// Ordering for <, <=, >, >=; NaN compares false like Python.
Result<bool> order(CompareOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      switch (op) {
        case CompareOp::kLt:
          return x < y;
        case CompareOp::kLe:
          return x <= y;
        case CompareOp::kGt:
          return x > y;
        case CompareOp::kGe:
          return x >= y;
        default:
          return false;
      }
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return apply_order(op, x < y ? -1 : x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return apply_order(op, a.str().compare(b.str()));
  if (is_plain_seq(a) && b.is_list() && a.flavor() == b.flavor()) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return order(op, x[i], y[i]);
    }
    return apply_order(op, x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0);
  }
  return Error{std::string("'") + cmp_symbol(op) + "' not supported between instances of '" + type_name(a) + "' and '" +
               type_name(b) + "'"};
}

}  // namespace

Result<bool> compare_op(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::kEq:
      return py_equal(a, b);
    case CompareOp::kNe:
      return !py_equal(a, b);
    case CompareOp::kIn:
      return contains(b, a);
    case CompareOp::kNotIn: {
      PRIMER_ASSIGN_OR_RETURN(bool in, contains(b, a));
      return !in;
    }
    default:
      return order(op, a, b);
  }
}

Result<int> py_cmp(const Value& a, const Value& b) {
  PRIMER_ASSIGN_OR_RETURN(bool lt, order(CompareOp::kLt, a, b));
  if (lt) return -1;
  PRIMER_ASSIGN_OR_RETURN(bool gt, order(CompareOp::kGt, a, b));
  return gt ? 1 : 0;
}

Result<bool> contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case ValueKind::kUndefined:
      return false;  // iterating an Undefined yields nothing
    case ValueKind::kString:
      if (!item.is_string()) {
        if (item.is_undefined()) return undefined_error(item);
        return Error{"'in <string>' requires string as left operand, not " + type_name(item)};
      }
      return container.str().find(item.str()) != std::string::npos;
    case ValueKind::kList: {
      const auto& l = container.list();
      const size_t from = l.flavor == ListFlavor::kGenerator ? l.consumed : 0;
      for (size_t i = from; i < l.items.size(); ++i) {
        if (py_equal(l.items[i], item)) {
          if (l.flavor == ListFlavor::kGenerator) l.consumed = i + 1;
          return true;
        }
      }
      if (l.flavor == ListFlavor::kGenerator) l.consumed = l.items.size();
      return false;
    }
    case ValueKind::kDict:
      if (item.is_list() && item.flavor() != ListFlavor::kTuple)
        return Error{"unhashable type: '" + type_name(item) + "'"};
      if (item.is_dict()) return Error{"unhashable type: 'dict'"};
      return container.dict().find(item) != nullptr;
    default:
      return Error{"argument of type '" + type_name(container) + "' is not iterable"};
  }
}

namespace {

// One %-conversion: flags, width, precision, type.
struct Spec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = -1, precision = -1;
  char type = 's';
};

std::string pad(std::string body, const Spec& sp, bool numeric) {
  const size_t len = utf8_length(body);
  if (sp.width < 0 || len >= static_cast<size_t>(sp.width)) return body;
  const size_t fill = static_cast<size_t>(sp.width) - len;
  if (sp.left) return body + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

Result<std::string> format_one(const Spec& sp, const Value& v) {
  char buf[512];
  switch (sp.type) {
    case 's':
    case 'r': {
      std::string s;
      if (sp.type == 'r')
        PRIMER_TRY(py_repr(s, v));
      else
        PRIMER_TRY(py_str(s, v));
      if (sp.precision >= 0) {
        const auto cps = utf8_decode(s);
        if (cps.size() > static_cast<size_t>(sp.precision)) {
          s = utf8_encode(std::vector<char32_t>(cps.begin(), cps.begin() + sp.precision));
        }
      }
      return pad(s, sp, false);
    }
    case 'd':
    case 'i':
    case 'x':
    case 'X':
    case 'o': {
      if (!v.is_number())
        return Error{"%" + std::string(1, sp.type) + " format: a real number is required, not " + type_name(v)};
      const int64_t n = v.is_float() ? static_cast<int64_t>(std::trunc(v.as_float())) : v.as_int();
      const char* f = sp.type == 'x' ? "%llx" : sp.type == 'X' ? "%llX" : sp.type == 'o' ? "%llo" : "%lld";
      const unsigned long long mag =
          n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
      std::snprintf(buf, sizeof(buf), f, sp.type == 'd' || sp.type == 'i' ? static_cast<unsigned long long>(mag) : mag);
      std::string body = buf;
      if (sp.alt && sp.type != 'd' && sp.type != 'i')
        body = std::string(sp.type == 'o' ? "0o" : sp.type == 'x' ? "0x" : "0X") + body;
      if (sp.precision >= 0 && body.size() < static_cast<size_t>(sp.precision))
        body.insert(0, static_cast<size_t>(sp.precision) - body.size(), '0');
      const char sign = n < 0 ? '-' : sp.plus ? '+' : sp.space ? ' ' : 0;
      if (sign) body.insert(body.begin(), sign);
      return pad(body, sp, true);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!v.is_number()) return Error{"must be real number, not " + type_name(v)};
      std::string fmt = "%";
      if (sp.plus) fmt += '+';
      if (sp.space) fmt += ' ';
      if (sp.alt) fmt += '#';
      fmt += "." + std::to_string(sp.precision < 0 ? 6 : std::min(sp.precision, 100));
      fmt += sp.type;
      std::snprintf(buf, sizeof(buf), fmt.c_str(), v.as_float());
      return pad(buf, sp, true);
    }
    case 'c': {
      std::string s;
      if (v.is_string() && utf8_length(v.str()) == 1)
        s = v.str();
      else if (v.is_int() && v.as_int() >= 0 && v.as_int() <= 0x10FFFF)
        utf8::append(s, static_cast<char32_t>(v.as_int()));
      else
        return Error{"%c requires int or char"};
      return pad(s, sp, false);
    }
    default:
      return Error{std::string("unsupported format character '") + sp.type + "'"};
  }
}

}  // namespace

Result<Value> percent_format(const Value& fmt_value, const Value& args) {
  const std::string& fmt = fmt_value.str();
  std::vector<Value> values;
  const bool tuple_args = args.is_list() && args.flavor() == ListFlavor::kTuple;
  if (tuple_args)
    values = args.list().items;
  else
    values.push_back(args);
  const bool mapping = args.is_dict();
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) return Error{"incomplete format"};
    if (fmt[i] == '%') {
      out.push_back('%');
      continue;
    }
    const Value* mapped = nullptr;
    if (fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string::npos) return Error{"incomplete format key"};
      if (!mapping) return Error{"format requires a mapping"};
      mapped = args.dict().find(std::string_view(fmt).substr(i + 1, close - i - 1));
      if (mapped == nullptr) return Error{"KeyError: '" + fmt.substr(i + 1, close - i - 1) + "'"};
      i = close + 1;
    }
    Spec sp;
    for (; i < fmt.size(); ++i) {
      const char c = fmt[i];
      if (c == '-')
        sp.left = true;
      else if (c == '+')
        sp.plus = true;
      else if (c == ' ')
        sp.space = true;
      else if (c == '#')
        sp.alt = true;
      else if (c == '0')
        sp.zero = true;
      else
        break;
    }
    auto read_num = [&](int& dst) -> Status {
      if (i < fmt.size() && fmt[i] == '*') return Error{"'*' in % formats is not supported"};
      if (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        dst = 0;
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
          dst = std::min(dst * 10 + (fmt[i] - '0'), 100000);
          ++i;
        }
      }
      return ok_status();
    };
    PRIMER_TRY(read_num(sp.width));
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      sp.precision = 0;
      PRIMER_TRY(read_num(sp.precision));
    }
    if (i >= fmt.size()) return Error{"incomplete format"};
    sp.type = fmt[i];
    const Value* v = mapped;
    if (v == nullptr) {
      if (mapping && !tuple_args) {
        v = &args;
      } else {
        if (next >= values.size()) return Error{"not enough arguments for format string"};
        v = &values[next++];
      }
    }
    if (v->is_undefined() && sp.type != 's') return undefined_error(*v);
    PRIMER_ASSIGN_OR_RETURN(std::string piece, format_one(sp, *v));
    out += fmt_value.safe() && (sp.type == 's' || sp.type == 'r') && !(v->is_string() && v->safe()) ? html_escape(piece)
                                                                                                    : piece;
  }
  if (!mapping && next < values.size()) return Error{"not all arguments converted during string formatting"};
  return Value::string(std::move(out), fmt_value.safe());
}

}  // namespace primer::chat
