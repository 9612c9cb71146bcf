// Parser entry point: tokens -> Parser (parser_stmt.cpp, parser_expr.cpp) -> name checks.
#include "tokenizer/chat/parser.h"

#include <algorithm>
#include <array>

#include "tokenizer/chat/parser_impl.h"

namespace primer::chat {

namespace {

constexpr std::array<std::string_view, 54> kJinjaFilters = {
    "abs",    "attr",       "batch",       "capitalize", "center",   "count",
    "d",      "default",    "dictsort",    "e",          "escape",   "filesizeformat",
    "first",  "float",      "forceescape", "format",     "groupby",  "indent",
    "int",    "items",      "join",        "last",       "length",   "list",
    "lower",  "map",        "max",         "min",        "pprint",   "random",
    "reject", "rejectattr", "replace",     "reverse",    "round",    "safe",
    "select", "selectattr", "slice",       "sort",       "string",   "striptags",
    "sum",    "title",      "tojson",      "trim",       "truncate", "unique",
    "upper",  "urlencode",  "urlize",      "wordcount",  "wordwrap", "xmlattr",
};

constexpr std::array<std::string_view, 39> kJinjaTests = {
    "!=",       "<",           "<=",          "==",      ">",       ">=",        "boolean",  "callable",
    "defined",  "divisibleby", "eq",          "equalto", "escaped", "even",      "false",    "filter",
    "float",    "ge",          "greaterthan", "gt",      "in",      "integer",   "iterable", "le",
    "lessthan", "lower",       "lt",          "mapping", "ne",      "none",      "number",   "odd",
    "sameas",   "sequence",    "string",      "test",    "true",    "undefined", "upper",
};

// jinja2 rejects unknown filter/test names at compile time, except inside `if` statements and
// conditional expressions ("soft" frames), where the error waits until the code runs.
Status check_names_expr(const Expr* e, bool soft) {
  if (e == nullptr) return ok_status();
  if (e->kind == ExprKind::kCondExpr) soft = true;
  if (!soft && e->kind == ExprKind::kFilter && !jinja_has_filter(e->name)) {
    return template_error(e->line, "No filter named '" + e->name + "'.");
  }
  if (!soft && e->kind == ExprKind::kTest && !jinja_has_test(e->name)) {
    return template_error(e->line, "No test named '" + e->name + "'.");
  }
  PRIMER_TRY(check_names_expr(e->target.get(), soft));
  for (const auto& a : e->args) PRIMER_TRY(check_names_expr(a.get(), soft));
  for (const auto& k : e->kwargs) PRIMER_TRY(check_names_expr(k.value.get(), soft));
  PRIMER_TRY(check_names_expr(e->dyn_args.get(), soft));
  return check_names_expr(e->dyn_kwargs.get(), soft);
}

Status check_names(const StmtList& body, bool soft) {
  for (const auto& s : body) {
    switch (s->kind) {
      case StmtKind::kIf:
        PRIMER_TRY(check_names_expr(s->expr.get(), true));
        PRIMER_TRY(check_names(s->body, true));
        PRIMER_TRY(check_names(s->else_body, true));
        break;
      case StmtKind::kFor:
        PRIMER_TRY(check_names_expr(s->expr.get(), soft));
        PRIMER_TRY(check_names_expr(s->filter.get(), false));
        PRIMER_TRY(check_names(s->body, false));
        PRIMER_TRY(check_names(s->else_body, false));
        break;
      case StmtKind::kMacro:
      case StmtKind::kCallBlock:
        for (const auto& d : s->defaults) PRIMER_TRY(check_names_expr(d.get(), false));
        PRIMER_TRY(check_names_expr(s->expr.get(), soft));
        PRIMER_TRY(check_names(s->body, false));
        break;
      case StmtKind::kWith:
        for (const auto& v : s->values) PRIMER_TRY(check_names_expr(v.get(), soft));
        PRIMER_TRY(check_names(s->body, false));
        break;
      default:
        PRIMER_TRY(check_names_expr(s->expr.get(), soft));
        PRIMER_TRY(check_names_expr(s->target.get(), soft));
        PRIMER_TRY(check_names_expr(s->filter.get(), soft));
        PRIMER_TRY(check_names(s->body, false));
        break;
    }
  }
  return ok_status();
}

}  // namespace

bool jinja_has_filter(std::string_view name) {
  return std::find(kJinjaFilters.begin(), kJinjaFilters.end(), name) != kJinjaFilters.end();
}

bool jinja_has_test(std::string_view name) {
  return std::find(kJinjaTests.begin(), kJinjaTests.end(), name) != kJinjaTests.end();
}

Result<StmtList> parse_template(std::string_view source) {
  PRIMER_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source));
  Parser parser(std::move(tokens));
  PRIMER_ASSIGN_OR_RETURN(StmtList body, parser.parse());
  PRIMER_TRY(check_names(body, false));
  return body;
}

}  // namespace primer::chat
