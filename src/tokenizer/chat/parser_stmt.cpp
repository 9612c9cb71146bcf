// Parser, statements: template data, {{ }} and the tags (for, if, set, macro, call, filter,
// with, break, continue, generation, print).
#include "tokenizer/chat/parser_impl.h"

namespace primer::chat {

Result<StmtList> Parser::parse() {
  PRIMER_ASSIGN_OR_RETURN(StmtList body, subparse({}));
  if (cur().type != TokenType::kEof) return fail("unexpected " + quoted(cur()));
  return body;
}

Result<StmtList> Parser::subparse(std::vector<std::string_view> end_tokens) {
  DepthGuard guard(depth_);
  PRIMER_TRY(check_depth());
  StmtList body;
  if (!end_tokens.empty()) end_stack_.push_back(end_tokens);
  while (cur().type != TokenType::kEof) {
    const Token& t = cur();
    if (t.type == TokenType::kData) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kData;
      s->line = t.line;
      s->text = t.text;
      body.push_back(std::move(s));
      next();
    } else if (t.type == TokenType::kVariableBegin) {
      next();
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kOutput;
      s->line = t.line;
      PRIMER_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
      PRIMER_TRY(expect_type(TokenType::kVariableEnd, "end of print statement"));
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kBlockBegin) {
      next();
      if (cur().type == TokenType::kName &&
          std::find(end_tokens.begin(), end_tokens.end(), cur().text) != end_tokens.end()) {
        end_stack_.pop_back();
        return body;
      }
      PRIMER_TRY(parse_statement(body));
      PRIMER_TRY(expect_type(TokenType::kBlockEnd, "end of statement block"));
    } else {
      return fail("unexpected " + quoted(t));
    }
  }
  if (!end_tokens.empty()) {
    std::string looking;
    for (size_t i = 0; i < end_tokens.size(); ++i) {
      looking += (i ? " or '" : "'") + std::string(end_tokens[i]) + "'";
    }
    std::string msg = "Unexpected end of template. Jinja was looking for the following tags: " + looking + ".";
    if (!tag_stack_.empty()) msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    return fail(msg);
  }
  return body;
}

Result<StmtList> Parser::parse_statements(std::vector<std::string_view> end_tokens, bool drop_needle) {
  skip_op(":");
  PRIMER_TRY(expect_type(TokenType::kBlockEnd, "end of statement block"));
  PRIMER_ASSIGN_OR_RETURN(StmtList body, subparse(end_tokens));
  if (drop_needle) next();
  return body;
}

Status Parser::parse_statement(StmtList& out) {
  if (cur().type != TokenType::kName) return fail("tag name expected");
  const std::string tag = cur().text;
  const int line = cur().line;
  static constexpr std::string_view kUnsupported[] = {"block", "extends", "include", "import", "from", "autoescape"};
  for (auto u : kUnsupported) {
    if (tag == u) return fail("tag '" + tag + "' is not supported");
  }
  tag_stack_.push_back(tag);
  Status st = parse_statement_inner(tag, line, out);
  tag_stack_.pop_back();
  return st;
}

Status Parser::parse_statement_inner(const std::string& tag, int line, StmtList& out) {
  auto s = std::make_unique<Stmt>();
  s->line = line;
  if (tag == "for") {
    PRIMER_TRY(parse_for(*s));
  } else if (tag == "if") {
    PRIMER_TRY(parse_if(*s));
  } else if (tag == "set") {
    PRIMER_TRY(parse_set(*s));
  } else if (tag == "macro") {
    PRIMER_TRY(parse_macro(*s));
  } else if (tag == "call") {
    PRIMER_TRY(parse_call_block(*s));
  } else if (tag == "filter") {
    next();
    s->kind = StmtKind::kFilterBlock;
    PRIMER_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, true));
    PRIMER_ASSIGN_OR_RETURN(s->body, parse_statements({"endfilter"}, true));
  } else if (tag == "with") {
    PRIMER_TRY(parse_with(*s));
  } else if (tag == "break" || tag == "continue") {
    next();
    s->kind = tag == "break" ? StmtKind::kBreak : StmtKind::kContinue;
  } else if (tag == "generation") {
    next();
    s->kind = StmtKind::kScope;
    PRIMER_ASSIGN_OR_RETURN(s->body, parse_statements({"endgeneration"}, true));
  } else if (tag == "print") {
    next();
    bool first = true;
    while (cur().type != TokenType::kBlockEnd) {
      if (!first) PRIMER_TRY(expect_op(","));
      first = false;
      auto o = std::make_unique<Stmt>();
      o->kind = StmtKind::kOutput;
      o->line = line;
      PRIMER_ASSIGN_OR_RETURN(o->expr, parse_expression(true));
      out.push_back(std::move(o));
    }
    return ok_status();
  } else {
    return unknown_tag(tag);
  }
  out.push_back(std::move(s));
  return ok_status();
}

Error Parser::unknown_tag(const std::string& tag) {
  std::string msg = "Encountered unknown tag '" + tag + "'.";
  if (!end_stack_.empty()) {
    bool expected = false;
    for (const auto& ends : end_stack_) {
      if (std::find(ends.begin(), ends.end(), tag) != ends.end()) expected = true;
    }
    std::string looking;
    for (size_t i = 0; i < end_stack_.back().size(); ++i) {
      looking += (i ? " or '" : "'") + std::string(end_stack_.back()[i]) + "'";
    }
    if (expected) {
      msg += " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " + looking +
             ".";
    } else {
      msg += " Jinja was looking for the following tags: " + looking + ".";
    }
  }
  if (tag_stack_.size() > 1)
    msg += " The innermost block that needs to be closed is '" + tag_stack_[tag_stack_.size() - 2] + "'.";
  return fail(msg);
}

Status Parser::parse_for(Stmt& s) {
  next();
  s.kind = StmtKind::kFor;
  PRIMER_ASSIGN_OR_RETURN(s.target, parse_assign_target(true, false, {"in"}));
  if (!skip_name("in")) return fail("expected token 'in', got " + quoted(cur()));
  PRIMER_ASSIGN_OR_RETURN(s.expr, parse_tuple(false, false, {"recursive"}, false));
  if (skip_name("if")) {
    PRIMER_ASSIGN_OR_RETURN(s.filter, parse_expression(true));
  }
  if (is_name("recursive")) return fail("recursive for loops are not supported");
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"endfor", "else"}, false));
  const bool has_else = cur().text == "else";
  next();
  if (has_else) {
    PRIMER_ASSIGN_OR_RETURN(s.else_body, parse_statements({"endfor"}, true));
  }
  return ok_status();
}

Status Parser::parse_if(Stmt& s) {
  next();
  s.kind = StmtKind::kIf;
  PRIMER_ASSIGN_OR_RETURN(s.expr, parse_tuple(false, false, {}, false));
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"elif", "else", "endif"}, false));
  const std::string which = cur().text;
  const int line = cur().line;
  next();
  if (which == "elif") {
    auto elif = std::make_unique<Stmt>();
    elif->line = line;
    // parse_if expects to be on the keyword; we already consumed it, so step back one token.
    --pos_;
    PRIMER_TRY(parse_if(*elif));
    s.else_body.push_back(std::move(elif));
    return ok_status();
  }
  if (which == "else") {
    PRIMER_ASSIGN_OR_RETURN(s.else_body, parse_statements({"endif"}, true));
  }
  return ok_status();
}

Status Parser::parse_set(Stmt& s) {
  next();
  PRIMER_ASSIGN_OR_RETURN(s.target, parse_assign_target(true, true, {}));
  if (skip_op("=")) {
    s.kind = StmtKind::kSet;
    PRIMER_ASSIGN_OR_RETURN(s.expr, parse_tuple(false, true, {}, false));
    return ok_status();
  }
  s.kind = StmtKind::kSetBlock;
  if (is_op("|")) {
    PRIMER_ASSIGN_OR_RETURN(s.filter, parse_filter(nullptr, false));
  }
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"endset"}, true));
  return ok_status();
}

Status Parser::parse_signature(Stmt& s) {
  PRIMER_TRY(expect_op("("));
  while (!is_op(")")) {
    if (!s.params.empty()) PRIMER_TRY(expect_op(","));
    PRIMER_ASSIGN_OR_RETURN(std::string name, expect_name());
    if (skip_op("=")) {
      PRIMER_ASSIGN_OR_RETURN(ExprPtr d, parse_expression(true));
      s.defaults.push_back(std::move(d));
    } else if (!s.defaults.empty()) {
      return fail("non-default argument follows default argument");
    }
    s.params.push_back(std::move(name));
  }
  return expect_op(")");
}

Status Parser::parse_macro(Stmt& s) {
  next();
  s.kind = StmtKind::kMacro;
  PRIMER_ASSIGN_OR_RETURN(s.text, expect_name());
  PRIMER_TRY(parse_signature(s));
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"endmacro"}, true));
  scan_special_names(s);
  return ok_status();
}

Status Parser::parse_call_block(Stmt& s) {
  next();
  s.kind = StmtKind::kCallBlock;
  if (is_op("(")) PRIMER_TRY(parse_signature(s));
  const int line = cur().line;
  PRIMER_ASSIGN_OR_RETURN(s.expr, parse_expression(true));
  if (s.expr->kind != ExprKind::kCall) return fail_at(line, "expected call");
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"endcall"}, true));
  scan_special_names(s);
  return ok_status();
}

Status Parser::parse_with(Stmt& s) {
  next();
  s.kind = StmtKind::kWith;
  while (cur().type != TokenType::kBlockEnd) {
    if (!s.targets.empty()) PRIMER_TRY(expect_op(","));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr target, parse_assign_target(true, false, {}));
    PRIMER_TRY(expect_op("="));
    PRIMER_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
    s.targets.push_back(std::move(target));
    s.values.push_back(std::move(value));
  }
  PRIMER_ASSIGN_OR_RETURN(s.body, parse_statements({"endwith"}, true));
  return ok_status();
}

void Parser::scan_expr(const Expr* e, Stmt& s) {
  if (e == nullptr) return;
  if (e->kind == ExprKind::kName) {
    if (e->name == "caller") s.uses_caller = true;
    if (e->name == "varargs") s.uses_varargs = true;
    if (e->name == "kwargs") s.uses_kwargs = true;
  }
  scan_expr(e->target.get(), s);
  for (const auto& a : e->args) scan_expr(a.get(), s);
  for (const auto& k : e->kwargs) scan_expr(k.value.get(), s);
  scan_expr(e->dyn_args.get(), s);
  scan_expr(e->dyn_kwargs.get(), s);
}

void Parser::scan_stmts(const StmtList& body, Stmt& s) {
  for (const auto& st : body) {
    scan_expr(st->expr.get(), s);
    scan_expr(st->target.get(), s);
    scan_expr(st->filter.get(), s);
    for (const auto& d : st->defaults) scan_expr(d.get(), s);
    for (const auto& v : st->values) scan_expr(v.get(), s);
    scan_stmts(st->body, s);
    scan_stmts(st->else_body, s);
  }
}

}  // namespace primer::chat
