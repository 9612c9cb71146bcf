// The reference-typed objects a template can hold (see Value::kObject).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "primer/error.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

struct Stmt;
class Scope;
class Interpreter;

// jinja2.utils.Namespace: attributes settable with `{% set ns.attr = value %}`.
struct NamespaceObject : Object {
  NamespaceObject() : Object(ObjectKind::kNamespace) {}
  void clear_references() override { attrs.entries.clear(); }
  DictData attrs;  // string keys
};

// jinja2.runtime.LoopContext for the innermost `for`.
struct LoopObject : Object {
  LoopObject() : Object(ObjectKind::kLoop) {}
  void clear_references() override {
    items.reset();
    last_changed = Value();
  }
  std::shared_ptr<const std::vector<Value>> items;  // the filtered items being looped over
  size_t index0 = 0;
  int depth0 = 0;
  bool has_last_changed = false;
  Value last_changed;  // for loop.changed()
};

// A `{% macro %}` (or the `caller` of a `{% call %}` block): the definition plus the scope it was
// defined in (names are looked up there at call time, as jinja2 does).
struct MacroObject : Object {
  MacroObject() : Object(ObjectKind::kMacro) {}
  void clear_references() override { closure.reset(); }
  std::string name;
  const Stmt* def = nullptr;  // owned by the Program, which outlives every render
  std::shared_ptr<Scope> closure;
  bool is_caller = false;
};

// Arguments of a call after evaluation (positional, then keyword in source order).
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  const Value* find_keyword(std::string_view name) const {
    for (const auto& [k, v] : keyword) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

// Global functions: range, namespace, dict, raise_exception, strftime_now, joiner, cycler.
// `fn` returns a bare message on failure (the interpreter adds the line).
struct BuiltinObject : Object {
  using Fn = std::function<Result<Value>(Interpreter&, CallArgs&)>;
  BuiltinObject(std::string n, Fn f) : Object(ObjectKind::kBuiltin), name(std::move(n)), fn(std::move(f)) {}
  std::string name;
  Fn fn;
};

// `obj.method` looked up without calling yet: dispatched when called (see methods.h).
struct BoundMethod : Object {
  BoundMethod(Value r, std::string n) : Object(ObjectKind::kBoundMethod), receiver(std::move(r)), name(std::move(n)) {}
  Value receiver;
  std::string name;
};

// jinja2.utils.Joiner: returns "" the first time, then the separator.
struct JoinerObject : Object {
  JoinerObject() : Object(ObjectKind::kJoiner) {}
  std::string sep;
  bool used = false;
};

// jinja2.utils.Cycler: cycles through its items with next().
struct CyclerObject : Object {
  CyclerObject() : Object(ObjectKind::kCycler) {}
  void clear_references() override { items.clear(); }
  std::vector<Value> items;
  size_t pos = 0;
};

}  // namespace primer::chat
