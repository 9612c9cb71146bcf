// Template syntax tree, mirroring jinja2.nodes for the supported subset. Owned by the Program
// (unique_ptr children); the interpreter walks it read-only, so one parsed template can be
// rendered from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat/value.h"

namespace primer::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

enum class ExprKind : uint8_t {
  kConst,    // value
  kName,     // name
  kNsRef,    // name.attr as an assignment target (`set ns.attr = ...`)
  kGetattr,  // target.name
  kGetitem,  // target[args[0]]
  kSlice,    // args[0..2]: start, stop, step (each may be null)
  kCall,     // target(args..., kwargs..., *dyn_args, **dyn_kwargs)
  kFilter,   // target | name(args...); target is null inside `{% filter %}` blocks
  kTest,     // target is name(args...)
  kBinary,   // args[0] op args[1]: + - * / // % **
  kConcat,   // args joined with ~
  kCompare,  // args[0] cmp[0] args[1] cmp[1] args[2] ...
  kAnd,      // args[0] and args[1]
  kOr,
  kNot,       // not target
  kNeg,       // -target
  kPos,       // +target
  kCondExpr,  // args[1] if args[0] else args[2] (args[2] may be null)
  kList,      // [args...]
  kTuple,     // (args...)
  kDict,      // {args[0]: args[1], args[2]: args[3], ...}
};

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kConst;
  int line = 1;
  std::string name;  // kName/kNsRef name, kGetattr attribute, kFilter/kTest name
  std::string attr;  // kNsRef attribute
  Value value;       // kConst
  BinaryOp op = BinaryOp::kAdd;
  std::vector<CompareOp> compare_ops;
  ExprPtr target;
  std::vector<ExprPtr> args;  // children; null entries allowed where noted above
  std::vector<Keyword> kwargs;
  ExprPtr dyn_args;
  ExprPtr dyn_kwargs;
};

enum class StmtKind : uint8_t {
  kData,         // text
  kOutput,       // {{ expr }}
  kIf,           // if expr: body else else_body (elif chains nest an If in else_body)
  kFor,          // for target in expr [if filter]: body else else_body
  kSet,          // set target = expr
  kSetBlock,     // set target [| filter]: body
  kMacro,        // macro name(params=defaults): body
  kCallBlock,    // call(params) expr: body (the body becomes `caller`)
  kFilterBlock,  // filter filter: body
  kWith,         // with targets = values: body
  kBreak,
  kContinue,
  kScope,  // body in a new scope ({% generation %})
};

struct Stmt {
  StmtKind kind = StmtKind::kData;
  int line = 1;
  std::string text;  // kData text, kMacro name
  ExprPtr expr;      // output/if/for-iter/set value/call
  ExprPtr target;    // for/set target
  ExprPtr filter;    // for-loop condition, set-block or filter-block filter (a kFilter chain)
  StmtList body;
  StmtList else_body;
  // Macros and call blocks: parameter names, defaults for the trailing ones.
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;
  bool uses_caller = false;   // body mentions `caller`
  bool uses_varargs = false;  // body mentions `varargs`
  bool uses_kwargs = false;   // body mentions `kwargs`
  // kWith
  std::vector<ExprPtr> targets;
  std::vector<ExprPtr> values;
};

}  // namespace primer::chat
