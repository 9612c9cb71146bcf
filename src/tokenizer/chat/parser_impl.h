// Internal: the recursive-descent Parser shared by parser.cpp (entry point and name checks),
// parser_stmt.cpp (statements/tags) and parser_expr.cpp (expressions). Mirrors jinja2's
// parser.py method for method so precedence and error wording follow it.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "primer/error.h"
#include "tokenizer/chat/ast.h"
#include "tokenizer/chat/lexer.h"
#include "tokenizer/chat/parser.h"

namespace primer::chat {

// How jinja2 names a token in messages ("end of print statement", "'+'").
inline std::string describe(const Token& t) {
  switch (t.type) {
    case TokenType::kData:
      return "template data / text";
    case TokenType::kVariableBegin:
      return "begin of print statement";
    case TokenType::kVariableEnd:
      return "end of print statement";
    case TokenType::kBlockBegin:
      return "begin of statement block";
    case TokenType::kBlockEnd:
      return "end of statement block";
    case TokenType::kName:
      return t.text;
    case TokenType::kString:
      return "string";
    case TokenType::kInteger:
      return "integer";
    case TokenType::kFloat:
      return "float";
    case TokenType::kOperator:
      return t.text;
    case TokenType::kEof:
      return "end of template";
  }
  return "token";
}

inline ExprPtr make_expr(ExprKind kind, int line) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  return e;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Result<StmtList> parse();

 private:
  // --- token stream --------------------------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& look() const { return toks_[std::min(pos_ + 1, toks_.size() - 1)]; }
  void next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(std::string_view op) const { return cur().type == TokenType::kOperator && cur().text == op; }
  bool is_name(std::string_view name) const { return cur().type == TokenType::kName && cur().text == name; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }
  static std::string quoted(const Token& t) { return "'" + describe(t) + "'"; }

  Error fail(const std::string& msg) const { return template_error(cur().line, msg); }
  Error fail_at(int line, const std::string& msg) const { return template_error(line, msg); }

  Status expect_op(std::string_view op);
  Status expect_type(TokenType type, const char* what);
  Result<std::string> expect_name();

  // Depth guard shared by statements and expressions.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  // Left-nested chains (a + b + c, x|f|g, a.b.c, f()()) nest the tree one level per link
  // without recursing in the parser; each link counts towards the depth limit.
  struct ChainGuard {
    explicit ChainGuard(int& d) : depth(d) {}
    ~ChainGuard() { depth -= added; }
    int& depth;
    int added = 0;
  };
  Status add_link(ChainGuard& chain) const {
    ++chain.depth;
    ++chain.added;
    return check_depth();
  }
  Status check_depth() const {
    if (depth_ > kMaxParseDepth)
      return fail("template nested too deeply (limit " + std::to_string(kMaxParseDepth) + ")");
    return ok_status();
  }

  // --- statements ----------------------------------------------------------------------------
  // Parses until a block whose tag name is in `end_tokens` (left current) or the end.
  Result<StmtList> subparse(std::vector<std::string_view> end_tokens);

  // Body of a block statement: optional ':' then '%}' then statements up to an end tag.
  Result<StmtList> parse_statements(std::vector<std::string_view> end_tokens, bool drop_needle);

  Status parse_statement(StmtList& out);

  Status parse_statement_inner(const std::string& tag, int line, StmtList& out);

  Error unknown_tag(const std::string& tag);

  Status parse_for(Stmt& s);

  Status parse_if(Stmt& s);

  Status parse_set(Stmt& s);

  Status parse_signature(Stmt& s);

  Status parse_macro(Stmt& s);

  Status parse_call_block(Stmt& s);

  Status parse_with(Stmt& s);

  // Records whether a macro/call body mentions caller, varargs or kwargs (jinja2 only passes
  // extra arguments to macros that use them).
  static void scan_expr(const Expr* e, Stmt& s);
  static void scan_stmts(const StmtList& body, Stmt& s);
  static void scan_special_names(Stmt& s) { scan_stmts(s.body, s); }

  // --- expressions ---------------------------------------------------------------------------
  bool is_tuple_end(const std::vector<std::string_view>& extra_end) const;

  Result<ExprPtr> parse_assign_target(bool with_tuple, bool with_namespace,
                                      const std::vector<std::string_view>& extra_end);

  Result<ExprPtr> parse_expression(bool with_condexpr);

  Result<ExprPtr> parse_condexpr();

  Result<ExprPtr> parse_or();

  Result<ExprPtr> parse_and();

  Result<ExprPtr> parse_not();

  Result<ExprPtr> parse_compare();

  Result<ExprPtr> binary(ExprPtr left, ExprPtr right, BinaryOp op, int line);

  Result<ExprPtr> parse_math1();

  Result<ExprPtr> parse_concat();

  Result<ExprPtr> parse_math2();

  Result<ExprPtr> parse_pow();

  Result<ExprPtr> parse_unary(bool with_filter);

  Result<ExprPtr> parse_primary(bool with_namespace);

  Result<ExprPtr> parse_tuple(bool simplified, bool with_condexpr, const std::vector<std::string_view>& extra_end,
                              bool explicit_parens, bool with_namespace = false);

  Result<ExprPtr> parse_list();

  Result<ExprPtr> parse_dict();

  Result<ExprPtr> parse_postfix(ExprPtr node);

  Result<ExprPtr> parse_filter_expr(ExprPtr node);

  Result<ExprPtr> parse_subscript(ExprPtr node);

  Result<ExprPtr> parse_subscribed();

  // Fills args/kwargs/dyn_args/dyn_kwargs of `e` from "(...)".
  Status parse_call_args(Expr& e);

  Result<ExprPtr> parse_call(ExprPtr node);

  Result<std::string> parse_dotted_name();

  Result<ExprPtr> parse_filter(ExprPtr node, bool start_inline);

  Result<ExprPtr> parse_test(ExprPtr node);

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::string> tag_stack_;
  std::vector<std::vector<std::string_view>> end_stack_;
};

}  // namespace primer::chat
