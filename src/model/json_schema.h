// JSON Schema -> GBNF (the grammar text Grammar::from_json_schema parses). Exposed for tests
// and debugging; the supported subset and its limits are documented at Grammar::from_json_schema
// (include/primer/grammar.h) and in json_schema.cpp.
#pragma once

#include <string>
#include <string_view>

#include "primer/error.h"

namespace primer {

// GBNF with root rule "root" for the schema, or an error naming the keyword and JSON pointer.
Result<std::string> json_schema_to_gbnf(std::string_view schema_json);

// GBNF of any JSON object (root rule "root").
std::string json_object_gbnf();

}  // namespace primer
