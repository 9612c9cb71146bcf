// Template lexer: source text -> tokens, with jinja2's whitespace rules as transformers
// configures them (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False):
//   - "\r\n" and "\r" become "\n"; one trailing newline of the source is dropped;
//   - `{%- ` / `{{-` / `{#-` strip all whitespace before the tag, ` -%}` / `-}}` / `-#}` all
//     whitespace after it; `{%+` disables lstrip for that tag, `+%}` disables trim;
//   - trim_blocks: the first newline after a `%}` or `#}` is removed;
//   - lstrip_blocks: spaces/tabs between the start of a line and a `{%` or `{#` are removed;
//   - `{# ... #}` comments vanish; `{% raw %}...{% endraw %}` is emitted as literal data.
// Inside tags: names, strings (Python escapes), integers (0x/0o/0b, underscores), floats and
// operators; brackets must balance before a closing `}}`/`%}` is recognised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primer/error.h"

namespace primer::chat {

enum class TokenType : uint8_t {
  kData,
  kVariableBegin,
  kVariableEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInteger,
  kFloat,
  kOperator,  // text holds the operator: "+", "**", "==", "(", "|", ...
  kEof,
};

struct Token {
  TokenType type = TokenType::kEof;
  int line = 1;
  std::string text;  // data, name, operator, or the decoded string literal
  int64_t int_value = 0;
  double float_value = 0;
};

// Tokenizes a whole template. `source` must be valid UTF-8. Errors read
// "[template] line N: unexpected char '!'" and the like.
Result<std::vector<Token>> tokenize(std::string_view source);

// Error in the engine's format: "[template] line N: <message>".
Error template_error(int line, const std::string& message);

}  // namespace primer::chat
