// Value: the dynamic type templates compute with, modelled on the Python objects jinja2 sees.
//
//   kind        Python counterpart
//   kUndefined  jinja2.runtime.Undefined (carries the message it raises when misused)
//   kNone       None
//   kBool       bool
//   kInt        int (64-bit here; overflow is an error, never a wrap)
//   kFloat      float
//   kString     str, or markupsafe.Markup when safe() (only `+`, `%`, join and a few methods
//               differ: they HTML-escape the plain operand, as Markup does)
//   kList       list / tuple / generator / dict_items / dict_keys / dict_values / range; the
//               flavor decides printing, JSON, len() and indexing, see ListFlavor
//   kDict       dict, insertion-ordered, keys compared with Python ==
//   kObject     namespace, loop context, macro, builtin function, bound method, joiner, cycler
//
// Containers are immutable once built and shared by pointer (the sandbox forbids mutating
// lists and dicts); objects are shared and may be mutable (namespace attributes, loop state).
// Values are cheap to copy: one tag, one scalar and one shared pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace primer::chat {

enum class ValueKind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kObject };

enum class ListFlavor : uint8_t {
  kList,
  kTuple,
  kGenerator,  // single-use: iterating consumes it; always truthy; no len(); not JSON
  kDictItems,  // d.items(): items are (key, value) tuples
  kDictKeys,
  kDictValues,
  kRange,
};

class Value;

struct ListData {
  std::vector<Value> items;
  ListFlavor flavor = ListFlavor::kList;
  uint32_t depth = 1;           // 1 + the deepest nested container
  mutable size_t consumed = 0;  // generators: how many items iteration has already taken
};

struct DictData {
  std::vector<std::pair<Value, Value>> entries;  // unique keys, insertion order
  uint32_t depth = 1;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Inserts or replaces (keeping the first position, as a Python dict does).
  void set(Value key, Value value);
};

enum class ObjectKind : uint8_t { kNamespace, kLoop, kMacro, kBuiltin, kBoundMethod, kJoiner, kCycler };

// Base of the reference-typed objects; concrete types live in objects.h.
class Object {
 public:
  explicit Object(ObjectKind kind) : kind_(kind) {}
  virtual ~Object() = default;
  ObjectKind kind() const { return kind_; }
  // Drops the Values and scopes this object refers to. Objects can form reference cycles
  // (a macro's scope holds the macro; a namespace can hold itself); the interpreter calls this
  // on every object it created when a render ends, so the cycles are freed.
  virtual void clear_references() {}

 private:
  ObjectKind kind_;
};

class Value {
 public:
  // Default: an Undefined with no message (renders as "").
  Value() = default;

  static Value undefined(std::string message, bool security = false);
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double f);
  static Value string(std::string s, bool safe = false);
  static Value list(std::vector<Value> items, ListFlavor flavor = ListFlavor::kList);
  static Value dict(DictData data);
  static Value object(std::shared_ptr<Object> obj);

  ValueKind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == ValueKind::kUndefined; }
  bool is_none() const { return kind_ == ValueKind::kNone; }
  bool is_bool() const { return kind_ == ValueKind::kBool; }
  bool is_int() const { return kind_ == ValueKind::kInt; }
  bool is_float() const { return kind_ == ValueKind::kFloat; }
  // int, float or bool (Python's numbers.Number, bool included).
  bool is_number() const { return kind_ == ValueKind::kInt || kind_ == ValueKind::kFloat || kind_ == ValueKind::kBool; }
  bool is_string() const { return kind_ == ValueKind::kString; }
  bool is_list() const { return kind_ == ValueKind::kList; }
  bool is_dict() const { return kind_ == ValueKind::kDict; }
  bool is_object() const { return kind_ == ValueKind::kObject; }
  bool is_object(ObjectKind k) const { return is_object() && object().kind() == k; }
  // list or tuple proper (not a generator or dict view).
  bool is_sequence_list() const;

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == ValueKind::kBool ? (b_ ? 1 : 0) : i_; }
  double as_float() const;  // int, bool or float
  const std::string& str() const;
  bool safe() const { return safe_; }
  const ListData& list() const;
  ListFlavor flavor() const { return list().flavor; }
  const DictData& dict() const;
  Object& object() const;
  template <class T>
  T& object_as() const {
    return static_cast<T&>(object());
  }
  std::shared_ptr<Object> object_ptr() const;
  // Undefined: the message misuse raises ("'x' is undefined"), empty for a bare Undefined.
  const std::string& undefined_message() const;
  bool undefined_is_security() const { return b_; }
  // Nesting depth of containers (0 for scalars).
  uint32_t depth() const;
  // Identity, for the `sameas` test: same scalar, or same shared container/object.
  bool same_object(const Value& other) const;

 private:
  ValueKind kind_ = ValueKind::kUndefined;
  bool safe_ = false;
  bool b_ = false;
  union {
    int64_t i_ = 0;
    double f_;
  };
  std::shared_ptr<void> ptr_;
};

// Python truthiness (bool(x)); Undefined is false, generators and objects are true.
bool truthy(const Value& v);
// Python == (1 == 1.0 == True, list != tuple, dicts compare as mappings).
bool py_equal(const Value& a, const Value& b);

// Python type name used in TypeError messages: "NoneType", "str", "list", "generator"...
std::string type_name(const Value& v);
// jinja2's object_type_repr, used in Undefined messages: "None", "dict object", "list object".
std::string object_type_repr(const Value& v);

}  // namespace primer::chat
