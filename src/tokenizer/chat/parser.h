// Parser: tokens -> statement list, following jinja2's grammar and operator precedence
// (lowest first): `x if c else y`, or, and, not, comparisons/in, + -, ~, * / // %, **, unary -,
// then postfix . [] () and filters `|f` / tests `is t` (which bind tighter than any binary
// operator: `a + b|length` is `a + (b|length)`).
//
// Like jinja2's compiler, a filter or test name jinja2 does not define is an error at parse time
// unless it sits inside an `if` or a conditional expression (where jinja2 defers the error to
// the moment it runs). Tags jinja2 knows but this engine does not support (extends, block,
// include, import, from, autoescape, recursive loops) are parse errors that name the tag.
#pragma once

#include <string_view>

#include "primer/error.h"
#include "tokenizer/chat/ast.h"

namespace primer::chat {

// Nesting limit for expressions and blocks, so hostile input cannot exhaust the stack.
inline constexpr int kMaxParseDepth = 256;

Result<StmtList> parse_template(std::string_view source);

// jinja2's built-in filter and test names (whether or not this engine implements them).
bool jinja_has_filter(std::string_view name);
bool jinja_has_test(std::string_view name);

}  // namespace primer::chat
