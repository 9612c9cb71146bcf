// The `is` tests of jinja2 3.1 (tests.py), with Python's type checks:
// number includes bool; integer excludes bool; sequence is anything with len() and [] (str,
// list, tuple, dict, Undefined); iterable is anything iter() accepts; mapping is dict only.
#include <cmath>

#include "tokenizer/chat/filter_impl.h"
#include "tokenizer/chat/filters.h"
#include "tokenizer/chat/operators.h"
#include "tokenizer/chat/parser.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

namespace {

Result<const Value*> one_arg(const CallArgs& args, const char* name, const char* param) {
  FilterArgs p(args, name, {param});
  PRIMER_TRY(p.check());
  if (p.get(0) == nullptr) return Error{std::string("test '") + name + "' requires an argument"};
  return p.get(0);
}

#define SIMPLE_TEST(fn, name, expr)                               \
  Result<bool> fn(Interpreter&, const Value& v, CallArgs& args) { \
    PRIMER_TRY(no_args(args, name, "test"));                              \
    return (expr);                                                \
  }

SIMPLE_TEST(test_defined, "defined", !v.is_undefined())
SIMPLE_TEST(test_undefined, "undefined", v.is_undefined())
SIMPLE_TEST(test_none, "none", v.is_none())
SIMPLE_TEST(test_boolean, "boolean", v.is_bool())
SIMPLE_TEST(test_true, "true", v.is_bool() && v.as_bool())
SIMPLE_TEST(test_false, "false", v.is_bool() && !v.as_bool())
SIMPLE_TEST(test_integer, "integer", v.is_int())
SIMPLE_TEST(test_float, "float", v.is_float())
SIMPLE_TEST(test_number, "number", v.is_number())
SIMPLE_TEST(test_string, "string", v.is_string())
SIMPLE_TEST(test_mapping, "mapping", v.is_dict())
SIMPLE_TEST(test_escaped, "escaped", v.is_string() && v.safe())
SIMPLE_TEST(test_callable, "callable",
            v.is_undefined() || v.is_object(ObjectKind::kMacro) || v.is_object(ObjectKind::kBuiltin) ||
                v.is_object(ObjectKind::kBoundMethod) || v.is_object(ObjectKind::kJoiner) ||
                v.is_object(ObjectKind::kLoop))
SIMPLE_TEST(test_sequence, "sequence",
            v.is_string() || v.is_dict() || v.is_undefined() ||
                (v.is_list() && (v.flavor() == ListFlavor::kList || v.flavor() == ListFlavor::kTuple ||
                                 v.flavor() == ListFlavor::kRange)))
SIMPLE_TEST(test_iterable, "iterable", v.is_string() || v.is_list() || v.is_dict() || v.is_undefined())

Result<bool> test_lower(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "lower", "test"));
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  bool any_cased = false;
  for (char32_t c : utf8_decode(s.str())) {
    if (py_isupper_char(c)) return false;
    if (py_islower_char(c)) any_cased = true;
  }
  return any_cased;
}

Result<bool> test_upper(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "upper", "test"));
  PRIMER_ASSIGN_OR_RETURN(Value s, soft_str(v));
  bool any_cased = false;
  for (char32_t c : utf8_decode(s.str())) {
    if (py_islower_char(c)) return false;
    if (py_isupper_char(c)) any_cased = true;
  }
  return any_cased;
}

Result<bool> test_odd_even(Interpreter& interp, const Value& v, bool odd) {
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_number()) {  // value % 2 with Python's error for strings and others
    PRIMER_ASSIGN_OR_RETURN(Value r, binary_op(BinaryOp::kMod, v, Value::integer(2), interp.limits()));
    return odd ? truthy(r) : !truthy(r);
  }
  if (v.is_float()) {
    const double m = std::fmod(v.as_float(), 2.0);
    return odd ? (m == 1.0 || m == -1.0) : m == 0.0;
  }
  const int64_t r = v.as_int() % 2;
  return odd ? r != 0 : r == 0;
}

Result<bool> test_odd(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "odd", "test"));
  return test_odd_even(interp, v, true);
}

Result<bool> test_even(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "even", "test"));
  return test_odd_even(interp, v, false);
}

Result<bool> test_divisibleby(Interpreter& interp, const Value& v, CallArgs& args) {
  PRIMER_ASSIGN_OR_RETURN(const Value* num, one_arg(args, "divisibleby", "num"));
  PRIMER_ASSIGN_OR_RETURN(Value r, binary_op(BinaryOp::kMod, v, *num, interp.limits()));
  return py_equal(r, Value::integer(0));
}

Result<bool> compare_test(const CallArgs& args, const char* name, CompareOp op, const Value& v) {
  PRIMER_ASSIGN_OR_RETURN(const Value* other, one_arg(args, name, "other"));
  return compare_op(op, v, *other);
}

Result<bool> test_eq(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "eq", CompareOp::kEq, v); }
Result<bool> test_ne(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "ne", CompareOp::kNe, v); }
Result<bool> test_lt(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "lt", CompareOp::kLt, v); }
Result<bool> test_le(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "le", CompareOp::kLe, v); }
Result<bool> test_gt(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "gt", CompareOp::kGt, v); }
Result<bool> test_ge(Interpreter&, const Value& v, CallArgs& a) { return compare_test(a, "ge", CompareOp::kGe, v); }

Result<bool> test_in(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_ASSIGN_OR_RETURN(const Value* seq, one_arg(args, "in", "seq"));
  return contains(*seq, v);
}

Result<bool> test_sameas(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_ASSIGN_OR_RETURN(const Value* other, one_arg(args, "sameas", "other"));
  return v.same_object(*other);
}

Result<bool> test_filter(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "filter", "test"));
  return v.is_string() && jinja_has_filter(v.str());
}

Result<bool> test_test(Interpreter&, const Value& v, CallArgs& args) {
  PRIMER_TRY(no_args(args, "test", "test"));
  return v.is_string() && jinja_has_test(v.str());
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::pair<std::string_view, TestFn> kTests[] = {
      {"defined", test_defined},
      {"undefined", test_undefined},
      {"none", test_none},
      {"boolean", test_boolean},
      {"true", test_true},
      {"false", test_false},
      {"integer", test_integer},
      {"float", test_float},
      {"number", test_number},
      {"string", test_string},
      {"mapping", test_mapping},
      {"sequence", test_sequence},
      {"iterable", test_iterable},
      {"callable", test_callable},
      {"escaped", test_escaped},
      {"lower", test_lower},
      {"upper", test_upper},
      {"odd", test_odd},
      {"even", test_even},
      {"divisibleby", test_divisibleby},
      {"eq", test_eq},
      {"equalto", test_eq},
      {"==", test_eq},
      {"ne", test_ne},
      {"!=", test_ne},
      {"lt", test_lt},
      {"lessthan", test_lt},
      {"<", test_lt},
      {"le", test_le},
      {"<=", test_le},
      {"gt", test_gt},
      {"greaterthan", test_gt},
      {">", test_gt},
      {"ge", test_ge},
      {">=", test_ge},
      {"in", test_in},
      {"sameas", test_sameas},
      {"filter", test_filter},
      {"test", test_test},
  };
  for (const auto& [n, fn] : kTests) {
    if (n == name) return fn;
  }
  return nullptr;
}

}  // namespace primer::chat
