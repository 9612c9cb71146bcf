// Attribute/item access, slicing, iteration and len() with jinja2's sandbox semantics:
//   obj.name    Python attribute first (dict.items, str.upper... become bound methods), then
//               obj["name"]; missing -> an Undefined ("'dict object' has no attribute 'x'").
//   obj[key]    item first, then (for string keys) the attribute; missing -> Undefined.
//   Undefined.x and Undefined[k] raise the Undefined's message, as jinja2 does.
//   Mutating methods (list.append, dict.pop, ...) and _private names resolve to an Undefined that
//   raises "access to attribute 'append' of 'list' object is unsafe." when called.
#pragma once

#include <string>
#include <vector>

#include "primer/error.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

Result<Value> get_attr(const Value& obj, const std::string& name);
Result<Value> get_item(const Value& obj, const Value& key);
// obj[start:stop:step]; null pointers stand for omitted parts.
Result<Value> get_slice(const Value& obj, const Value* start, const Value* stop, const Value* step);

// Materializes an iterable: list items, dict keys, string characters; generators are consumed.
// Undefined iterates as empty. Non-iterables fail ("'int' object is not iterable").
Result<std::vector<Value>> iterate(const Value& v);
// len(v); fails for generators and scalars ("object of type 'int' has no len()").
Result<int64_t> py_len(const Value& v);

// Characters of a string as one-character strings (code points).
std::vector<Value> string_chars(const Value& s);

}  // namespace primer::chat
