// Parser, expressions: the precedence ladder, literals, subscripts, calls, filters and tests.
#include "tokenizer/chat/parser_impl.h"

namespace primer::chat {

Status Parser::expect_op(std::string_view op) {
  if (skip_op(op)) return ok_status();
  if (cur().type == TokenType::kEof) return fail("unexpected end of template, expected '" + std::string(op) + "'.");
  return fail("expected token '" + std::string(op) + "', got " + quoted(cur()));
}

Status Parser::expect_type(TokenType type, const char* what) {
  if (cur().type == type) {
    next();
    return ok_status();
  }
  if (cur().type == TokenType::kEof) return fail(std::string("unexpected end of template, expected '") + what + "'.");
  return fail(std::string("expected token '") + what + "', got " + quoted(cur()));
}

Result<std::string> Parser::expect_name() {
  if (cur().type != TokenType::kName) {
    if (cur().type == TokenType::kEof) return fail("unexpected end of template, expected 'name'.");
    return fail("expected token 'name', got " + quoted(cur()));
  }
  std::string n = cur().text;
  next();
  return n;
}

bool Parser::is_tuple_end(const std::vector<std::string_view>& extra_end) const {
  const Token& t = cur();
  if (t.type == TokenType::kVariableEnd || t.type == TokenType::kBlockEnd || is_op(")")) return true;
  if (t.type == TokenType::kEof) return true;
  if (t.type == TokenType::kName) {
    return std::find(extra_end.begin(), extra_end.end(), t.text) != extra_end.end();
  }
  return false;
}

Result<ExprPtr> Parser::parse_assign_target(bool with_tuple, bool with_namespace,
                                            const std::vector<std::string_view>& extra_end) {
  const int line = cur().line;
  ExprPtr target;
  if (with_tuple) {
    PRIMER_ASSIGN_OR_RETURN(target, parse_tuple(true, true, extra_end, false, with_namespace));
  } else {
    PRIMER_ASSIGN_OR_RETURN(target, parse_primary(with_namespace));
  }
  auto can_assign = [](const Expr& e) {
    if (e.kind == ExprKind::kName) {
      return e.name != "true" && e.name != "false" && e.name != "none" && e.name != "True" && e.name != "False" &&
             e.name != "None";
    }
    return e.kind == ExprKind::kNsRef;
  };
  bool ok = can_assign(*target);
  if (target->kind == ExprKind::kTuple) {
    ok = true;
    for (const auto& a : target->args) ok = ok && a->kind == ExprKind::kName && can_assign(*a);
  }
  if (!ok) {
    std::string what = target->kind == ExprKind::kConst ? "const" : "expression";
    return fail_at(line, "can't assign to '" + what + "'");
  }
  return target;
}

Result<ExprPtr> Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  if (with_condexpr) return parse_condexpr();
  return parse_or();
}

Result<ExprPtr> Parser::parse_condexpr() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr expr1, parse_or());
  while (skip_name("if")) {
    PRIMER_TRY(add_link(chain));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr test, parse_or());
    ExprPtr expr3;
    if (skip_name("else")) {
      PRIMER_ASSIGN_OR_RETURN(expr3, parse_condexpr());
    }
    auto c = make_expr(ExprKind::kCondExpr, line);
    c->args.push_back(std::move(test));
    c->args.push_back(std::move(expr1));
    c->args.push_back(std::move(expr3));
    expr1 = std::move(c);
    line = cur().line;
  }
  return expr1;
}

Result<ExprPtr> Parser::parse_or() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
  while (skip_name("or")) {
    PRIMER_TRY(add_link(chain));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
    auto e = make_expr(ExprKind::kOr, line);
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    left = std::move(e);
    line = cur().line;
  }
  return left;
}

Result<ExprPtr> Parser::parse_and() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
  while (skip_name("and")) {
    PRIMER_TRY(add_link(chain));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
    auto e = make_expr(ExprKind::kAnd, line);
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    left = std::move(e);
    line = cur().line;
  }
  return left;
}

Result<ExprPtr> Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(depth_);
    PRIMER_TRY(check_depth());
    const int line = cur().line;
    next();
    PRIMER_ASSIGN_OR_RETURN(ExprPtr inner, parse_not());
    auto e = make_expr(ExprKind::kNot, line);
    e->target = std::move(inner);
    return e;
  }
  return parse_compare();
}

Result<ExprPtr> Parser::parse_compare() {
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr expr, parse_math1());
  ExprPtr cmp;
  while (true) {
    CompareOp op;
    if (is_op("=="))
      op = CompareOp::kEq;
    else if (is_op("!="))
      op = CompareOp::kNe;
    else if (is_op("<"))
      op = CompareOp::kLt;
    else if (is_op("<="))
      op = CompareOp::kLe;
    else if (is_op(">"))
      op = CompareOp::kGt;
    else if (is_op(">="))
      op = CompareOp::kGe;
    else if (is_name("in"))
      op = CompareOp::kIn;
    else if (is_name("not") && look().type == TokenType::kName && look().text == "in") {
      op = CompareOp::kNotIn;
      next();
    } else {
      break;
    }
    next();
    if (!cmp) {
      cmp = make_expr(ExprKind::kCompare, line);
      cmp->args.push_back(std::move(expr));
    }
    PRIMER_ASSIGN_OR_RETURN(ExprPtr operand, parse_math1());
    cmp->compare_ops.push_back(op);
    cmp->args.push_back(std::move(operand));
    line = cur().line;
  }
  if (cmp) return cmp;
  return expr;
}

Result<ExprPtr> Parser::binary(ExprPtr left, ExprPtr right, BinaryOp op, int line) {
  auto e = make_expr(ExprKind::kBinary, line);
  e->op = op;
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return e;
}

Result<ExprPtr> Parser::parse_math1() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
  while (is_op("+") || is_op("-")) {
    PRIMER_TRY(add_link(chain));
    const BinaryOp op = is_op("+") ? BinaryOp::kAdd : BinaryOp::kSub;
    next();
    PRIMER_ASSIGN_OR_RETURN(ExprPtr right, parse_concat());
    PRIMER_ASSIGN_OR_RETURN(left, binary(std::move(left), std::move(right), op, line));
    line = cur().line;
  }
  return left;
}

Result<ExprPtr> Parser::parse_concat() {
  const int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
  if (!is_op("~")) return first;
  auto e = make_expr(ExprKind::kConcat, line);
  e->args.push_back(std::move(first));
  while (skip_op("~")) {
    PRIMER_ASSIGN_OR_RETURN(ExprPtr next_arg, parse_math2());
    e->args.push_back(std::move(next_arg));
  }
  return e;
}

Result<ExprPtr> Parser::parse_math2() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    PRIMER_TRY(add_link(chain));
    const BinaryOp op = is_op("*")    ? BinaryOp::kMul
                        : is_op("/")  ? BinaryOp::kDiv
                        : is_op("//") ? BinaryOp::kFloorDiv
                                      : BinaryOp::kMod;
    next();
    PRIMER_ASSIGN_OR_RETURN(ExprPtr right, parse_pow());
    PRIMER_ASSIGN_OR_RETURN(left, binary(std::move(left), std::move(right), op, line));
    line = cur().line;
  }
  return left;
}

Result<ExprPtr> Parser::parse_pow() {
  ChainGuard chain(depth_);
  int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(ExprPtr left, parse_unary(true));
  while (skip_op("**")) {
    PRIMER_TRY(add_link(chain));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr right, parse_unary(true));
    PRIMER_ASSIGN_OR_RETURN(left, binary(std::move(left), std::move(right), BinaryOp::kPow, line));
    line = cur().line;
  }
  return left;
}

Result<ExprPtr> Parser::parse_unary(bool with_filter) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  const int line = cur().line;
  ExprPtr node;
  if (is_op("-") || is_op("+")) {
    const bool neg = is_op("-");
    next();
    PRIMER_ASSIGN_OR_RETURN(ExprPtr inner, parse_unary(false));
    node = make_expr(neg ? ExprKind::kNeg : ExprKind::kPos, line);
    node->target = std::move(inner);
  } else {
    PRIMER_ASSIGN_OR_RETURN(node, parse_primary(false));
  }
  PRIMER_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
  if (with_filter) {
    PRIMER_ASSIGN_OR_RETURN(node, parse_filter_expr(std::move(node)));
  }
  return node;
}

Result<ExprPtr> Parser::parse_primary(bool with_namespace) {
  const Token& t = cur();
  const int line = t.line;
  if (t.type == TokenType::kName) {
    const std::string name = t.text;
    next();
    if (name == "true" || name == "True" || name == "false" || name == "False") {
      auto e = make_expr(ExprKind::kConst, line);
      e->value = Value::boolean(name == "true" || name == "True");
      return e;
    }
    if (name == "none" || name == "None") {
      auto e = make_expr(ExprKind::kConst, line);
      e->value = Value::none();
      return e;
    }
    if (with_namespace && is_op(".")) {
      next();
      PRIMER_ASSIGN_OR_RETURN(std::string attr, expect_name());
      auto e = make_expr(ExprKind::kNsRef, line);
      e->name = name;
      e->attr = std::move(attr);
      return e;
    }
    auto e = make_expr(ExprKind::kName, line);
    e->name = name;
    return e;
  }
  if (t.type == TokenType::kString) {
    std::string s;
    while (cur().type == TokenType::kString) {
      s += cur().text;
      next();
    }
    auto e = make_expr(ExprKind::kConst, line);
    e->value = Value::string(std::move(s));
    return e;
  }
  if (t.type == TokenType::kInteger || t.type == TokenType::kFloat) {
    auto e = make_expr(ExprKind::kConst, line);
    e->value = t.type == TokenType::kInteger ? Value::integer(t.int_value) : Value::number(t.float_value);
    next();
    return e;
  }
  if (is_op("(")) {
    next();
    PRIMER_ASSIGN_OR_RETURN(ExprPtr e, parse_tuple(false, true, {}, true));
    PRIMER_TRY(expect_op(")"));
    return e;
  }
  if (is_op("[")) return parse_list();
  if (is_op("{")) return parse_dict();
  if (t.type == TokenType::kEof) return fail("unexpected end of template");
  return fail("unexpected " + quoted(t));
}

Result<ExprPtr> Parser::parse_tuple(bool simplified, bool with_condexpr, const std::vector<std::string_view>& extra_end,
                                    bool explicit_parens, bool with_namespace) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  int line = cur().line;
  std::vector<ExprPtr> args;
  bool is_tuple = false;
  while (true) {
    if (!args.empty()) PRIMER_TRY(expect_op(","));
    if (is_tuple_end(extra_end)) break;
    ExprPtr item;
    if (simplified) {
      PRIMER_ASSIGN_OR_RETURN(item, parse_primary(with_namespace));
    } else {
      PRIMER_ASSIGN_OR_RETURN(item, parse_expression(with_condexpr));
    }
    args.push_back(std::move(item));
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
    line = cur().line;
  }
  if (!is_tuple) {
    if (!args.empty()) return std::move(args[0]);
    if (!explicit_parens) {
      if (cur().type == TokenType::kEof) return fail("unexpected end of template");
      return fail("Expected an expression, got " + quoted(cur()));
    }
  }
  auto e = make_expr(ExprKind::kTuple, line);
  e->args = std::move(args);
  return e;
}

Result<ExprPtr> Parser::parse_list() {
  auto e = make_expr(ExprKind::kList, cur().line);
  PRIMER_TRY(expect_op("["));
  while (!is_op("]")) {
    if (!e->args.empty()) PRIMER_TRY(expect_op(","));
    if (is_op("]")) break;
    PRIMER_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(true));
    e->args.push_back(std::move(item));
  }
  PRIMER_TRY(expect_op("]"));
  return e;
}

Result<ExprPtr> Parser::parse_dict() {
  auto e = make_expr(ExprKind::kDict, cur().line);
  PRIMER_TRY(expect_op("{"));
  while (!is_op("}")) {
    if (!e->args.empty()) PRIMER_TRY(expect_op(","));
    if (is_op("}")) break;
    PRIMER_ASSIGN_OR_RETURN(ExprPtr key, parse_expression(true));
    PRIMER_TRY(expect_op(":"));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
    e->args.push_back(std::move(key));
    e->args.push_back(std::move(value));
  }
  PRIMER_TRY(expect_op("}"));
  return e;
}

Result<ExprPtr> Parser::parse_postfix(ExprPtr node) {
  ChainGuard chain(depth_);
  while (true) {
    PRIMER_TRY(add_link(chain));
    if (is_op(".") || is_op("[")) {
      PRIMER_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
    } else if (is_op("(")) {
      PRIMER_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      break;
    }
  }
  return node;
}

Result<ExprPtr> Parser::parse_filter_expr(ExprPtr node) {
  ChainGuard chain(depth_);
  while (true) {
    PRIMER_TRY(add_link(chain));
    if (is_op("|")) {
      PRIMER_ASSIGN_OR_RETURN(node, parse_filter(std::move(node), false));
    } else if (is_name("is")) {
      PRIMER_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
    } else if (is_op("(")) {
      PRIMER_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      break;
    }
  }
  return node;
}

Result<ExprPtr> Parser::parse_subscript(ExprPtr node) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  const int line = cur().line;
  if (skip_op(".")) {
    const Token& attr = cur();
    if (attr.type == TokenType::kName) {
      auto e = make_expr(ExprKind::kGetattr, line);
      e->target = std::move(node);
      e->name = attr.text;
      next();
      return e;
    }
    if (attr.type != TokenType::kInteger) return fail_at(attr.line, "expected name or number");
    auto idx = make_expr(ExprKind::kConst, attr.line);
    idx->value = Value::integer(attr.int_value);
    next();
    auto e = make_expr(ExprKind::kGetitem, line);
    e->target = std::move(node);
    e->args.push_back(std::move(idx));
    return e;
  }
  PRIMER_TRY(expect_op("["));
  std::vector<ExprPtr> args;
  while (!is_op("]")) {
    if (!args.empty()) PRIMER_TRY(expect_op(","));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr a, parse_subscribed());
    args.push_back(std::move(a));
    if (cur().type == TokenType::kEof) return fail("unexpected end of template");
  }
  PRIMER_TRY(expect_op("]"));
  auto e = make_expr(ExprKind::kGetitem, line);
  e->target = std::move(node);
  if (args.size() == 1) {
    e->args.push_back(std::move(args[0]));
  } else {
    auto t = make_expr(ExprKind::kTuple, line);
    t->args = std::move(args);
    e->args.push_back(std::move(t));
  }
  return e;
}

Result<ExprPtr> Parser::parse_subscribed() {
  const int line = cur().line;
  std::vector<ExprPtr> parts;
  if (skip_op(":")) {
    parts.push_back(nullptr);
  } else {
    PRIMER_ASSIGN_OR_RETURN(ExprPtr node, parse_expression(true));
    if (!is_op(":")) return node;
    next();
    parts.push_back(std::move(node));
  }
  if (is_op(":")) {
    parts.push_back(nullptr);
  } else if (!is_op("]") && !is_op(",")) {
    PRIMER_ASSIGN_OR_RETURN(ExprPtr stop, parse_expression(true));
    parts.push_back(std::move(stop));
  } else {
    parts.push_back(nullptr);
  }
  if (skip_op(":")) {
    if (!is_op("]") && !is_op(",")) {
      PRIMER_ASSIGN_OR_RETURN(ExprPtr step, parse_expression(true));
      parts.push_back(std::move(step));
    } else {
      parts.push_back(nullptr);
    }
  } else {
    parts.push_back(nullptr);
  }
  auto e = make_expr(ExprKind::kSlice, line);
  e->args = std::move(parts);
  return e;
}

Status Parser::parse_call_args(Expr& e) {
  const int line = cur().line;
  PRIMER_TRY(expect_op("("));
  bool require_comma = false;
  auto ensure = [&](bool cond) -> Status {
    if (!cond) return fail_at(line, "invalid syntax for function call expression");
    return ok_status();
  };
  while (!is_op(")")) {
    if (cur().type == TokenType::kEof) return fail("unexpected end of template");
    if (require_comma) {
      PRIMER_TRY(expect_op(","));
      if (is_op(")")) break;
    }
    if (is_op("*")) {
      PRIMER_TRY(ensure(!e.dyn_args && !e.dyn_kwargs));
      next();
      PRIMER_ASSIGN_OR_RETURN(e.dyn_args, parse_expression(true));
    } else if (is_op("**")) {
      PRIMER_TRY(ensure(!e.dyn_kwargs));
      next();
      PRIMER_ASSIGN_OR_RETURN(e.dyn_kwargs, parse_expression(true));
    } else if (cur().type == TokenType::kName && look().type == TokenType::kOperator && look().text == "=") {
      PRIMER_TRY(ensure(!e.dyn_kwargs));
      std::string key = cur().text;
      next();
      next();
      PRIMER_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
      e.kwargs.push_back(Keyword{std::move(key), std::move(value)});
    } else {
      PRIMER_TRY(ensure(!e.dyn_args && !e.dyn_kwargs && e.kwargs.empty()));
      PRIMER_ASSIGN_OR_RETURN(ExprPtr arg, parse_expression(true));
      e.args.push_back(std::move(arg));
    }
    require_comma = true;
  }
  return expect_op(")");
}

Result<ExprPtr> Parser::parse_call(ExprPtr node) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  auto e = make_expr(ExprKind::kCall, cur().line);
  e->target = std::move(node);
  PRIMER_TRY(parse_call_args(*e));
  return e;
}

Result<std::string> Parser::parse_dotted_name() {
  PRIMER_ASSIGN_OR_RETURN(std::string name, expect_name());
  while (skip_op(".")) {
    PRIMER_ASSIGN_OR_RETURN(std::string part, expect_name());
    name += "." + part;
  }
  return name;
}

Result<ExprPtr> Parser::parse_filter(ExprPtr node, bool start_inline) {
  ChainGuard chain(depth_);
  while (is_op("|") || start_inline) {
    PRIMER_TRY(add_link(chain));
    DepthGuard guard(depth_);
    PRIMER_TRY(check_depth());
    if (!start_inline) next();
    const int line = cur().line;
    PRIMER_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
    auto e = make_expr(ExprKind::kFilter, line);
    e->name = std::move(name);
    e->target = std::move(node);
    if (is_op("(")) PRIMER_TRY(parse_call_args(*e));
    node = std::move(e);
    start_inline = false;
  }
  return node;
}

Result<ExprPtr> Parser::parse_test(ExprPtr node) {
  const int line = cur().line;
  next();  // 'is'
  const bool negated = skip_name("not");
  PRIMER_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
  auto e = make_expr(ExprKind::kTest, line);
  e->name = std::move(name);
  e->target = std::move(node);
  if (is_op("(")) {
    PRIMER_TRY(parse_call_args(*e));
  } else {
    const Token& t = cur();
    const bool starts_arg = t.type == TokenType::kName || t.type == TokenType::kString ||
                            t.type == TokenType::kInteger || t.type == TokenType::kFloat || is_op("(") || is_op("[") ||
                            is_op("{");
    if (starts_arg && !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) return fail("You cannot chain multiple tests with is");
      PRIMER_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary(false));
      PRIMER_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
      e->args.push_back(std::move(arg));
    }
  }
  if (!negated) return e;
  auto n = make_expr(ExprKind::kNot, line);
  n->target = std::move(e);
  return n;
}

}  // namespace primer::chat
