#include "tokenizer/chat/methods.h"

#include <algorithm>
#include <array>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/interpreter.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

namespace {

constexpr std::string_view kStrMethods[] = {
    "capitalize",   "casefold",   "center",    "count",       "encode",    "endswith",     "expandtabs",   "find",
    "format",       "format_map", "index",     "isalnum",     "isalpha",   "isascii",      "isdecimal",    "isdigit",
    "isidentifier", "islower",    "isnumeric", "isprintable", "isspace",   "istitle",      "isupper",      "join",
    "ljust",        "lower",      "lstrip",    "maketrans",   "partition", "removeprefix", "removesuffix", "replace",
    "rfind",        "rindex",     "rjust",     "rpartition",  "rsplit",    "rstrip",       "split",        "splitlines",
    "startswith",   "strip",      "swapcase",  "title",       "translate", "upper",        "zfill",
};
constexpr std::string_view kMarkupMethods[] = {"escape", "unescape", "striptags"};
constexpr std::string_view kDictMethods[] = {
    "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values",
};
constexpr std::string_view kListMethods[] = {
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort",
};
constexpr std::string_view kTupleMethods[] = {"count", "index"};
constexpr std::string_view kIntMethods[] = {
    "as_integer_ratio", "bit_count", "bit_length", "conjugate", "from_bytes", "to_bytes",
};
constexpr std::string_view kFloatMethods[] = {"as_integer_ratio", "conjugate", "fromhex", "hex", "is_integer"};
constexpr std::string_view kGeneratorMethods[] = {"close", "send", "throw"};
constexpr std::string_view kDictViewMethods[] = {"isdisjoint", "mapping"};
constexpr std::string_view kMutatingList[] = {"append", "clear",  "extend",  "insert",
                                              "pop",    "remove", "reverse", "sort"};
constexpr std::string_view kMutatingDict[] = {"clear", "pop", "popitem", "setdefault", "update"};

template <size_t N>
bool in(const std::string_view (&table)[N], std::string_view name) {
  return std::find(std::begin(table), std::end(table), name) != std::end(table);
}

Error not_supported(const Value& receiver, std::string_view name) {
  return Error{"method '" + type_name(receiver) + "." + std::string(name) + "' is not supported"};
}

// Positional-or-keyword parameter binding for methods.
class Params {
 public:
  Params(const CallArgs& args, std::string_view method, std::initializer_list<std::string_view> names)
      : args_(args), method_(method), names_(names) {}

  Status check() const {
    if (args_.positional.size() > names_.size()) {
      return Error{std::string(method_) + "() takes at most " + std::to_string(names_.size()) + " arguments (" +
                   std::to_string(args_.positional.size()) + " given)"};
    }
    for (const auto& [k, v] : args_.keyword) {
      if (std::find(names_.begin(), names_.end(), k) == names_.end()) {
        return Error{std::string(method_) + "() got an unexpected keyword argument '" + k + "'"};
      }
    }
    return ok_status();
  }
  const Value* get(size_t i) const {
    if (i < args_.positional.size()) return &args_.positional[i];
    return args_.find_keyword(names_[i]);
  }

 private:
  const CallArgs& args_;
  std::string_view method_;
  std::vector<std::string_view> names_;
};

Result<std::string> string_arg(const Value* v, std::string_view method) {
  if (v->is_undefined()) return undefined_error(*v);
  if (!v->is_string()) return Error{std::string(method) + "() argument must be str, not " + type_name(*v)};
  return v->str();
}

bool is_none_or_missing(const Value* v) { return v == nullptr || v->is_none(); }

// Python whitespace split (sep=None): runs of whitespace separate, no empty strings.
std::vector<std::string> split_whitespace(const std::string& s, int64_t maxsplit, bool from_right) {
  const auto cps = utf8_decode(s);
  std::vector<std::pair<size_t, size_t>> words;  // [begin, end) in code points
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && py_isspace(cps[i])) ++i;
    if (i >= cps.size()) break;
    size_t j = i;
    while (j < cps.size() && !py_isspace(cps[j])) ++j;
    words.emplace_back(i, j);
    i = j;
  }
  auto piece = [&](size_t b, size_t e) {
    return utf8_encode(std::vector<char32_t>(cps.begin() + static_cast<std::ptrdiff_t>(b),
                                             cps.begin() + static_cast<std::ptrdiff_t>(e)));
  };
  std::vector<std::string> out;
  if (maxsplit < 0 || static_cast<size_t>(maxsplit) >= words.size()) {
    for (auto [b, e] : words) out.push_back(piece(b, e));
    return out;
  }
  const size_t m = static_cast<size_t>(maxsplit);
  // The unsplit remainder keeps its whitespace on the far side (Python semantics).
  if (!from_right) {
    for (size_t k = 0; k < m; ++k) out.push_back(piece(words[k].first, words[k].second));
    out.push_back(piece(words[m].first, cps.size()));
    return out;
  }
  out.push_back(piece(0, words[words.size() - m - 1].second));
  for (size_t k = words.size() - m; k < words.size(); ++k) out.push_back(piece(words[k].first, words[k].second));
  return out;
}

std::vector<std::string> split_sep(const std::string& s, const std::string& sep, int64_t maxsplit, bool from_right) {
  std::vector<std::string> out;
  if (!from_right) {
    size_t pos = 0;
    int64_t n = 0;
    while (maxsplit < 0 || n < maxsplit) {
      const size_t f = s.find(sep, pos);
      if (f == std::string::npos) break;
      out.push_back(s.substr(pos, f - pos));
      pos = f + sep.size();
      ++n;
    }
    out.push_back(s.substr(pos));
    return out;
  }
  size_t end = s.size();
  int64_t n = 0;
  std::vector<std::string> rev;
  while (maxsplit < 0 || n < maxsplit) {
    if (end < sep.size()) break;
    const size_t f = s.rfind(sep, end - sep.size());
    if (f == std::string::npos) break;
    rev.push_back(s.substr(f + sep.size(), end - f - sep.size()));
    end = f;
    ++n;
    if (end == 0 && sep.size() > 0) {
      break;
    }
  }
  rev.push_back(s.substr(0, end));
  return std::vector<std::string>(rev.rbegin(), rev.rend());
}

Value string_list(const std::vector<std::string>& parts, bool safe) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (const auto& p : parts) items.push_back(Value::string(p, safe));
  return Value::list(std::move(items));
}

// Code-point index of a byte offset.
int64_t cp_index(const std::string& s, size_t byte_pos) {
  return static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, byte_pos)));
}

// Byte range of s[start:end] with Python's clamping of code-point indices.
std::pair<size_t, size_t> byte_range(const std::string& s, const Value* start, const Value* end) {
  const auto n = static_cast<int64_t>(utf8_length(s));
  auto clamp = [&](const Value* v, int64_t deflt) {
    if (is_none_or_missing(v) || !(v->is_int() || v->is_bool())) return deflt;
    int64_t i = v->as_int();
    if (i < 0) i = std::max<int64_t>(0, i + n);
    return std::min(i, n);
  };
  const int64_t b = clamp(start, 0);
  const int64_t e = std::max(b, clamp(end, n));
  auto to_byte = [&](int64_t cp) {
    size_t byte = 0;
    int64_t seen = 0;
    while (byte < s.size() && seen < cp) {
      ++byte;
      while (byte < s.size() && (static_cast<unsigned char>(s[byte]) & 0xC0) == 0x80) ++byte;
      ++seen;
    }
    return byte;
  };
  return {to_byte(b), to_byte(e)};
}

Result<bool> affix_match(const std::string& s, const Value& affix, bool prefix, std::string_view method) {
  auto one = [&](const std::string& a) {
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_string()) return one(affix.str());
  if (affix.is_list() && affix.flavor() == ListFlavor::kTuple) {
    for (const auto& a : affix.list().items) {
      if (!a.is_string())
        return Error{"tuple for " + std::string(method) + " must only contain str, not " + type_name(a)};
      if (one(a.str())) return true;
    }
    return false;
  }
  if (affix.is_undefined()) return undefined_error(affix);
  return Error{std::string(method) + " first arg must be str or a tuple of str, not " + type_name(affix)};
}

Result<Value> call_str_method(const Value& recv, const std::string& name, const CallArgs& args, Interpreter& interp) {
  const std::string& s = recv.str();
  const bool safe = recv.safe();
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    Params p(args, name, {"chars"});
    PRIMER_TRY(p.check());
    const Value* chars = p.get(0);
    std::string chars_s;
    if (!is_none_or_missing(chars)) {
      PRIMER_ASSIGN_OR_RETURN(chars_s, string_arg(chars, name));
    }
    return Value::string(
        py_strip(s, is_none_or_missing(chars) ? nullptr : &chars_s, name != "rstrip", name != "lstrip"), safe);
  }
  if (name == "upper") return Value::string(py_upper(s), safe);
  if (name == "lower" || name == "casefold") return Value::string(py_lower(s), safe);
  if (name == "title") return Value::string(py_title(s), safe);
  if (name == "capitalize") return Value::string(py_capitalize(s), safe);
  if (name == "swapcase") {
    std::string out;
    for (char32_t c : utf8_decode(s)) {
      if (py_isupper_char(c))
        append_lower(out, c);
      else if (py_islower_char(c))
        append_upper(out, c);
      else
        utf8::append(out, c);
    }
    return Value::string(std::move(out), safe);
  }
  if (name == "split" || name == "rsplit") {
    Params p(args, name, {"sep", "maxsplit"});
    PRIMER_TRY(p.check());
    int64_t maxsplit = -1;
    if (const Value* m = p.get(1); m != nullptr) {
      if (!(m->is_int() || m->is_bool()))
        return Error{"'" + type_name(*m) + "' object cannot be interpreted as an integer"};
      maxsplit = m->as_int();
    }
    const Value* sep = p.get(0);
    if (is_none_or_missing(sep)) return string_list(split_whitespace(s, maxsplit, name == "rsplit"), safe);
    PRIMER_ASSIGN_OR_RETURN(std::string sep_s, string_arg(sep, name));
    if (sep_s.empty()) return Error{"empty separator"};
    return string_list(split_sep(s, sep_s, maxsplit, name == "rsplit"), safe);
  }
  if (name == "splitlines") {
    Params p(args, name, {"keepends"});
    PRIMER_TRY(p.check());
    const bool keep = p.get(0) != nullptr && truthy(*p.get(0));
    std::vector<std::string> lines;
    const auto cps = utf8_decode(s);
    std::string cur;
    for (size_t i = 0; i < cps.size(); ++i) {
      const char32_t c = cps[i];
      const bool br = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                      c == 0x85 || c == 0x2028 || c == 0x2029;
      if (!br) {
        utf8::append(cur, c);
        continue;
      }
      std::string ending;
      utf8::append(ending, c);
      if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') {
        ending.push_back('\n');
        ++i;
      }
      lines.push_back(keep ? cur + ending : cur);
      cur.clear();
    }
    if (!cur.empty()) lines.push_back(cur);
    return string_list(lines, safe);
  }
  if (name == "startswith" || name == "endswith") {
    Params p(args, name, {"prefix", "start", "end"});
    PRIMER_TRY(p.check());
    if (p.get(0) == nullptr) return Error{name + "() takes at least 1 argument (0 given)"};
    const auto [b, e] = byte_range(s, p.get(1), p.get(2));
    PRIMER_ASSIGN_OR_RETURN(bool r, affix_match(s.substr(b, e - b), *p.get(0), name == "startswith", name));
    return Value::boolean(r);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    Params p(args, name, {"sub", "start", "end"});
    PRIMER_TRY(p.check());
    if (p.get(0) == nullptr) return Error{name + "() takes at least 1 argument (0 given)"};
    PRIMER_ASSIGN_OR_RETURN(std::string sub, string_arg(p.get(0), name));
    const auto [b, e] = byte_range(s, p.get(1), p.get(2));
    const std::string hay = s.substr(b, e - b);
    if (name == "count") {
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(hay)) + 1);
      int64_t n = 0;
      for (size_t pos = hay.find(sub); pos != std::string::npos; pos = hay.find(sub, pos + sub.size())) ++n;
      return Value::integer(n);
    }
    const size_t f = (name == "find" || name == "index") ? hay.find(sub) : hay.rfind(sub);
    if (f == std::string::npos) {
      if (name == "index" || name == "rindex") return Error{"substring not found"};
      return Value::integer(-1);
    }
    return Value::integer(cp_index(s, b + f));
  }
  if (name == "replace") {
    Params p(args, name, {"old", "new", "count"});
    PRIMER_TRY(p.check());
    if (p.get(0) == nullptr || p.get(1) == nullptr) return Error{"replace expected at least 2 arguments"};
    PRIMER_ASSIGN_OR_RETURN(std::string old_s, string_arg(p.get(0), name));
    PRIMER_ASSIGN_OR_RETURN(std::string new_s, string_arg(p.get(1), name));
    int64_t count = -1;
    if (const Value* c = p.get(2); c != nullptr) count = c->as_int();
    if (safe) {
      if (!p.get(0)->safe()) old_s = html_escape(old_s);
      if (!p.get(1)->safe()) new_s = html_escape(new_s);
    }
    std::string out;
    if (old_s.empty()) {
      // Python inserts `new` between every character (and at both ends).
      const auto chars = string_chars(recv);
      int64_t n = 0;
      for (size_t i = 0; i <= chars.size(); ++i) {
        if (count < 0 || n < count) {
          out += new_s;
          ++n;
        }
        if (i < chars.size()) out += chars[i].str();
      }
    } else {
      size_t pos = 0;
      int64_t n = 0;
      while (count < 0 || n < count) {
        const size_t f = s.find(old_s, pos);
        if (f == std::string::npos) break;
        out.append(s, pos, f - pos);
        out += new_s;
        PRIMER_TRY(interp.check_size(out.size()));
        pos = f + old_s.size();
        ++n;
      }
      out.append(s, pos, std::string::npos);
    }
    return Value::string(std::move(out), safe);
  }
  if (name == "join") {
    Params p(args, name, {"iterable"});
    PRIMER_TRY(p.check());
    if (p.get(0) == nullptr) return Error{"join() takes exactly one argument (0 given)"};
    PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(*p.get(0)));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return Error{"sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) +
                     " found"};
      }
      if (i > 0) out += s;
      out += (safe && !items[i].safe()) ? html_escape(items[i].str()) : items[i].str();
      PRIMER_TRY(interp.check_size(out.size()));
    }
    return Value::string(std::move(out), safe);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    Params p(args, name, {"width", "fillchar"});
    PRIMER_TRY(p.check());
    if (p.get(0) == nullptr || !(p.get(0)->is_int() || p.get(0)->is_bool()))
      return Error{name + "() requires an integer width"};
    std::string fill = " ";
    if (const Value* f = p.get(1); f != nullptr) {
      PRIMER_ASSIGN_OR_RETURN(fill, string_arg(f, name));
      if (utf8_length(fill) != 1) return Error{"The fill character must be exactly one character long"};
    }
    const int64_t width = p.get(0)->as_int();
    const auto len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return recv;
    PRIMER_TRY(interp.check_size(static_cast<size_t>(width) * fill.size()));
    const int64_t total = width - len;
    int64_t left = 0;
    if (name == "rjust")
      left = total;
    else if (name == "center")
      left = total / 2 + ((total & width & 1) ? 1 : 0);
    std::string out;
    for (int64_t i = 0; i < left; ++i) out += fill;
    out += s;
    for (int64_t i = 0; i < total - left; ++i) out += fill;
    return Value::string(std::move(out), safe);
  }
  if (name == "zfill") {
    if (args.positional.size() != 1 || !(args.positional[0].is_int()))
      return Error{"zfill() takes exactly one integer argument"};
    const int64_t width = args.positional[0].as_int();
    const auto len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return recv;
    PRIMER_TRY(interp.check_size(static_cast<size_t>(width)));
    const size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return Value::string(s.substr(0, sign) + std::string(static_cast<size_t>(width - len), '0') + s.substr(sign), safe);
  }
  if (name == "partition" || name == "rpartition") {
    if (args.positional.size() != 1) return Error{name + "() takes exactly one argument"};
    PRIMER_ASSIGN_OR_RETURN(std::string sep, string_arg(&args.positional[0], name));
    if (sep.empty()) return Error{"empty separator"};
    const size_t f = name == "partition" ? s.find(sep) : s.rfind(sep);
    std::vector<Value> parts;
    if (f == std::string::npos) {
      if (name == "partition")
        parts = {Value::string(s, safe), Value::string("", safe), Value::string("", safe)};
      else
        parts = {Value::string("", safe), Value::string("", safe), Value::string(s, safe)};
    } else {
      parts = {Value::string(s.substr(0, f), safe), Value::string(sep, safe),
               Value::string(s.substr(f + sep.size()), safe)};
    }
    return Value::list(std::move(parts), ListFlavor::kTuple);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    if (args.positional.size() != 1) return Error{name + "() takes exactly one argument"};
    PRIMER_ASSIGN_OR_RETURN(std::string a, string_arg(&args.positional[0], name));
    if (name == "removeprefix" && s.compare(0, a.size(), a) == 0 && a.size() <= s.size())
      return Value::string(s.substr(a.size()), safe);
    if (name == "removesuffix" && !a.empty() && a.size() <= s.size() &&
        s.compare(s.size() - a.size(), a.size(), a) == 0) {
      return Value::string(s.substr(0, s.size() - a.size()), safe);
    }
    return recv;
  }
  if (name == "format") return str_format(recv, args);
  if (name.rfind("is", 0) == 0 && args.positional.empty() && args.keyword.empty()) {
    const auto cps = utf8_decode(s);
    auto all = [&](auto pred) {
      if (cps.empty()) return false;
      return std::all_of(cps.begin(), cps.end(), pred);
    };
    if (name == "isspace") return Value::boolean(all(py_isspace));
    if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") return Value::boolean(all(py_isdigit_char));
    if (name == "isalpha") return Value::boolean(all(py_isalpha_char));
    if (name == "isalnum")
      return Value::boolean(all([](char32_t c) { return py_isalpha_char(c) || py_isdigit_char(c); }));
    if (name == "isascii") return Value::boolean(is_ascii(s));
    if (name == "isupper" || name == "islower") {
      bool any_cased = false;
      for (char32_t c : cps) {
        if (py_isupper_char(c)) {
          any_cased = true;
          if (name == "islower") return Value::boolean(false);
        } else if (py_islower_char(c)) {
          any_cased = true;
          if (name == "isupper") return Value::boolean(false);
        }
      }
      return Value::boolean(any_cased);
    }
  }
  return not_supported(recv, name);
}

Result<Value> call_dict_method(const Value& recv, const std::string& name, const CallArgs& args) {
  const DictData& d = recv.dict();
  if (name == "get") {
    if (args.positional.empty() || args.positional.size() > 2 || !args.keyword.empty()) {
      return Error{"get expected 1 or 2 arguments, got " + std::to_string(args.positional.size())};
    }
    const Value& key = args.positional[0];
    if (key.is_dict() || (key.is_list() && key.flavor() != ListFlavor::kTuple))
      return Error{"unhashable type: '" + type_name(key) + "'"};
    const Value* v = d.find(key);
    if (v != nullptr) return *v;
    return args.positional.size() == 2 ? args.positional[1] : Value::none();
  }
  if (!args.positional.empty() || !args.keyword.empty()) {
    if (name == "items" || name == "keys" || name == "values" || name == "copy") {
      return Error{name + "() takes no arguments (" + std::to_string(args.positional.size()) + " given)"};
    }
  }
  if (name == "items") {
    std::vector<Value> items;
    items.reserve(d.entries.size());
    for (const auto& [k, v] : d.entries) items.push_back(Value::list({k, v}, ListFlavor::kTuple));
    return Value::list(std::move(items), ListFlavor::kDictItems);
  }
  if (name == "keys" || name == "values") {
    std::vector<Value> items;
    items.reserve(d.entries.size());
    for (const auto& [k, v] : d.entries) items.push_back(name == "keys" ? k : v);
    return Value::list(std::move(items), name == "keys" ? ListFlavor::kDictKeys : ListFlavor::kDictValues);
  }
  if (name == "copy") return Value::dict(d);
  return not_supported(recv, name);
}

Result<Value> call_list_method(const Value& recv, const std::string& name, const CallArgs& args) {
  const auto& items = recv.list().items;
  if (name == "count") {
    if (args.positional.size() != 1) return Error{"count() takes exactly one argument"};
    int64_t n = 0;
    for (const auto& v : items) n += py_equal(v, args.positional[0]) ? 1 : 0;
    return Value::integer(n);
  }
  if (name == "index") {
    if (args.positional.empty()) return Error{"index expected at least 1 argument, got 0"};
    for (size_t i = 0; i < items.size(); ++i) {
      if (py_equal(items[i], args.positional[0])) return Value::integer(static_cast<int64_t>(i));
    }
    std::string r;
    PRIMER_TRY(py_repr(r, args.positional[0]));
    return Error{r + " is not in list"};
  }
  if (name == "copy" && recv.flavor() == ListFlavor::kList) return Value::list(items);
  return not_supported(recv, name);
}

Result<Value> call_object_method(Interpreter& interp, const Value& recv, const std::string& name, CallArgs& args) {
  Object& o = recv.object();
  if (o.kind() == ObjectKind::kLoop) {
    auto& loop = static_cast<LoopObject&>(o);
    if (name == "cycle") {
      if (args.positional.empty()) return Error{"no items for cycling given"};
      return args.positional[loop.index0 % args.positional.size()];
    }
    if (name == "changed") {
      Value current =
          args.positional.size() == 1 ? args.positional[0] : Value::list(args.positional, ListFlavor::kTuple);
      const bool changed = !loop.has_last_changed || !py_equal(current, loop.last_changed);
      loop.has_last_changed = true;
      loop.last_changed = std::move(current);
      return Value::boolean(changed);
    }
  }
  if (o.kind() == ObjectKind::kCycler) {
    auto& c = static_cast<CyclerObject&>(o);
    if (name == "next") {
      if (c.items.empty()) return Value::none();
      Value v = c.items[c.pos];
      c.pos = (c.pos + 1) % c.items.size();
      return v;
    }
    if (name == "reset") {
      c.pos = 0;
      return Value::none();
    }
  }
  (void)interp;
  return not_supported(recv, name);
}

}  // namespace

bool has_method(const Value& receiver, std::string_view name) {
  switch (receiver.kind()) {
    case ValueKind::kString:
      return in(kStrMethods, name) || (receiver.safe() && in(kMarkupMethods, name));
    case ValueKind::kDict:
      return in(kDictMethods, name);
    case ValueKind::kList:
      switch (receiver.flavor()) {
        case ListFlavor::kList:
          return in(kListMethods, name);
        case ListFlavor::kTuple:
          return in(kTupleMethods, name);
        case ListFlavor::kRange:
          return name == "count" || name == "index";
        case ListFlavor::kGenerator:
          return in(kGeneratorMethods, name);
        case ListFlavor::kDictItems:
        case ListFlavor::kDictKeys:
          return in(kDictViewMethods, name);
        case ListFlavor::kDictValues:
          return name == "mapping";
      }
      return false;
    case ValueKind::kInt:
    case ValueKind::kBool:
      return in(kIntMethods, name);
    case ValueKind::kFloat:
      return in(kFloatMethods, name);
    case ValueKind::kObject:
      switch (receiver.object().kind()) {
        case ObjectKind::kLoop:
          return name == "cycle" || name == "changed";
        case ObjectKind::kCycler:
          return name == "next" || name == "reset";
        default:
          return false;
      }
    default:
      return false;
  }
}

bool is_mutating_method(const Value& receiver, std::string_view name) {
  if (receiver.is_dict()) return in(kMutatingDict, name);
  if (receiver.is_list() && receiver.flavor() == ListFlavor::kList) return in(kMutatingList, name);
  return false;
}

Result<Value> call_method(Interpreter& interp, const BoundMethod& method, CallArgs& args) {
  const Value& recv = method.receiver;
  switch (recv.kind()) {
    case ValueKind::kString:
      return call_str_method(recv, method.name, args, interp);
    case ValueKind::kDict:
      return call_dict_method(recv, method.name, args);
    case ValueKind::kList:
      return call_list_method(recv, method.name, args);
    case ValueKind::kFloat:
      if (method.name == "is_integer" && args.positional.empty()) {
        const double d = recv.as_float();
        return Value::boolean(d == static_cast<double>(static_cast<int64_t>(d)));
      }
      return not_supported(recv, method.name);
    case ValueKind::kObject:
      return call_object_method(interp, recv, method.name, args);
    default:
      return not_supported(recv, method.name);
  }
}

}  // namespace primer::chat
