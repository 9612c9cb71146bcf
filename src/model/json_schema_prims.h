// Fixed GBNF building blocks of the JSON Schema compiler (json_schema.cpp): JSON whitespace,
// strings, numbers, any value, and the string formats. Each entry is one rule; `deps` lists the
// other entries it references so the compiler emits only what a schema uses.
//
// Whitespace is bounded ("ws": nothing, one space, or a newline and up to 40 blanks) and only
// allowed after '{' '[' ',' ':' and before '}' ']', never after the top-level value, so a model
// cannot loop on whitespace and the match is finished right after the closing bracket.
// Numbers: at most 16 integer digits, 16 fraction digits, 2 exponent digits (always finite and
// exactly representable enough for any JSON parser). \u escapes exclude surrogates (a lone
// surrogate makes strict parsers fail; characters past U+FFFF appear as raw UTF-8).
#pragma once

#include <string_view>

namespace primer::json_prims {

struct Prim {
  std::string_view name;
  std::string_view body;
  std::string_view deps[6];
};

inline constexpr Prim kPrims[] = {
    {"ws", R"(( " " | "\n" [ \t]{0,40} )?)", {}},
    {"json-hex", R"([0-9a-fA-F])", {}},
    {"json-char", R"([^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-CeEfF] json-hex | [dD] [0-7] ) json-hex json-hex ))", {"json-hex"}},
    {"json-string", R"("\"" json-char* "\"")", {"json-char"}},
    {"json-int-part", R"("0" | [1-9] [0-9]{0,15})", {}},
    {"json-integer", R"("-"? json-int-part)", {"json-int-part"}},
    {"json-number", R"("-"? json-int-part ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,2} )?)", {"json-int-part"}},
    {"json-boolean", R"("true" | "false")", {}},
    {"json-null", R"("null")", {}},
    {"json-member", R"(json-string ":" ws json-value)", {"json-string", "ws", "json-value"}},
    {"json-object", R"("{" ws ( json-member ( "," ws json-member )* ws )? "}")", {"json-member", "ws"}},
    {"json-array", R"("[" ws ( json-value ( "," ws json-value )* ws )? "]")", {"json-value", "ws"}},
    {"json-value", R"(json-object | json-array | json-string | json-number | json-boolean | json-null)",
     {"json-object", "json-array", "json-string", "json-number", "json-boolean", "json-null"}},
    // Formats (the subset of ajv-formats' "full" mode these always satisfy).
    {"fmt-d2", R"("0" [1-9] | [12] [0-9])", {}},
    {"fmt-date", R"([0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" ( fmt-d2 | "3" [01] ) | ( "0" [469] | "11" ) "-" ( fmt-d2 | "30" ) | "02" "-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) ))", {"fmt-d2"}},
    {"fmt-hhmm", R"(( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9])", {}},
    {"fmt-time", R"(fmt-hhmm ":" [0-5] [0-9] ( "." [0-9]{1,6} )? ( "Z" | [+-] fmt-hhmm ))", {"fmt-hhmm"}},
    {"fmt-date-time", R"(fmt-date "T" fmt-time)", {"fmt-date", "fmt-time"}},
    {"fmt-uuid", R"(json-hex{8} "-" json-hex{4} "-" json-hex{4} "-" json-hex{4} "-" json-hex{12})", {"json-hex"}},
    {"fmt-label", R"([a-zA-Z0-9] ( [a-zA-Z0-9-]{0,30} [a-zA-Z0-9] )?)", {}},
    {"fmt-email", R"([a-zA-Z0-9_+-]{1,32} ( "." [a-zA-Z0-9_+-]{1,32} ){0,3} "@" ( fmt-label "." ){1,3} [a-zA-Z]{2,10})", {"fmt-label"}},
};

}  // namespace primer::json_prims
