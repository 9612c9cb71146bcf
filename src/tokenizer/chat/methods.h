// Python methods templates call on values: str (strip, split, startswith, format, ...),
// dict (get, items, keys, values), list/tuple (index, count), loop (cycle, changed) and
// cycler (next, reset). Names Python defines but this engine does not implement fail with
// "method 'str.encode' is not supported" when called.
#pragma once

#include <string_view>

#include "primer/error.h"
#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

class Interpreter;

// Whether Python's type of `receiver` has a method (or attribute) called `name`.
bool has_method(const Value& receiver, std::string_view name);
// Methods the ImmutableSandboxedEnvironment refuses (they mutate a list or dict).
bool is_mutating_method(const Value& receiver, std::string_view name);

Result<Value> call_method(Interpreter& interp, const BoundMethod& method, CallArgs& args);

// str.format(*args, **kwargs) with Python's format-spec mini-language (fill, align, sign, width,
// precision, types s d f e g x o b %).
Result<Value> str_format(const Value& fmt, const CallArgs& args);

}  // namespace primer::chat
