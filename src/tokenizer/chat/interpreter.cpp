#include "tokenizer/chat/interpreter.h"

#include "tokenizer/chat/access.h"
#include "tokenizer/chat/builtins.h"
#include "tokenizer/chat/filters.h"
#include "tokenizer/chat/lexer.h"
#include "tokenizer/chat/methods.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/parser.h"
#include "tokenizer/chat/py_format.h"

namespace primer::chat {

namespace {

// Frames of eval()/exec_one() allowed on the native stack at once, and the native stack one
// render may use (well under the 8 MiB main-thread and std::thread defaults).
constexpr size_t kMaxEvalDepth = 1200;
constexpr uintptr_t kStackBudget = 1536 * 1024;

struct DepthScope {
  explicit DepthScope(size_t& d) : depth(d) { ++depth; }
  ~DepthScope() { --depth; }
  size_t& depth;
};

}  // namespace

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
    for (auto it = s->vars_.rbegin(); it != s->vars_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  for (auto& [k, val] : vars_) {
    if (k == name) {
      val = std::move(v);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::move(v));
}

Interpreter::Interpreter(const Program& program, const TemplateRenderOptions& options)
    : program_(program), options_(options) {}

Interpreter::~Interpreter() {
  for (const auto& weak : tracked_) {
    if (auto obj = weak.lock()) obj->clear_references();
  }
}

Error Interpreter::at(int line, const Error& e) const {
  if (e.message.rfind("[template] ", 0) == 0) return e;
  return template_error(line, e.message);
}

Status Interpreter::check_nesting(int line) const {
  // The stack grows down on every platform we build for; the budget is measured from the frame
  // of render(). __builtin_frame_address sees the real stack even under ASan's fake stacks.
  const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (eval_depth_ > kMaxEvalDepth || (stack_base_ > here && stack_base_ - here > kStackBudget)) {
    return at(line, Error{"template evaluation nested too deeply (runaway recursion?)"});
  }
  return ok_status();
}

Status Interpreter::step() {
  if (++steps_ > options_.limits.max_steps) {
    return Error{"render exceeded the step limit (" + std::to_string(options_.limits.max_steps) +
                 " statements, loop iterations and calls); the template may not terminate"};
  }
  return ok_status();
}

Status Interpreter::check_size(size_t bytes) const {
  if (bytes > options_.limits.max_output_bytes) {
    return Error{"output exceeds the size limit (" + std::to_string(options_.limits.max_output_bytes) + " bytes)"};
  }
  return ok_status();
}

Status Interpreter::check_items(size_t n) const {
  if (n > options_.limits.max_items) {
    return Error{"list exceeds the item limit (" + std::to_string(options_.limits.max_items) + " items)"};
  }
  return ok_status();
}

Result<std::string> Interpreter::render(const Value& context) {
  stack_base_ = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  auto globals = std::make_shared<Scope>(nullptr);
  install_builtins(*globals);
  auto vars = std::make_shared<Scope>(globals);
  if (context.is_dict()) {
    for (const auto& [k, v] : context.dict().entries) {
      if (k.is_string()) vars->set(k.str(), v);
    }
  }
  auto top = std::make_shared<Scope>(vars);
  std::string out;
  PRIMER_TRY(exec(program_.body, top, out));
  return out;
}

Status Interpreter::exec(const StmtList& body, const std::shared_ptr<Scope>& scope, std::string& out) {
  for (const auto& s : body) {
    Status st = exec_one(*s, scope, out);
    if (!st.ok()) return at(s->line, st.error());
    if (flow_ != Flow::kNormal) break;
  }
  return ok_status();
}

Status Interpreter::exec_one(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out) {
  DepthScope depth(eval_depth_);
  PRIMER_TRY(check_nesting(s.line));
  PRIMER_TRY(step());
  switch (s.kind) {
    case StmtKind::kData:
      out += s.text;
      return check_size(out.size());
    case StmtKind::kOutput: {
      PRIMER_ASSIGN_OR_RETURN(Value v, eval(*s.expr, scope));
      PRIMER_TRY(py_str(out, v));
      return check_size(out.size());
    }
    case StmtKind::kIf: {
      PRIMER_ASSIGN_OR_RETURN(Value test, eval(*s.expr, scope));
      return exec(truthy(test) ? s.body : s.else_body, scope, out);
    }
    case StmtKind::kFor:
      return exec_for(s, scope, out);
    case StmtKind::kSet: {
      PRIMER_ASSIGN_OR_RETURN(Value v, eval(*s.expr, scope));
      return assign(*s.target, v, scope);
    }
    case StmtKind::kSetBlock:
    case StmtKind::kMacro:
    case StmtKind::kFilterBlock:
    case StmtKind::kWith:
      return exec_block(s, scope, out);
    case StmtKind::kCallBlock:
      return exec_call_block(s, scope, out);
    case StmtKind::kBreak:
      flow_ = Flow::kBreak;
      return ok_status();
    case StmtKind::kContinue:
      flow_ = Flow::kContinue;
      return ok_status();
    case StmtKind::kScope:
      return exec(s.body, std::make_shared<Scope>(scope), out);
  }
  return ok_status();
}

// Statements with a body of their own or a binding: set blocks, macros, filter blocks, with.
Status Interpreter::exec_block(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out) {
  switch (s.kind) {
    case StmtKind::kSetBlock: {
      std::string buf;
      PRIMER_TRY(exec(s.body, std::make_shared<Scope>(scope), buf));
      Value v = Value::string(std::move(buf));
      if (s.filter) {
        PRIMER_ASSIGN_OR_RETURN(v, eval_filter(*s.filter, scope, &v));
      }
      return assign(*s.target, v, scope);
    }
    case StmtKind::kMacro: {
      auto m = make_object<MacroObject>();
      m->name = s.text;
      m->def = &s;
      m->closure = scope;
      scope->set(s.text, Value::object(std::move(m)));
      return ok_status();
    }
    case StmtKind::kFilterBlock: {
      std::string buf;
      PRIMER_TRY(exec(s.body, std::make_shared<Scope>(scope), buf));
      const Value text = Value::string(std::move(buf));
      PRIMER_ASSIGN_OR_RETURN(Value v, eval_filter(*s.filter, scope, &text));
      PRIMER_TRY(py_str(out, v));
      return check_size(out.size());
    }
    case StmtKind::kWith: {
      auto inner = std::make_shared<Scope>(scope);
      for (size_t i = 0; i < s.targets.size(); ++i) {
        PRIMER_ASSIGN_OR_RETURN(Value v, eval(*s.values[i], scope));
        PRIMER_TRY(assign(*s.targets[i], v, inner));
      }
      return exec(s.body, inner, out);
    }
    default:
      return Error{"not a block statement"};
  }
}

Status Interpreter::exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out) {
  PRIMER_ASSIGN_OR_RETURN(Value iterable, eval(*s.expr, scope));
  auto items_r = iterate(iterable);
  if (!items_r.ok()) return at(s.expr->line, items_r.error());
  std::vector<Value> items = std::move(items_r).value();
  if (s.filter) {
    std::vector<Value> kept;
    for (auto& item : items) {
      PRIMER_TRY(step());
      auto test_scope = std::make_shared<Scope>(scope);
      PRIMER_TRY(assign(*s.target, item, test_scope));
      PRIMER_ASSIGN_OR_RETURN(Value keep, eval(*s.filter, test_scope));
      if (truthy(keep)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  auto loop = make_object<LoopObject>();
  loop->items = std::make_shared<const std::vector<Value>>(std::move(items));
  const Value loop_value = Value::object(loop);
  // jinja2 runs `else` unless some iteration reached the end of the body: an iteration left by
  // `continue` or `break` does not count (its compiled flag is cleared at the end of the body).
  bool completed_iteration = false;
  for (size_t i = 0; i < loop->items->size(); ++i) {
    PRIMER_TRY(step());
    loop->index0 = i;
    auto iter_scope = std::make_shared<Scope>(scope);
    PRIMER_TRY(assign(*s.target, (*loop->items)[i], iter_scope));
    iter_scope->set("loop", loop_value);
    PRIMER_TRY(exec(s.body, iter_scope, out));
    const Flow flow = flow_;
    flow_ = Flow::kNormal;
    if (flow == Flow::kBreak) break;
    if (flow == Flow::kNormal) completed_iteration = true;
  }
  if (!completed_iteration && !s.else_body.empty()) {
    return exec(s.else_body, std::make_shared<Scope>(scope), out);
  }
  return ok_status();
}

Status Interpreter::exec_call_block(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out) {
  auto caller = make_object<MacroObject>();
  caller->name = "caller";
  caller->def = &s;
  caller->closure = scope;
  caller->is_caller = true;
  const Expr& call = *s.expr;
  PRIMER_ASSIGN_OR_RETURN(Value callee, eval(*call.target, scope));
  CallArgs args;
  PRIMER_TRY(eval_args(call, scope, args));
  args.keyword.emplace_back("caller", Value::object(std::move(caller)));
  auto r = this->call(callee, args);
  if (!r.ok()) return at(call.line, r.error());
  PRIMER_TRY(py_str(out, r.value()));
  return check_size(out.size());
}

Status Interpreter::assign(const Expr& target, const Value& value, const std::shared_ptr<Scope>& scope) {
  switch (target.kind) {
    case ExprKind::kName:
      scope->set(target.name, value);
      return ok_status();
    case ExprKind::kTuple: {
      auto items_r = iterate(value);
      if (!items_r.ok()) return at(target.line, Error{"cannot unpack non-iterable " + type_name(value) + " object"});
      const auto& items = items_r.value();
      const size_t n = target.args.size();
      if (items.size() < n) {
        return at(target.line, Error{"not enough values to unpack (expected " + std::to_string(n) + ", got " +
                                     std::to_string(items.size()) + ")"});
      }
      if (items.size() > n) {
        return at(target.line, Error{"too many values to unpack (expected " + std::to_string(n) + ")"});
      }
      for (size_t i = 0; i < n; ++i) PRIMER_TRY(assign(*target.args[i], items[i], scope));
      return ok_status();
    }
    case ExprKind::kNsRef: {
      const Value* ns = scope->find(target.name);
      if (ns == nullptr || !ns->is_object(ObjectKind::kNamespace)) {
        return at(target.line, Error{"cannot assign attribute on non-namespace object"});
      }
      ns->object_as<NamespaceObject>().attrs.set(Value::string(target.attr), value);
      return ok_status();
    }
    default:
      return at(target.line, Error{"invalid assignment target"});
  }
}

Result<Value> Interpreter::eval(const Expr& e, const std::shared_ptr<Scope>& scope) {
  DepthScope depth(eval_depth_);
  PRIMER_TRY(check_nesting(e.line));
  auto r = eval_inner(e, scope);
  if (!r.ok()) return at(e.line, r.error());
  return r;
}

Status Interpreter::eval_args(const Expr& e, const std::shared_ptr<Scope>& scope, CallArgs& args) {
  args.positional.reserve(e.args.size());
  for (const auto& a : e.args) {
    PRIMER_ASSIGN_OR_RETURN(Value v, eval(*a, scope));
    args.positional.push_back(std::move(v));
  }
  for (const auto& k : e.kwargs) {
    PRIMER_ASSIGN_OR_RETURN(Value v, eval(*k.value, scope));
    args.keyword.emplace_back(k.name, std::move(v));
  }
  if (e.dyn_args) {
    PRIMER_ASSIGN_OR_RETURN(Value v, eval(*e.dyn_args, scope));
    auto items = iterate(v);
    if (!items.ok()) return at(e.line, items.error());
    for (auto& item : items.value()) args.positional.push_back(std::move(item));
  }
  if (e.dyn_kwargs) {
    PRIMER_ASSIGN_OR_RETURN(Value v, eval(*e.dyn_kwargs, scope));
    if (!v.is_dict()) return at(e.line, Error{"argument after ** must be a mapping, not " + type_name(v)});
    for (const auto& [k, val] : v.dict().entries) {
      if (!k.is_string()) return at(e.line, Error{"keywords must be strings"});
      args.keyword.emplace_back(k.str(), val);
    }
  }
  return ok_status();
}

// One small function per family keeps each native frame small: eval() recursion depth is what
// bounds how deeply templates may nest, and big frames would shrink it (notably in Debug/ASan).
Result<Value> Interpreter::eval_inner(const Expr& e, const std::shared_ptr<Scope>& scope) {
  switch (e.kind) {
    case ExprKind::kConst:
      return e.value;
    case ExprKind::kName:
      return lookup(e, *scope);
    case ExprKind::kNsRef:
      return Error{"namespace attribute references can only be assigned to"};
    case ExprKind::kSlice:
      return Error{"a slice is only valid inside []"};
    case ExprKind::kGetattr:
    case ExprKind::kGetitem:
      return eval_access(e, scope);
    case ExprKind::kCall:
      return eval_call(e, scope);
    case ExprKind::kFilter:
      return eval_filter(e, scope, nullptr);
    case ExprKind::kTest:
      return eval_test(e, scope);
    case ExprKind::kCompare:
      return eval_compare(e, scope);
    case ExprKind::kBinary:
    case ExprKind::kConcat:
    case ExprKind::kNot:
    case ExprKind::kNeg:
    case ExprKind::kPos:
      return eval_operator(e, scope);
    case ExprKind::kAnd:
    case ExprKind::kOr:
    case ExprKind::kCondExpr:
      return eval_logic(e, scope);
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return eval_literal(e, scope);
  }
  return Error{"unknown expression"};
}

Result<Value> Interpreter::lookup(const Expr& e, const Scope& scope) const {
  const Value* v = scope.find(e.name);
  if (v != nullptr) return *v;
  std::string m;
  py_repr_string(m, e.name);
  return Value::undefined(m + " is undefined");
}

Result<Value> Interpreter::eval_access(const Expr& e, const std::shared_ptr<Scope>& scope) {
  PRIMER_ASSIGN_OR_RETURN(Value obj, eval(*e.target, scope));
  if (e.kind == ExprKind::kGetattr) return get_attr(obj, e.name);
  const Expr& arg = *e.args[0];
  if (arg.kind == ExprKind::kSlice) {
    Value parts[3];
    const Value* ptrs[3] = {nullptr, nullptr, nullptr};
    for (size_t i = 0; i < 3; ++i) {
      if (!arg.args[i]) continue;
      PRIMER_ASSIGN_OR_RETURN(parts[i], eval(*arg.args[i], scope));
      ptrs[i] = &parts[i];
    }
    return get_slice(obj, ptrs[0], ptrs[1], ptrs[2]);
  }
  PRIMER_ASSIGN_OR_RETURN(Value key, eval(arg, scope));
  return get_item(obj, key);
}

Result<Value> Interpreter::eval_test(const Expr& e, const std::shared_ptr<Scope>& scope) {
  PRIMER_ASSIGN_OR_RETURN(Value target, eval(*e.target, scope));
  CallArgs args;
  PRIMER_TRY(eval_args(e, scope, args));
  PRIMER_ASSIGN_OR_RETURN(bool r, apply_test(e.name, target, args));
  return Value::boolean(r);
}

Result<Value> Interpreter::eval_operator(const Expr& e, const std::shared_ptr<Scope>& scope) {
  if (e.kind == ExprKind::kConcat) {
    std::string s;
    for (const auto& a : e.args) {
      PRIMER_ASSIGN_OR_RETURN(Value v, eval(*a, scope));
      PRIMER_TRY(py_str(s, v));
      PRIMER_TRY(check_size(s.size()));
    }
    return Value::string(std::move(s));
  }
  if (e.kind == ExprKind::kBinary) {
    PRIMER_ASSIGN_OR_RETURN(Value a, eval(*e.args[0], scope));
    PRIMER_ASSIGN_OR_RETURN(Value b, eval(*e.args[1], scope));
    return binary_op(e.op, a, b, options_.limits);
  }
  PRIMER_ASSIGN_OR_RETURN(Value v, eval(*e.target, scope));
  if (e.kind == ExprKind::kNot) return Value::boolean(!truthy(v));
  if (e.kind == ExprKind::kNeg) return negate(v);
  return unary_plus(v);
}

Result<Value> Interpreter::eval_logic(const Expr& e, const std::shared_ptr<Scope>& scope) {
  PRIMER_ASSIGN_OR_RETURN(Value first, eval(*e.args[0], scope));
  switch (e.kind) {
    case ExprKind::kAnd:  // Python: returns the deciding operand, not a bool
      return truthy(first) ? eval(*e.args[1], scope) : first;
    case ExprKind::kOr:
      return truthy(first) ? first : eval(*e.args[1], scope);
    default:  // kCondExpr: args = test, then-value, else-value (may be absent)
      if (truthy(first)) return eval(*e.args[1], scope);
      if (e.args[2]) return eval(*e.args[2], scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
  }
}

Result<Value> Interpreter::eval_literal(const Expr& e, const std::shared_ptr<Scope>& scope) {
  Value v;
  if (e.kind == ExprKind::kDict) {
    DictData d;
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      PRIMER_ASSIGN_OR_RETURN(Value key, eval(*e.args[i], scope));
      PRIMER_ASSIGN_OR_RETURN(Value val, eval(*e.args[i + 1], scope));
      if (key.is_dict() || (key.is_list() && key.flavor() != ListFlavor::kTuple) || key.is_undefined()) {
        return Error{"unhashable type: '" + type_name(key) + "'"};
      }
      d.set(std::move(key), std::move(val));
    }
    v = Value::dict(std::move(d));
  } else {
    std::vector<Value> items;
    items.reserve(e.args.size());
    for (const auto& a : e.args) {
      PRIMER_ASSIGN_OR_RETURN(Value item, eval(*a, scope));
      items.push_back(std::move(item));
    }
    v = Value::list(std::move(items), e.kind == ExprKind::kList ? ListFlavor::kList : ListFlavor::kTuple);
  }
  if (v.depth() > kMaxValueDepth)
    return Error{"value nested deeper than " + std::to_string(kMaxValueDepth) + " levels"};
  return v;
}

Result<Value> Interpreter::eval_compare(const Expr& e, const std::shared_ptr<Scope>& scope) {
  PRIMER_ASSIGN_OR_RETURN(Value left, eval(*e.args[0], scope));
  for (size_t i = 0; i < e.compare_ops.size(); ++i) {
    PRIMER_ASSIGN_OR_RETURN(Value right, eval(*e.args[i + 1], scope));
    PRIMER_ASSIGN_OR_RETURN(bool r, compare_op(e.compare_ops[i], left, right));
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Result<Value> Interpreter::eval_call(const Expr& e, const std::shared_ptr<Scope>& scope) {
  PRIMER_ASSIGN_OR_RETURN(Value callee, eval(*e.target, scope));
  CallArgs args;
  PRIMER_TRY(eval_args(e, scope, args));
  return call(callee, args);
}

Result<Value> Interpreter::eval_filter(const Expr& e, const std::shared_ptr<Scope>& scope, const Value* block_text) {
  Value target;
  if (!e.target) {
    target = block_text != nullptr ? *block_text : Value::string("");
  } else if (e.target->kind == ExprKind::kFilter && block_text != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(target, eval_filter(*e.target, scope, block_text));
  } else {
    PRIMER_ASSIGN_OR_RETURN(target, eval(*e.target, scope));
  }
  CallArgs args;
  PRIMER_TRY(eval_args(e, scope, args));
  auto r = apply_filter(e.name, target, args);
  if (!r.ok()) return at(e.line, r.error());
  return r;
}

Result<Value> Interpreter::call(const Value& callee, CallArgs& args) {
  switch (callee.kind()) {
    case ValueKind::kUndefined:
      return undefined_error(callee);
    case ValueKind::kObject: {
      PRIMER_TRY(step());
      Object& o = callee.object();
      switch (o.kind()) {
        case ObjectKind::kMacro:
          return call_macro(static_cast<const MacroObject&>(o), args);
        case ObjectKind::kBuiltin:
          return static_cast<const BuiltinObject&>(o).fn(*this, args);
        case ObjectKind::kBoundMethod:
          return call_method(*this, static_cast<const BoundMethod&>(o), args);
        case ObjectKind::kJoiner: {
          auto& j = static_cast<JoinerObject&>(o);
          if (!j.used) {
            j.used = true;
            return Value::string("");
          }
          return Value::string(j.sep);
        }
        case ObjectKind::kLoop:
          return Error{"calling loop() (recursive loops) is not supported"};
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  return Error{"'" + type_name(callee) + "' object is not callable"};
}

Result<Value> Interpreter::call_macro(const MacroObject& m, CallArgs& args) {
  if (call_depth_ >= options_.limits.max_call_depth) {
    return Error{"macro calls nested deeper than " + std::to_string(options_.limits.max_call_depth) +
                 " levels (runaway recursion?)"};
  }
  const Stmt& def = *m.def;
  const std::string& name = m.is_caller ? std::string("caller") : m.name;
  auto scope = std::make_shared<Scope>(m.closure);
  const size_t n_params = def.params.size();
  const size_t first_default = n_params - def.defaults.size();
  std::vector<bool> kw_used(args.keyword.size(), false);
  for (size_t i = 0; i < n_params; ++i) {
    const std::string& p = def.params[i];
    const Value* kw = nullptr;
    for (size_t k = 0; k < args.keyword.size(); ++k) {
      if (args.keyword[k].first == p) {
        kw = &args.keyword[k].second;
        kw_used[k] = true;
      }
    }
    if (i < args.positional.size()) {
      if (kw != nullptr) return Error{"macro '" + name + "' got multiple values for argument '" + p + "'"};
      scope->set(p, args.positional[i]);
    } else if (kw != nullptr) {
      scope->set(p, *kw);
    } else if (i >= first_default) {
      PRIMER_ASSIGN_OR_RETURN(Value d, eval(*def.defaults[i - first_default], scope));
      scope->set(p, std::move(d));
    } else {
      scope->set(p, Value::undefined("parameter '" + p + "' was not provided"));
    }
  }
  // `caller` is special: taken from the keywords when the body uses it.
  bool has_caller = false;
  if (def.uses_caller && !m.is_caller) {
    for (size_t k = 0; k < args.keyword.size(); ++k) {
      if (!kw_used[k] && args.keyword[k].first == "caller") {
        scope->set("caller", args.keyword[k].second);
        kw_used[k] = true;
        has_caller = true;
      }
    }
    if (!has_caller) scope->set("caller", Value::undefined("No caller defined"));
  }
  if (args.positional.size() > n_params) {
    if (!def.uses_varargs) {
      return Error{"macro '" + name + "' takes not more than " + std::to_string(n_params) + " argument(s)"};
    }
    scope->set("varargs",
               Value::list(std::vector<Value>(args.positional.begin() + static_cast<std::ptrdiff_t>(n_params),
                                              args.positional.end()),
                           ListFlavor::kTuple));
  } else if (def.uses_varargs) {
    scope->set("varargs", Value::list({}, ListFlavor::kTuple));
  }
  DictData extra;
  for (size_t k = 0; k < args.keyword.size(); ++k) {
    if (kw_used[k]) continue;
    if (!def.uses_kwargs)
      return Error{"macro '" + name + "' takes no keyword argument '" + args.keyword[k].first + "'"};
    extra.set(Value::string(args.keyword[k].first), args.keyword[k].second);
  }
  if (def.uses_kwargs) scope->set("kwargs", Value::dict(std::move(extra)));

  ++call_depth_;
  std::string buf;
  Status st = exec(def.body, scope, buf);
  --call_depth_;
  flow_ = Flow::kNormal;
  PRIMER_TRY(st);
  return Value::string(std::move(buf));
}

Result<Value> Interpreter::apply_filter(std::string_view name, const Value& target, CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (fn == nullptr) {
    if (jinja_has_filter(name)) return Error{"filter '" + std::string(name) + "' is not supported"};
    return Error{"No filter named '" + std::string(name) + "' found."};
  }
  return fn(*this, target, args);
}

Result<bool> Interpreter::apply_test(std::string_view name, const Value& target, CallArgs& args) {
  const TestFn fn = find_test(name);
  if (fn == nullptr) {
    if (jinja_has_test(name)) return Error{"test '" + std::string(name) + "' is not supported"};
    return Error{"No test named '" + std::string(name) + "' found."};
  }
  return fn(*this, target, args);
}

}  // namespace primer::chat
