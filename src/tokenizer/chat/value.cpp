#include "tokenizer/chat/value.h"

#include <algorithm>
#include <cmath>

#include "tokenizer/chat/objects.h"

namespace primer::chat {

namespace {

struct UndefinedData {
  std::string message;
};

const std::string& empty_string() {
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace

const Value* DictData::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : entries) {
    if (py_equal(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

void DictData::set(Value key, Value value) {
  depth = std::max(depth, value.depth() + 1);
  for (auto& [k, v] : entries) {
    if (py_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

Value Value::undefined(std::string message, bool security) {
  Value v;
  v.kind_ = ValueKind::kUndefined;
  v.b_ = security;
  if (!message.empty()) v.ptr_ = std::make_shared<UndefinedData>(UndefinedData{std::move(message)});
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = ValueKind::kNone;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = ValueKind::kBool;
  v.b_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = ValueKind::kInt;
  v.i_ = i;
  return v;
}

Value Value::number(double f) {
  Value v;
  v.kind_ = ValueKind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::string(std::string s, bool safe) {
  Value v;
  v.kind_ = ValueKind::kString;
  v.safe_ = safe;
  v.ptr_ = std::make_shared<std::string>(std::move(s));
  return v;
}

Value Value::list(std::vector<Value> items, ListFlavor flavor) {
  auto data = std::make_shared<ListData>();
  uint32_t depth = 1;
  for (const auto& item : items) depth = std::max(depth, item.depth() + 1);
  data->items = std::move(items);
  data->flavor = flavor;
  data->depth = depth;
  Value v;
  v.kind_ = ValueKind::kList;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::dict(DictData data) {
  uint32_t depth = 1;
  for (const auto& [k, item] : data.entries) depth = std::max(depth, item.depth() + 1);
  data.depth = depth;
  Value v;
  v.kind_ = ValueKind::kDict;
  v.ptr_ = std::make_shared<DictData>(std::move(data));
  return v;
}

Value Value::object(std::shared_ptr<Object> obj) {
  Value v;
  v.kind_ = ValueKind::kObject;
  v.ptr_ = std::move(obj);
  return v;
}

bool Value::is_sequence_list() const {
  return is_list() && (flavor() == ListFlavor::kList || flavor() == ListFlavor::kTuple);
}

double Value::as_float() const {
  switch (kind_) {
    case ValueKind::kFloat:
      return f_;
    case ValueKind::kInt:
      return static_cast<double>(i_);
    case ValueKind::kBool:
      return b_ ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

const std::string& Value::str() const {
  if (kind_ != ValueKind::kString) return empty_string();
  return *static_cast<const std::string*>(ptr_.get());
}

const ListData& Value::list() const { return *static_cast<const ListData*>(ptr_.get()); }
const DictData& Value::dict() const { return *static_cast<const DictData*>(ptr_.get()); }
Object& Value::object() const { return *static_cast<Object*>(ptr_.get()); }

std::shared_ptr<Object> Value::object_ptr() const { return std::static_pointer_cast<Object>(ptr_); }

const std::string& Value::undefined_message() const {
  if (kind_ != ValueKind::kUndefined || !ptr_) return empty_string();
  return static_cast<const UndefinedData*>(ptr_.get())->message;
}

uint32_t Value::depth() const {
  if (kind_ == ValueKind::kList) return list().depth;
  if (kind_ == ValueKind::kDict) return dict().depth;
  return 0;
}

bool Value::same_object(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case ValueKind::kUndefined:
      return ptr_ == other.ptr_;
    case ValueKind::kNone:
      return true;
    case ValueKind::kBool:
      return b_ == other.b_;
    // CPython caches small ints; larger equal ints are distinct objects in general.
    case ValueKind::kInt:
      return i_ == other.i_ && i_ >= -5 && i_ <= 256;
    case ValueKind::kFloat:
      return false;
    default:
      return ptr_ == other.ptr_;
  }
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return false;
    case ValueKind::kBool:
      return v.as_bool();
    case ValueKind::kInt:
      return v.as_int() != 0;
    case ValueKind::kFloat:
      return v.as_float() != 0.0;
    case ValueKind::kString:
      return !v.str().empty();
    case ValueKind::kList:
      if (v.flavor() == ListFlavor::kGenerator) return true;
      return !v.list().items.empty();
    case ValueKind::kDict:
      return !v.dict().entries.empty();
    case ValueKind::kObject:
      return true;
  }
  return false;
}

namespace {

bool list_equal(const ListData& a, const ListData& b) {
  if (a.items.size() != b.items.size()) return false;
  for (size_t i = 0; i < a.items.size(); ++i) {
    if (!py_equal(a.items[i], b.items[i])) return false;
  }
  return true;
}

}  // namespace

bool py_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return true;
    case ValueKind::kString:
      return a.str() == b.str();
    case ValueKind::kList: {
      const ListFlavor fa = a.flavor(), fb = b.flavor();
      const bool seq_a = fa == ListFlavor::kList || fa == ListFlavor::kTuple || fa == ListFlavor::kRange;
      if (fa != fb) return false;
      if (!seq_a && fa != ListFlavor::kDictItems && fa != ListFlavor::kDictKeys) {
        return a.same_object(b);  // generators and dict_values compare by identity
      }
      return list_equal(a.list(), b.list());
    }
    case ValueKind::kDict: {
      const auto& da = a.dict();
      const auto& db = b.dict();
      if (da.entries.size() != db.entries.size()) return false;
      for (const auto& [k, v] : da.entries) {
        const Value* other = db.find(k);
        if (other == nullptr || !py_equal(v, *other)) return false;
      }
      return true;
    }
    case ValueKind::kObject: {
      if (a.is_object(ObjectKind::kBoundMethod) && b.is_object(ObjectKind::kBoundMethod)) {
        const auto& ma = a.object_as<BoundMethod>();
        const auto& mb = b.object_as<BoundMethod>();
        return ma.name == mb.name && ma.receiver.same_object(mb.receiver);
      }
      return a.same_object(b);
    }
    default:
      return false;
  }
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return "Undefined";
    case ValueKind::kNone:
      return "NoneType";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kString:
      return v.safe() ? "Markup" : "str";
    case ValueKind::kList:
      switch (v.flavor()) {
        case ListFlavor::kList:
          return "list";
        case ListFlavor::kTuple:
          return "tuple";
        case ListFlavor::kGenerator:
          return "generator";
        case ListFlavor::kDictItems:
          return "dict_items";
        case ListFlavor::kDictKeys:
          return "dict_keys";
        case ListFlavor::kDictValues:
          return "dict_values";
        case ListFlavor::kRange:
          return "range";
      }
      return "list";
    case ValueKind::kDict:
      return "dict";
    case ValueKind::kObject:
      switch (v.object().kind()) {
        case ObjectKind::kNamespace:
          return "Namespace";
        case ObjectKind::kLoop:
          return "LoopContext";
        case ObjectKind::kMacro:
          return "Macro";
        case ObjectKind::kBuiltin:
          return "function";
        case ObjectKind::kBoundMethod:
          return "builtin_function_or_method";
        case ObjectKind::kJoiner:
          return "Joiner";
        case ObjectKind::kCycler:
          return "Cycler";
      }
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_string() && v.safe()) return "markupsafe.Markup object";
  if (v.is_object()) {
    switch (v.object().kind()) {
      case ObjectKind::kNamespace:
        return "jinja2.utils.Namespace object";
      case ObjectKind::kLoop:
        return "jinja2.runtime.LoopContext object";
      case ObjectKind::kMacro:
        return "jinja2.runtime.Macro object";
      case ObjectKind::kJoiner:
        return "jinja2.utils.Joiner object";
      case ObjectKind::kCycler:
        return "jinja2.utils.Cycler object";
      default:
        break;
    }
  }
  if (v.is_undefined()) return "jinja2.runtime.Undefined object";
  return type_name(v) + " object";
}

}  // namespace primer::chat
