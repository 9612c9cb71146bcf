// Filter (`x | name(args)`) and test (`x is name(args)`) registries. Each entry follows the
// jinja2 3.1 built-in of the same name, except `tojson`, which is transformers' override:
// json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) without HTML
// escaping. Filters that return generators in jinja2 (map, select, reject, selectattr,
// rejectattr, items, unique, batch, slice, reverse of a sequence) return single-use
// generator-flavoured lists here, so `|length`, printing and tojson fail as they do in Python.
// Errors are bare messages.
#pragma once

#include <string_view>

#include "primer/error.h"
#include "tokenizer/chat/objects.h"
#include "tokenizer/chat/value.h"

namespace primer::chat {

class Interpreter;

using FilterFn = Result<Value> (*)(Interpreter&, const Value& target, CallArgs& args);
using TestFn = Result<bool> (*)(Interpreter&, const Value& target, CallArgs& args);

// nullptr when the name is not implemented.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// Binds positional-or-keyword filter arguments by name (after the filtered value), reporting
// unknown keywords and surplus arguments like Python would.
class FilterArgs {
 public:
  FilterArgs(const CallArgs& args, std::string_view filter, std::initializer_list<std::string_view> names);
  Status check() const;
  // The argument bound to parameter i, or nullptr when not given.
  const Value* get(size_t i) const;

 private:
  const CallArgs& args_;
  std::string_view filter_;
  std::vector<std::string_view> names_;
};

}  // namespace primer::chat
