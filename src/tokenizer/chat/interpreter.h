// Tree-walking interpreter over the template AST.
//
// Scoping follows jinja2: `if` shares its scope; each `for` iteration, macro call, `with`,
// `{% set %}...{% endset %}` body and filter block gets a child scope, so `set` inside them does
// not leak out (hence namespace()); macros see their defining scope at call time.
//
// One Interpreter renders once; it is not shared between threads. Helpers in other files
// (filters, tests, methods, operators) return bare messages; the interpreter adds
// "[template] line N: ".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/chat_template.h"
#include "primer/error.h"
#include "tokenizer/chat/ast.h"
#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

struct Program {
  StmtList body;
};

// Variables of one scope; lookups walk the parent chain.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value v);

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

class Interpreter {
 public:
  Interpreter(const Program& program, const TemplateRenderOptions& options);

  // Renders the program with `context` (a dict Value) as the variables.
  Result<std::string> render(const Value& context);
  ~Interpreter();

  // --- services for filters, tests, methods and builtins (bare-message errors) ---
  Result<Value> call(const Value& callee, CallArgs& args);
  Result<Value> apply_filter(std::string_view name, const Value& target, CallArgs& args);
  Result<bool> apply_test(std::string_view name, const Value& target, CallArgs& args);
  const TemplateLimits& limits() const { return options_.limits; }
  const TemplateRenderOptions& options() const { return options_; }
  // Checks a string or list about to be built against the limits.
  Status check_size(size_t bytes) const;
  Status check_items(size_t n) const;
  // Creates an object that may take part in reference cycles; render() breaks them at the end.
  template <class T>
  std::shared_ptr<T> make_object() {
    std::shared_ptr<T> obj(new T());  // not make_shared: a weak_ptr must not pin the memory
    tracked_.push_back(obj);
    return obj;
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Status exec(const StmtList& body, const std::shared_ptr<Scope>& scope, std::string& out);
  Status exec_one(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out);
  Status exec_block(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out);
  Status exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out);
  Status exec_call_block(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out);
  Status assign(const Expr& target, const Value& value, const std::shared_ptr<Scope>& scope);

  Result<Value> eval(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_inner(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> lookup(const Expr& e, const Scope& scope) const;
  Result<Value> eval_access(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_test(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_operator(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_logic(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_literal(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_call(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> eval_filter(const Expr& e, const std::shared_ptr<Scope>& scope, const Value* block_text);
  Result<Value> eval_compare(const Expr& e, const std::shared_ptr<Scope>& scope);
  Status eval_args(const Expr& e, const std::shared_ptr<Scope>& scope, CallArgs& args);
  Result<Value> call_macro(const MacroObject& m, CallArgs& args);

  Status step();
  Status check_nesting(int line) const;
  Error at(int line, const Error& e) const;

  const Program& program_;
  TemplateRenderOptions options_;
  uint64_t steps_ = 0;
  size_t call_depth_ = 0;
  // Nesting of eval()/exec_one() frames; bounds native stack use however the nesting arises
  // (deep expressions inside recursive macros, long filter chains in macro arguments, ...).
  size_t eval_depth_ = 0;
  uintptr_t stack_base_ = 0;                    // frame address of render(), for the stack budget
  std::vector<std::weak_ptr<Object>> tracked_;  // see make_object()
  Flow flow_ = Flow::kNormal;
};

}  // namespace primer::chat
