// String filters: case, trimming, replacing, indenting, escaping, tojson.
#include <cmath>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/filter_impl.h"
#include "tokenizer/chat/methods.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

namespace {

// Calls a str method on soft_str(v) (keeps Markup-ness like Python's Markup methods).
Result<Value> str_method(Interpreter& interp, const Value& v, const char* method, CallArgs args) {
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  BoundMethod m(s, method);
  return call_method(interp, m, args);
}

}  // namespace

Result<Value> filter_capitalize(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "capitalize"));
  return str_method(interp, v, "capitalize", {});
}

Result<Value> filter_lower(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "lower"));
  return str_method(interp, v, "lower", {});
}

Result<Value> filter_upper(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "upper"));
  return str_method(interp, v, "upper", {});
}

Result<Value> filter_center(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "center", {"width"});
  PRIMER_TRY(p.check());
  CallArgs m;
  m.positional.push_back(p.get(0) != nullptr ? *p.get(0) : Value::integer(80));
  return str_method(interp, v, "center", std::move(m));
}

Result<Value> filter_trim(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "trim", {"chars"});
  PRIMER_TRY(p.check());
  CallArgs m;
  if (p.get(0) != nullptr) m.positional.push_back(*p.get(0));
  return str_method(interp, v, "strip", std::move(m));
}

Result<Value> filter_title(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "title"));
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  // jinja2 splits on runs of [-\s({\[<] and capitalizes each piece: first char upper, rest lower.
  const auto cps = utf8_decode(s.str());
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py_isspace(c); };
  std::string out;
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    const bool sep = is_sep(cps[i]);
    while (j < cps.size() && is_sep(cps[j]) == sep) ++j;
    append_upper(out, cps[i]);  // jinja2's title filter uses item[0].upper()
    for (size_t k = i + 1; k < j; ++k) append_lower(out, cps[k]);
    i = j;
  }
  return Value::string(std::move(out), s.safe());
}

Result<Value> filter_escape(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "escape"));
  if (v.is_string() && v.safe()) return v;
  PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
  return Value::string(html_escape(s), true);
}

Result<Value> filter_forceescape(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "forceescape"));
  PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
  return Value::string(html_escape(s), true);
}

Result<Value> filter_safe(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "safe"));
  if (v.is_string()) return Value::string(v.str(), true);
  PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
  return Value::string(std::move(s), true);
}

Result<Value> filter_string(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "string"));
  return soft_str(v);
}

Result<Value> filter_format(Interpreter&, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    return Error{"can't handle positional and keyword arguments at the same time"};
  }
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  if (!args.keyword.empty()) {
    DictData d;
    for (const auto& [k, val] : args.keyword) d.set(Value::string(k), val);
    return percent_format(s, Value::dict(std::move(d)));
  }
  return percent_format(s, Value::list(args.positional, ListFlavor::kTuple));
}

Result<Value> filter_replace(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "replace", {"old", "new", "count"});
  PRIMER_TRY(p.check());
  if (p.get(0) == nullptr || p.get(1) == nullptr) return Error{"filter 'replace' requires old and new"};
  // With autoescape off jinja2 does str(s).replace(str(old), str(new), count): plain strings.
  PRIMER_ASSIGN_OR_RETURN(std::string s, to_py_str(v));
  PRIMER_ASSIGN_OR_RETURN(std::string old_s, to_py_str(*p.get(0)));
  PRIMER_ASSIGN_OR_RETURN(std::string new_s, to_py_str(*p.get(1)));
  CallArgs m;
  m.positional = {Value::string(std::move(old_s)), Value::string(std::move(new_s))};
  if (p.get(2) != nullptr && !p.get(2)->is_none()) m.positional.push_back(*p.get(2));
  BoundMethod bm(Value::string(std::move(s)), "replace");
  return call_method(interp, bm, m);
}

Result<Value> filter_indent(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "indent", {"width", "first", "blank"});
  PRIMER_TRY(p.check());
  std::string indention = "    ";
  if (const Value* w = p.get(0); w != nullptr) {
    if (w->is_string()) {
      indention = w->str();
    } else {
      PRIMER_ASSIGN_OR_RETURN(int64_t n, int_param(*w, "indent"));
      PRIMER_TRY(interp.check_size(static_cast<size_t>(std::max<int64_t>(n, 0))));
      indention.assign(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
    }
  }
  const bool first = p.get(1) != nullptr && truthy(*p.get(1));
  const bool blank = p.get(2) != nullptr && truthy(*p.get(2));
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_string()) return Error{"unsupported operand type(s) for +=: '" + type_name(v) + "' and 'str'"};
  // jinja2 appends "\n" first so a trailing newline survives splitlines().
  BoundMethod split(Value::string(v.str() + "\n"), "splitlines");
  CallArgs none;
  PRIMER_ASSIGN_OR_RETURN(Value lines_v, call_method(interp, split, none));
  const auto& lines = lines_v.list().items;
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) rv += "\n" + indention;
      rv += lines[i].str();
    }
  } else if (!lines.empty()) {
    rv = lines[0].str();
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].str().empty()) rv += indention;
      rv += lines[i].str();
      PRIMER_TRY(interp.check_size(rv.size()));
    }
  }
  if (first) rv = indention + rv;
  return Value::string(std::move(rv), v.safe());
}

Result<Value> filter_truncate(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "truncate", {"length", "killwords", "end", "leeway"});
  PRIMER_TRY(p.check());
  int64_t length = 255, leeway = 5;
  if (p.get(0) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(length, int_param(*p.get(0), "truncate"));
  }
  const bool killwords = p.get(1) != nullptr && truthy(*p.get(1));
  std::string end = "...";
  if (p.get(2) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(end, to_py_str(*p.get(2)));
  }
  if (p.get(3) != nullptr && !p.get(3)->is_none()) {
    PRIMER_ASSIGN_OR_RETURN(leeway, int_param(*p.get(3), "truncate"));
  }
  const auto end_len = static_cast<int64_t>(utf8_length(end));
  if (length < end_len)
    return Error{"expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length)};
  if (leeway < 0) return Error{"expected leeway >= 0, got " + std::to_string(leeway)};
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  const auto cps = utf8_decode(s.str());
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return s;
  std::string head = utf8_encode(std::vector<char32_t>(cps.begin(), cps.begin() + (length - end_len)));
  if (!killwords) {
    const size_t sp = head.rfind(' ');
    if (sp != std::string::npos) head.resize(sp);
  }
  return Value::string(head + end);
}

Result<Value> filter_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "wordcount"));
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : utf8_decode(s.str())) {
    const bool w = c == '_' || py_isalpha_char(c) || py_isdigit_char(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

Result<Value> filter_tojson(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"});
  PRIMER_TRY(p.check());
  JsonDumpOptions o;
  if (p.get(0) != nullptr) o.ensure_ascii = truthy(*p.get(0));
  if (const Value* ind = p.get(1); ind != nullptr && !ind->is_none()) {
    if (ind->is_string()) {
      o.indent = ind->str();
    } else {
      PRIMER_ASSIGN_OR_RETURN(int64_t n, int_param(*ind, "tojson indent"));
      PRIMER_TRY(interp.check_size(static_cast<size_t>(std::max<int64_t>(n, 0))));
      o.indent = std::string(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
    }
  }
  if (const Value* sep = p.get(2); sep != nullptr && !sep->is_none()) {
    auto items = iterate(*sep);
    if (!items.ok() || items.value().size() != 2 || !items.value()[0].is_string() || !items.value()[1].is_string()) {
      return Error{"tojson separators must be a pair of strings"};
    }
    o.item_separator = items.value()[0].str();
    o.key_separator = items.value()[1].str();
  }
  if (p.get(3) != nullptr) o.sort_keys = truthy(*p.get(3));
  std::string out;
  PRIMER_TRY(json_dumps(out, v, o));
  PRIMER_TRY(interp.check_size(out.size()));
  return Value::string(std::move(out));
}

}  // namespace primer::chat
