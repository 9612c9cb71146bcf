#include "tokenizer/chat/access.h"

#include "tokenizer/chat/methods.h"
#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

namespace {

Value missing_attr(const Value& obj, const std::string& name) {
  std::string m = "'" + object_type_repr(obj) + "' has no attribute ";
  py_repr_string(m, name);
  return Value::undefined(std::move(m));
}

Value missing_element(const Value& obj, const Value& key) {
  std::string m = object_type_repr(obj) + " has no element ";
  if (!py_repr(m, key).ok()) m += "?";
  return Value::undefined(std::move(m));
}

Value unsafe(const Value& obj, const std::string& name) {
  std::string tn = type_name(obj);
  return Value::undefined("access to attribute '" + name + "' of '" + tn + "' object is unsafe.", true);
}

bool is_dunder(const std::string& name) {
  return name.size() > 4 && name.rfind("__", 0) == 0 && name.compare(name.size() - 2, 2, "__") == 0;
}

Value loop_attr(const LoopObject& loop, const std::string& name, bool* found) {
  *found = true;
  const size_t n = loop.items->size();
  const size_t i = loop.index0;
  if (name == "index0") return Value::integer(static_cast<int64_t>(i));
  if (name == "index") return Value::integer(static_cast<int64_t>(i + 1));
  if (name == "revindex") return Value::integer(static_cast<int64_t>(n - i));
  if (name == "revindex0") return Value::integer(static_cast<int64_t>(n - i - 1));
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i + 1 == n);
  if (name == "length") return Value::integer(static_cast<int64_t>(n));
  if (name == "depth") return Value::integer(loop.depth0 + 1);
  if (name == "depth0") return Value::integer(loop.depth0);
  if (name == "previtem") {
    if (i == 0) return Value::undefined("there is no previous item");
    return (*loop.items)[i - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return Value::undefined("there is no next item");
    return (*loop.items)[i + 1];
  }
  *found = false;
  return Value();
}

// Python-level attributes of objects (not bound methods).
bool object_attr(const Value& obj, const std::string& name, Value* out) {
  const Object& o = obj.object();
  switch (o.kind()) {
    case ObjectKind::kNamespace: {
      const Value* v = static_cast<const NamespaceObject&>(o).attrs.find(name);
      if (v == nullptr) return false;
      *out = *v;
      return true;
    }
    case ObjectKind::kLoop: {
      bool found = false;
      *out = loop_attr(static_cast<const LoopObject&>(o), name, &found);
      return found;
    }
    case ObjectKind::kMacro: {
      const auto& m = static_cast<const MacroObject&>(o);
      if (name == "name") {
        *out = m.is_caller ? Value::string("caller") : Value::string(m.name);
        return true;
      }
      return false;
    }
    case ObjectKind::kCycler: {
      if (name != "current") return false;
      const auto& c = static_cast<const CyclerObject&>(o);
      *out = c.items.empty() ? Value::none() : c.items[c.pos];
      return true;
    }
    default:
      return false;
  }
}

bool is_indexable_list(const Value& v) {
  if (!v.is_list()) return false;
  const ListFlavor f = v.flavor();
  return f == ListFlavor::kList || f == ListFlavor::kTuple || f == ListFlavor::kRange;
}

}  // namespace

Result<Value> get_attr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (is_dunder(name)) return unsafe(obj, name);
  if (obj.is_object()) {
    Value v;
    if (object_attr(obj, name, &v)) return v;
  }
  if (obj.is_int() || obj.is_bool() || obj.is_float()) {
    if (name == "real") return obj.is_float() ? obj : Value::integer(obj.as_int());
    if (name == "imag") return obj.is_float() ? Value::number(0.0) : Value::integer(0);
    if (!obj.is_float() && name == "numerator") return Value::integer(obj.as_int());
    if (!obj.is_float() && name == "denominator") return Value::integer(1);
  }
  if (has_method(obj, name)) {
    if (is_mutating_method(obj, name)) return unsafe(obj, name);
    return Value::object(std::make_shared<BoundMethod>(obj, name));
  }
  if (obj.is_dict()) {
    const Value* v = obj.dict().find(std::string_view(name));
    if (v != nullptr) return *v;
  }
  return missing_attr(obj, name);
}

Result<Value> get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (is_indexable_list(obj) && (key.is_int() || key.is_bool())) {
    const auto& items = obj.list().items;
    int64_t i = key.as_int();
    const auto n = static_cast<int64_t>(items.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return missing_element(obj, key);
    return items[static_cast<size_t>(i)];
  }
  if (obj.is_string() && (key.is_int() || key.is_bool())) {
    const std::string& s = obj.str();
    int64_t i = key.as_int();
    if (is_ascii(s)) {
      const auto n = static_cast<int64_t>(s.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return missing_element(obj, key);
      return Value::string(std::string(1, s[static_cast<size_t>(i)]), obj.safe());
    }
    const auto cps = utf8_decode(s);
    const auto n = static_cast<int64_t>(cps.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return missing_element(obj, key);
    std::string out;
    utf8::append(out, cps[static_cast<size_t>(i)]);
    return Value::string(std::move(out), obj.safe());
  }
  if (obj.is_dict()) {
    const bool hashable = !(key.is_dict() || (key.is_list() && key.flavor() != ListFlavor::kTuple));
    if (hashable) {
      const Value* v = obj.dict().find(key);
      if (v != nullptr) return *v;
    }
  }
  if (key.is_string()) {
    // jinja2 falls back to getattr for string keys, without the dict lookup repeated.
    const std::string& name = key.str();
    if (is_dunder(name)) return unsafe(obj, name);
    if (obj.is_object()) {
      Value v;
      if (object_attr(obj, name, &v)) return v;
    }
    if (has_method(obj, name)) {
      if (is_mutating_method(obj, name)) return unsafe(obj, name);
      return Value::object(std::make_shared<BoundMethod>(obj, name));
    }
    return missing_attr(obj, name);
  }
  return missing_element(obj, key);
}

namespace {

// Python's slice.indices(): clamps start/stop for a sequence of length n.
Status slice_indices(int64_t n, const Value* start_v, const Value* stop_v, const Value* step_v, int64_t* start,
                     int64_t* stop, int64_t* step) {
  auto as_index = [](const Value* v, bool* given, int64_t* out) -> Status {
    *given = false;
    if (v == nullptr || v->is_none()) return ok_status();
    if (!(v->is_int() || v->is_bool()))
      return Error{"slice indices must be integers or None or have an __index__ method"};
    *given = true;
    *out = v->as_int();
    return ok_status();
  };
  bool has_start, has_stop, has_step;
  int64_t s = 0, e = 0, st = 1;
  PRIMER_TRY(as_index(start_v, &has_start, &s));
  PRIMER_TRY(as_index(stop_v, &has_stop, &e));
  PRIMER_TRY(as_index(step_v, &has_step, &st));
  if (!has_step) st = 1;
  if (st == 0) return Error{"slice step cannot be zero"};
  auto clamp = [&](int64_t v, bool given, int64_t deflt) {
    if (!given) return deflt;
    if (v < 0) {
      v += n;
      if (v < 0) v = st < 0 ? -1 : 0;
    } else if (v >= n) {
      v = st < 0 ? n - 1 : n;
    }
    return v;
  };
  *start = clamp(s, has_start, st < 0 ? n - 1 : 0);
  *stop = clamp(e, has_stop, st < 0 ? -1 : n);
  *step = st;
  return ok_status();
}

template <class T>
std::vector<T> take_slice(const std::vector<T>& src, int64_t start, int64_t stop, int64_t step) {
  std::vector<T> out;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) out.push_back(src[static_cast<size_t>(i)]);
  } else {
    for (int64_t i = start; i > stop; i += step) out.push_back(src[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace

Result<Value> get_slice(const Value& obj, const Value* start_v, const Value* stop_v, const Value* step_v) {
  if (obj.is_undefined()) return undefined_error(obj);
  for (const Value* v : {start_v, stop_v, step_v}) {
    if (v != nullptr && v->is_undefined()) {
      return Value::undefined(object_type_repr(obj) + " has no element slice(...)");
    }
  }
  int64_t start, stop, step;
  if (obj.is_string()) {
    const std::string& s = obj.str();
    if (is_ascii(s)) {
      PRIMER_TRY(slice_indices(static_cast<int64_t>(s.size()), start_v, stop_v, step_v, &start, &stop, &step));
      std::string out;
      if (step > 0) {
        for (int64_t i = start; i < stop; i += step) out.push_back(s[static_cast<size_t>(i)]);
      } else {
        for (int64_t i = start; i > stop; i += step) out.push_back(s[static_cast<size_t>(i)]);
      }
      return Value::string(std::move(out), obj.safe());
    }
    const auto cps = utf8_decode(s);
    PRIMER_TRY(slice_indices(static_cast<int64_t>(cps.size()), start_v, stop_v, step_v, &start, &stop, &step));
    return Value::string(utf8_encode(take_slice(cps, start, stop, step)), obj.safe());
  }
  if (is_indexable_list(obj)) {
    const auto& items = obj.list().items;
    PRIMER_TRY(slice_indices(static_cast<int64_t>(items.size()), start_v, stop_v, step_v, &start, &stop, &step));
    return Value::list(take_slice(items, start, stop, step), obj.flavor());
  }
  return Value::undefined(object_type_repr(obj) + " has no element slice(...)");
}

std::vector<Value> string_chars(const Value& s) {
  std::vector<Value> out;
  const std::string& str = s.str();
  if (is_ascii(str)) {
    out.reserve(str.size());
    for (char c : str) out.push_back(Value::string(std::string(1, c), s.safe()));
    return out;
  }
  for (char32_t c : utf8_decode(str)) {
    std::string one;
    utf8::append(one, c);
    out.push_back(Value::string(std::move(one), s.safe()));
  }
  return out;
}

Result<std::vector<Value>> iterate(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return std::vector<Value>{};
    case ValueKind::kString:
      return string_chars(v);
    case ValueKind::kList: {
      const auto& l = v.list();
      if (l.flavor == ListFlavor::kGenerator) {
        std::vector<Value> rest(l.items.begin() + static_cast<std::ptrdiff_t>(std::min(l.consumed, l.items.size())),
                                l.items.end());
        l.consumed = l.items.size();
        return rest;
      }
      return l.items;
    }
    case ValueKind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict().entries.size());
      for (const auto& [k, val] : v.dict().entries) keys.push_back(k);
      return keys;
    }
    default:
      return Error{"'" + type_name(v) + "' object is not iterable"};
  }
}

Result<int64_t> py_len(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return 0;
    case ValueKind::kString:
      return static_cast<int64_t>(utf8_length(v.str()));
    case ValueKind::kList:
      if (v.flavor() == ListFlavor::kGenerator) return Error{"object of type 'generator' has no len()"};
      return static_cast<int64_t>(v.list().items.size());
    case ValueKind::kDict:
      return static_cast<int64_t>(v.dict().entries.size());
    case ValueKind::kObject:
      if (v.is_object(ObjectKind::kLoop)) {
        return static_cast<int64_t>(v.object_as<LoopObject>().items->size());
      }
      [[fallthrough]];
    default:
      return Error{"object of type '" + type_name(v) + "' has no len()"};
  }
}

}  // namespace primer::chat
