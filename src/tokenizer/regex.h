// A compiled PCRE2 pattern for the tokenizer stages (Split pre-tokenizer, Replace normalizer and
// decoder). Compiled once with UTF + UCP (Unicode-aware \d \w \p{..}) and JIT when available;
// matching allocates its own match data, so one Regex serves many threads at once.
//
// Patterns in tokenizer.json are written for Oniguruma (Rust tokenizers) and rewritten by the
// JS runtime; before compiling, hf_regex_to_pcre2() applies the rewrites that change results:
//   \s / \S              -> \p{White_Space} / \P{White_Space}  (Oniguruma/Rust semantics: U+0085
//                           is whitespace, U+180E and U+FEFF are not)
//   (?i: ... ) (no [..])  -> ASCII-only case folding ('s matches 'S but not 'ſ), as the JS
//                           reference does
// Everything else (\p{L}, \p{N}, lookahead, {n,m}) means the same in PCRE2.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "tokenizer/function_ref.h"

namespace primer::tok {

std::string hf_regex_to_pcre2(std::string_view pattern);

class Regex {
 public:
  // `pattern` is PCRE2 syntax (already rewritten). Error: "[regex] '<pattern>': <reason> at
  // offset N".
  static Result<Regex> compile(std::string_view pattern);
  static Regex literal(std::string_view text);  // matches `text` exactly (escaped)

  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // Calls on_match(begin, end) for all non-overlapping matches in `text` (valid UTF-8), left to
  // right, as byte ranges. Empty matches are reported (the scan resumes one character later).
  void for_each_match(std::string_view text, FunctionRef<void(size_t, size_t)> on_match) const;
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
  // Replaces every match with `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  Regex() = default;
  std::string pattern_;
  std::unique_ptr<Code> code_;  // null for literal patterns
  std::string literal_;
};

}  // namespace primer::tok
