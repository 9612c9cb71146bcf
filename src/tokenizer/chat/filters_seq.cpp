// Sequence filters: selecting, mapping, sorting, joining, slicing.
#include <algorithm>

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/filter_impl.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"

namespace primer::chat {

namespace {

bool is_unhashable(const Value& v) {
  return v.is_dict() || (v.is_list() && v.flavor() != ListFlavor::kTuple) || v.is_object(ObjectKind::kNamespace);
}

// select/reject/selectattr/rejectattr share jinja2's prepare_select_or_reject.
Result<Value> select_or_reject(Interpreter& interp, const Value& v, CallArgs& args, bool select, bool attr) {
  if (!truthy(v)) return make_generator({});  // jinja2 checks `if value:` first (None is fine)
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  size_t off = 0;
  Value attribute;
  if (attr) {
    if (args.positional.empty()) return Error{"Missing parameter for attribute name"};
    attribute = args.positional[0];
    off = 1;
  }
  const bool has_test = args.positional.size() > off;
  std::string test_name;
  CallArgs test_args;
  if (has_test) {
    PRIMER_ASSIGN_OR_RETURN(test_name, to_py_str(args.positional[off]));
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off + 1), args.positional.end());
    test_args.keyword = args.keyword;
  }
  std::vector<Value> out;
  for (const auto& item : items) {
    Value subject = item;
    if (attr) {
      PRIMER_ASSIGN_OR_RETURN(subject, lookup_attribute(item, attribute, nullptr));
    }
    bool pass;
    if (has_test) {
      CallArgs a = test_args;
      PRIMER_ASSIGN_OR_RETURN(pass, interp.apply_test(test_name, subject, a));
    } else {
      pass = truthy(subject);
    }
    if (pass == select) out.push_back(item);
  }
  return make_generator(std::move(out));
}

// make_multi_attrgetter: sort keys as lists of looked-up (optionally lower-cased) values.
Result<std::vector<Value>> sort_keys(const std::vector<Value>& items, const Value* attribute, bool case_sensitive) {
  std::vector<Value> attrs;
  if (attribute != nullptr && !attribute->is_none()) {
    if (attribute->is_string()) {
      const std::string& a = attribute->str();
      size_t start = 0;
      while (true) {
        const size_t comma = a.find(',', start);
        attrs.push_back(Value::string(a.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      attrs.push_back(*attribute);
    }
  }
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const auto& item : items) {
    std::vector<Value> k;
    if (attrs.empty()) {
      k.push_back(case_sensitive ? item : ignore_case(item));
    } else {
      for (const auto& a : attrs) {
        PRIMER_ASSIGN_OR_RETURN(Value x, lookup_attribute(item, a, nullptr));
        k.push_back(case_sensitive ? x : ignore_case(x));
      }
    }
    keys.push_back(Value::list(std::move(k)));
  }
  return keys;
}

// Stable sort of `items` by `keys` with Python's `<`; reports the first comparison error.
Status sort_by_keys(std::vector<Value>& items, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::optional<Error> err;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (err) return false;
    auto r = reverse ? compare_op(CompareOp::kLt, keys[b], keys[a]) : compare_op(CompareOp::kLt, keys[a], keys[b]);
    if (!r.ok()) {
      err = r.error();
      return false;
    }
    return r.value();
  });
  if (err) return *err;
  std::vector<Value> sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(items[i]);
  items = std::move(sorted);
  return ok_status();
}

Result<Value> min_max(const Value& v, CallArgs& args, bool want_max) {
  FilterArgs p(args, want_max ? "max" : "min", {"case_sensitive", "attribute"});
  PRIMER_TRY(p.check());
  const bool case_sensitive = p.get(0) != nullptr && truthy(*p.get(0));
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& item) -> Result<Value> {
    Value k = item;
    if (p.get(1) != nullptr && !p.get(1)->is_none()) {
      PRIMER_ASSIGN_OR_RETURN(k, lookup_attribute(item, *p.get(1), nullptr));
    }
    return case_sensitive ? k : ignore_case(k);
  };
  size_t best = 0;
  PRIMER_ASSIGN_OR_RETURN(Value best_key, key(items[0]));
  for (size_t i = 1; i < items.size(); ++i) {
    PRIMER_ASSIGN_OR_RETURN(Value k, key(items[i]));
    PRIMER_ASSIGN_OR_RETURN(bool better, compare_op(want_max ? CompareOp::kGt : CompareOp::kLt, k, best_key));
    if (better) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

}  // namespace

Result<Value> filter_length(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "length"));
  PRIMER_ASSIGN_OR_RETURN(int64_t n, py_len(v));
  return Value::integer(n);
}

Result<Value> filter_list(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "list"));
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  return Value::list(std::move(items));
}

Result<Value> filter_first(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "first"));
  if (v.is_list() && v.flavor() == ListFlavor::kGenerator) {
    const auto& l = v.list();
    if (l.consumed >= l.items.size()) return Value::undefined("No first item, sequence was empty.");
    return l.items[l.consumed++];
  }
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> filter_last(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "last"));
  if (v.is_list() && v.flavor() != ListFlavor::kList && v.flavor() != ListFlavor::kTuple &&
      v.flavor() != ListFlavor::kRange && v.flavor() != ListFlavor::kDictKeys) {
    return Error{"'" + type_name(v) + "' object is not reversible"};
  }
  if (v.is_number() || v.is_none() || v.is_object()) return Error{"'" + type_name(v) + "' object is not reversible"};
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> filter_items(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "items"));
  if (v.is_undefined()) return make_generator({});
  if (!v.is_dict()) return Error{"Can only get item pairs from a mapping."};
  std::vector<Value> out;
  for (const auto& [k, val] : v.dict().entries) out.push_back(Value::list({k, val}, ListFlavor::kTuple));
  return make_generator(std::move(out));
}

Result<Value> filter_join(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "join", {"d", "attribute"});
  PRIMER_TRY(p.check());
  std::string sep;
  if (p.get(0) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(sep, to_py_str(*p.get(0)));
  }
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    Value item = items[i];
    if (p.get(1) != nullptr && !p.get(1)->is_none()) {
      PRIMER_ASSIGN_OR_RETURN(item, lookup_attribute(item, *p.get(1), nullptr));
    }
    if (i > 0) out += sep;
    PRIMER_TRY(py_str(out, item));
    PRIMER_TRY(interp.check_size(out.size()));
  }
  return Value::string(std::move(out));
}

Result<Value> filter_map(Interpreter& interp, const Value& v, CallArgs& args) {
  if (!truthy(v)) return make_generator({});  // jinja2 checks `if value:` first (None is fine)
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::vector<Value> out;
  out.reserve(items.size());
  if (args.positional.empty() && args.find_keyword("attribute") != nullptr) {
    const Value attribute = *args.find_keyword("attribute");
    const Value* deflt = args.find_keyword("default");
    for (const auto& [k, val] : args.keyword) {
      if (k != "attribute" && k != "default") return Error{"Unexpected keyword argument '" + k + "'"};
    }
    for (const auto& item : items) {
      PRIMER_ASSIGN_OR_RETURN(Value x, lookup_attribute(item, attribute, deflt));
      out.push_back(std::move(x));
    }
    return make_generator(std::move(out));
  }
  if (args.positional.empty()) return Error{"map requires a filter argument"};
  PRIMER_ASSIGN_OR_RETURN(std::string name, to_py_str(args.positional[0]));
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const auto& item : items) {
    CallArgs a = rest;
    PRIMER_ASSIGN_OR_RETURN(Value x, interp.apply_filter(name, item, a));
    out.push_back(std::move(x));
  }
  return make_generator(std::move(out));
}

Result<Value> filter_select(Interpreter& i, const Value& v, CallArgs& a) {
  return select_or_reject(i, v, a, true, false);
}
Result<Value> filter_reject(Interpreter& i, const Value& v, CallArgs& a) {
  return select_or_reject(i, v, a, false, false);
}
Result<Value> filter_selectattr(Interpreter& i, const Value& v, CallArgs& a) {
  return select_or_reject(i, v, a, true, true);
}
Result<Value> filter_rejectattr(Interpreter& i, const Value& v, CallArgs& a) {
  return select_or_reject(i, v, a, false, true);
}

Result<Value> filter_max(Interpreter&, const Value& v, CallArgs& args) { return min_max(v, args, true); }
Result<Value> filter_min(Interpreter&, const Value& v, CallArgs& args) { return min_max(v, args, false); }

Result<Value> filter_reverse(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "reverse"));
  if (v.is_string()) {
    const auto chars = string_chars(v);
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += it->str();
    return Value::string(std::move(out), v.safe());
  }
  const bool reversible =
      v.is_dict() || v.is_undefined() ||
      (v.is_list() && (v.flavor() == ListFlavor::kList || v.flavor() == ListFlavor::kTuple ||
                       v.flavor() == ListFlavor::kRange || v.flavor() == ListFlavor::kDictKeys ||
                       v.flavor() == ListFlavor::kDictItems || v.flavor() == ListFlavor::kDictValues));
  auto items_r = iterate(v);
  if (!items_r.ok()) return Error{"argument must be iterable"};
  std::vector<Value> items = std::move(items_r).value();
  std::reverse(items.begin(), items.end());
  // reversed() returns an iterator; a generator is first turned into a list.
  if (reversible) return make_generator(std::move(items));
  return Value::list(std::move(items));
}

Result<Value> filter_sort(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "sort", {"reverse", "case_sensitive", "attribute"});
  PRIMER_TRY(p.check());
  const bool reverse = p.get(0) != nullptr && truthy(*p.get(0));
  const bool case_sensitive = p.get(1) != nullptr && truthy(*p.get(1));
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> keys, sort_keys(items, p.get(2), case_sensitive));
  PRIMER_TRY(sort_by_keys(items, keys, reverse));
  return Value::list(std::move(items));
}

Result<Value> filter_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "dictsort", {"case_sensitive", "by", "reverse"});
  PRIMER_TRY(p.check());
  const bool case_sensitive = p.get(0) != nullptr && truthy(*p.get(0));
  std::string by = "key";
  if (p.get(1) != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(by, to_py_str(*p.get(1)));
  }
  if (by != "key" && by != "value") return Error{"You can only sort by either 'key' or 'value'"};
  const bool reverse = p.get(2) != nullptr && truthy(*p.get(2));
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_dict()) return Error{"'" + type_name(v) + "' object has no attribute 'items'"};
  std::vector<Value> items, keys;
  for (const auto& [k, val] : v.dict().entries) {
    items.push_back(Value::list({k, val}, ListFlavor::kTuple));
    const Value& sort_on = by == "key" ? k : val;
    keys.push_back(case_sensitive ? sort_on : ignore_case(sort_on));
  }
  PRIMER_TRY(sort_by_keys(items, keys, reverse));
  return Value::list(std::move(items));
}

Result<Value> filter_unique(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "unique", {"case_sensitive", "attribute"});
  PRIMER_TRY(p.check());
  const bool case_sensitive = p.get(0) != nullptr && truthy(*p.get(0));
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::vector<Value> seen, out;
  for (const auto& item : items) {
    Value key = item;
    if (p.get(1) != nullptr && !p.get(1)->is_none()) {
      PRIMER_ASSIGN_OR_RETURN(key, lookup_attribute(item, *p.get(1), nullptr));
    }
    if (!case_sensitive) key = ignore_case(key);
    if (is_unhashable(key)) return Error{"unhashable type: '" + type_name(key) + "'"};
    bool dup = false;
    for (const auto& s : seen) dup = dup || py_equal(s, key);
    if (dup) continue;
    seen.push_back(std::move(key));
    out.push_back(item);
  }
  return make_generator(std::move(out));
}

Result<Value> filter_sum(Interpreter& interp, const Value& v, CallArgs& args) {
  FilterArgs p(args, "sum", {"attribute", "start"});
  PRIMER_TRY(p.check());
  Value total = p.get(1) != nullptr ? *p.get(1) : Value::integer(0);
  if (total.is_string()) return Error{"sum() can't sum strings [use ''.join(seq) instead]"};
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  for (const auto& item : items) {
    Value x = item;
    if (p.get(0) != nullptr && !p.get(0)->is_none()) {
      PRIMER_ASSIGN_OR_RETURN(x, lookup_attribute(item, *p.get(0), nullptr));
    }
    PRIMER_ASSIGN_OR_RETURN(total, binary_op(BinaryOp::kAdd, total, x, interp.limits()));
  }
  return total;
}

Result<Value> filter_batch(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "batch", {"linecount", "fill_with"});
  PRIMER_TRY(p.check());
  if (p.get(0) == nullptr) return Error{"filter 'batch' requires linecount"};
  PRIMER_ASSIGN_OR_RETURN(int64_t n, int_param(*p.get(0), "batch"));
  if (n <= 0) return Error{"filter 'batch' requires a positive linecount"};
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::vector<Value> out, cur;
  for (const auto& item : items) {
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
    cur.push_back(item);
  }
  if (!cur.empty()) {
    const Value* fill = p.get(1);
    if (fill != nullptr && !fill->is_none()) {
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return make_generator(std::move(out));
}

Result<Value> filter_slice(Interpreter&, const Value& v, CallArgs& args) {
  FilterArgs p(args, "slice", {"slices", "fill_with"});
  PRIMER_TRY(p.check());
  if (p.get(0) == nullptr) return Error{"filter 'slice' requires slices"};
  PRIMER_ASSIGN_OR_RETURN(int64_t slices, int_param(*p.get(0), "slice"));
  if (slices <= 0 || slices > (1 << 20)) return Error{"filter 'slice' requires a positive number of slices"};
  PRIMER_ASSIGN_OR_RETURN(std::vector<Value> seq, iterate(v));
  const auto length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices;
  const int64_t extra = length % slices;
  int64_t offset = 0;
  std::vector<Value> out;
  for (int64_t k = 0; k < slices; ++k) {
    const int64_t start = offset + k * per;
    if (k < extra) ++offset;
    const int64_t end = offset + (k + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
    const Value* fill = p.get(1);
    if (fill != nullptr && !fill->is_none() && k >= extra) tmp.push_back(*fill);
    out.push_back(Value::list(std::move(tmp)));
  }
  return make_generator(std::move(out));
}

}  // namespace primer::chat
