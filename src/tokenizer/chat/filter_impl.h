// Internal: the filter and test functions registered in filters.cpp, grouped by file, and the
// helpers they share.
#pragma once

#include <optional>

#include "tokenizer/chat/filters.h"
#include "tokenizer/chat/interpreter.h"

namespace primer::chat {

// jinja2's soft_str: strings (and Markup) unchanged, anything else str()'d.
Result<Value> soft_str(const Value& v);
// Lower-cases strings (for case-insensitive comparisons); other values unchanged.
Value ignore_case(const Value& v);
// jinja2's make_attrgetter: "a.b.0" looked up item-first on each part; an Undefined result is
// replaced by `default_value` when one is given.
Result<Value> lookup_attribute(const Value& item, const Value& attribute, const Value* default_value);
// The value as an int argument ("'str' object cannot be interpreted as an integer").
Result<int64_t> int_param(const Value& v, std::string_view what);
Value make_generator(std::vector<Value> items);
// Fails with "<kind> '<name>' takes no arguments" when any argument was passed.
Status no_args(const CallArgs& args, const char* name, const char* kind = "filter");

// filters_text.cpp
Result<Value> filter_capitalize(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_center(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_escape(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_forceescape(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_format(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_indent(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_lower(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_replace(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_safe(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_string(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_title(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_trim(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_truncate(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_upper(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_wordcount(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_tojson(Interpreter&, const Value&, CallArgs&);

// filters_seq.cpp
Result<Value> filter_batch(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_dictsort(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_first(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_items(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_join(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_last(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_length(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_list(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_map(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_max(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_min(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_reject(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_rejectattr(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_reverse(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_select(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_selectattr(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_slice(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_sort(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_sum(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_unique(Interpreter&, const Value&, CallArgs&);

// filters.cpp (numbers and misc)
Result<Value> filter_abs(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_attr(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_default(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_float(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_int(Interpreter&, const Value&, CallArgs&);
Result<Value> filter_round(Interpreter&, const Value&, CallArgs&);

}  // namespace primer::chat
