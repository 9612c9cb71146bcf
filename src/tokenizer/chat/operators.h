// Python semantics of the template operators: arithmetic, comparison, `in`, and printf-style
// `%` formatting. Errors are bare messages worded like Python's TypeError/ZeroDivisionError
// ("can only concatenate str (not \"NoneType\") to str"); Undefined operands raise their own
// UndefinedError message.
#pragma once

#include "primer/chat_template.h"
#include "primer/error.h"
#include "tokenizer/chat/ast.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

Result<Value> binary_op(BinaryOp op, const Value& a, const Value& b, const TemplateLimits& limits);
Result<Value> negate(const Value& v);
Result<Value> unary_plus(const Value& v);

Result<bool> compare_op(CompareOp op, const Value& a, const Value& b);
// `item in container`.
Result<bool> contains(const Value& container, const Value& item);
// Three-way comparison for sorting (a < b: -1). TypeError when Python could not order them.
Result<int> py_cmp(const Value& a, const Value& b);

// printf-style `fmt % args` (args: a tuple for several values). Supports %s %r %d %i %f %e %g
// %x %o %c %% with flags, width and precision.
Result<Value> percent_format(const Value& fmt, const Value& args);

// Error for an operation on an Undefined: its jinja2 message ("'x' is undefined").
Error undefined_error(const Value& v);

}  // namespace primer::chat
