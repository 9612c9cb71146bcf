// UTF-8 helpers shared by the tokenizer stages.
//
// Invalid input policy: Hugging Face's runtimes only ever see valid strings (node's TextDecoder
// and Python's decode(errors="replace") replace each *maximal subpart* of an ill-formed sequence
// with one U+FFFD, per Unicode 15 §3.9 / WHATWG "Encoding"). Tokenizer::encode applies exactly
// that rule up front (sanitize_utf8), so ids match the reference on such input; decode applies it
// to the decoded bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace primer::tok {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence starting at s[pos], or 0 when s[pos] starts an ill-formed
// (or truncated) sequence. `*cp` receives the code point when non-null.
size_t utf8_next(std::string_view s, size_t pos, char32_t* cp = nullptr);

// Length of the maximal subpart at s[pos] when utf8_next(s, pos) == 0: the bytes that one
// U+FFFD replaces (>= 1).
size_t utf8_maximal_subpart(std::string_view s, size_t pos);

bool is_valid_utf8(std::string_view s);

// Replaces each maximal subpart of ill-formed sequences with U+FFFD (a copy; `s` unchanged).
std::string sanitize_utf8(std::string_view s);

// Length of the longest prefix of `s` that does not end inside a sequence that could still be
// completed by more bytes. Ill-formed bytes count as complete (they will decode to U+FFFD no
// matter what follows).
size_t utf8_complete_prefix(std::string_view s);

void append_utf8(char32_t cp, std::string& out);

}  // namespace primer::tok
