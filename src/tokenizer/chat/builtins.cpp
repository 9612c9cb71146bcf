#include "tokenizer/chat/builtins.h"

#include <chrono>
#include <ctime>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/py_format.h"

namespace primer::chat {

namespace {

// jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
constexpr int64_t kMaxRange = 100000;

Result<int64_t> int_arg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  return Error{"'" + type_name(v) + "' object cannot be interpreted as an integer"};
}

Result<Value> builtin_range(Interpreter& interp, CallArgs& args) {
  if (!args.keyword.empty()) return Error{"range() takes no keyword arguments"};
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) return Error{"range expected at least 1 argument, got " + std::to_string(p.size())};
  int64_t start = 0, stop = 0, step = 1;
  if (p.size() == 1) {
    PRIMER_ASSIGN_OR_RETURN(stop, int_arg(p[0]));
  } else {
    PRIMER_ASSIGN_OR_RETURN(start, int_arg(p[0]));
    PRIMER_ASSIGN_OR_RETURN(stop, int_arg(p[1]));
    if (p.size() == 3) {
      PRIMER_ASSIGN_OR_RETURN(step, int_arg(p[2]));
    }
  }
  if (step == 0) return Error{"range() arg 3 must not be zero"};
  // Length computed in 128 bits so extreme arguments cannot overflow.
  __int128 n = 0;
  if (step > 0 && start < stop) n = (static_cast<__int128>(stop) - start + step - 1) / step;
  if (step < 0 && start > stop) n = (static_cast<__int128>(start) - stop - step - 1) / -static_cast<__int128>(step);
  if (n > kMaxRange) {
    return Error{"Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + std::to_string(kMaxRange) + ")."};
  }
  PRIMER_TRY(interp.check_items(static_cast<size_t>(n)));
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) items.push_back(Value::integer(start + i * step));
  return Value::list(std::move(items), ListFlavor::kRange);
}

// dict(mapping_or_pairs, **kwargs) as a DictData; shared by dict() and namespace().
Result<DictData> dict_from_args(const CallArgs& args, const char* fn) {
  DictData d;
  if (args.positional.size() > 1) {
    return Error{std::string(fn) + " expected at most 1 argument, got " + std::to_string(args.positional.size())};
  }
  if (args.positional.size() == 1) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.dict();
    } else if (src.is_object(ObjectKind::kNamespace)) {
      return Error{"'Namespace' object is not iterable"};
    } else {
      PRIMER_ASSIGN_OR_RETURN(std::vector<Value> pairs, iterate(src));
      for (size_t i = 0; i < pairs.size(); ++i) {
        PRIMER_ASSIGN_OR_RETURN(std::vector<Value> kv, iterate(pairs[i]));
        if (kv.size() != 2) {
          return Error{"dictionary update sequence element #" + std::to_string(i) + " has length " +
                       std::to_string(kv.size()) + "; 2 is required"};
        }
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.keyword) d.set(Value::string(k), v);
  return d;
}

Result<Value> builtin_dict(Interpreter&, CallArgs& args) {
  PRIMER_ASSIGN_OR_RETURN(DictData d, dict_from_args(args, "dict"));
  return Value::dict(std::move(d));
}

Result<Value> builtin_namespace(Interpreter& interp, CallArgs& args) {
  PRIMER_ASSIGN_OR_RETURN(DictData d, dict_from_args(args, "namespace"));
  auto ns = interp.make_object<NamespaceObject>();
  ns->attrs = std::move(d);
  return Value::object(std::move(ns));
}

Result<Value> builtin_raise(Interpreter&, CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty()) {
    return Error{"raise_exception() takes exactly 1 argument"};
  }
  PRIMER_ASSIGN_OR_RETURN(std::string message, to_py_str(args.positional[0]));
  return Error{message};
}

Result<Value> builtin_strftime_now(Interpreter& interp, CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty() || !args.positional[0].is_string()) {
    return Error{"strftime_now() takes exactly 1 string argument"};
  }
  const LocalTime t = interp.options().now ? *interp.options().now : current_local_time();
  PRIMER_ASSIGN_OR_RETURN(std::string s, py_strftime(args.positional[0].str(), t));
  return Value::string(std::move(s));
}

Result<Value> builtin_joiner(Interpreter&, CallArgs& args) {
  auto j = std::make_shared<JoinerObject>();
  j->sep = ", ";
  const Value* sep = args.positional.empty() ? args.find_keyword("sep") : &args.positional[0];
  if (sep != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(j->sep, to_py_str(*sep));
  }
  return Value::object(std::move(j));
}

Result<Value> builtin_cycler(Interpreter& interp, CallArgs& args) {
  auto c = interp.make_object<CyclerObject>();
  c->items = args.positional;
  return Value::object(std::move(c));
}

Result<Value> builtin_lipsum(Interpreter&, CallArgs&) {
  return Error{"function 'lipsum' is not supported (its output is random)"};
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

LocalTime current_local_time() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return LocalTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

Result<std::string> py_strftime(const std::string& format, const LocalTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour < 0 || t.hour > 23 || t.minute < 0 ||
      t.minute > 59 || t.second < 0 || t.second > 61) {
    return Error{"strftime_now: invalid time"};
  }
  if (format.find('\0') != std::string::npos) return Error{"embedded null character"};
  // datetime.strftime handles %z, %Z (empty for naive times) and %f itself.
  std::string fmt;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      const char c = format[i + 1];
      if (c == 'z' || c == 'Z') {
        ++i;
        continue;
      }
      if (c == 'f') {
        fmt += "000000";
        ++i;
        continue;
      }
      fmt.push_back('%');
      fmt.push_back(c);
      ++i;
      continue;
    }
    fmt.push_back(format[i]);
  }
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  tm.tm_isdst = -1;
  const int64_t days = days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
  tm.tm_wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  tm.tm_yday = static_cast<int>(days - days_from_civil(t.year, 1, 1));
  if (fmt.empty()) return std::string();
  std::string out(fmt.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 6; ++attempt) {
    const size_t n = std::strftime(out.data(), out.size(), fmt.c_str(), &tm);
    if (n > 0) {
      out.resize(n);
      return out;
    }
    out.resize(out.size() * 4);
  }
  return std::string();  // the format expands to nothing (e.g. only %p in some locales)
}

void install_builtins(Scope& globals) {
  auto add = [&](const char* name, BuiltinObject::Fn fn) {
    globals.set(name, Value::object(std::make_shared<BuiltinObject>(name, std::move(fn))));
  };
  add("range", builtin_range);
  add("dict", builtin_dict);
  add("namespace", builtin_namespace);
  add("joiner", builtin_joiner);
  add("cycler", builtin_cycler);
  add("lipsum", builtin_lipsum);
  add("raise_exception", builtin_raise);
  add("strftime_now", builtin_strftime_now);
}

}  // namespace primer::chat
