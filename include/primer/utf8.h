// UTF-8 primitives shared by the tokenizer and the chat-template engine: well-formedness
// (Unicode Table 3-7: no overlongs, surrogates or code points past U+10FFFF), decoding one code
// point, encoding one code point, and replacement of ill-formed input.
//
// Invalid input policy: Hugging Face's runtimes only ever see valid strings (node's TextDecoder
// and Python's decode(errors="replace") replace each *maximal subpart* of an ill-formed sequence
// with one U+FFFD, per Unicode 15 §3.9 / WHATWG "Encoding"). sanitize() applies exactly that rule,
// so the tokenizer matches the reference on such input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace primer::utf8 {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence starting at s[pos] (pos < s.size()), or 0 when s[pos]
// starts an ill-formed (or truncated) sequence. `*cp` receives the code point when non-null.
size_t next(std::string_view s, size_t pos, char32_t* cp = nullptr);

// Length of the maximal subpart at s[pos] when next(s, pos) == 0: the bytes that one U+FFFD
// replaces (>= 1).
size_t maximal_subpart(std::string_view s, size_t pos);

// True when `s` is well-formed UTF-8.
bool is_valid(std::string_view s);

// Replaces each maximal subpart of ill-formed sequences with U+FFFD (a copy; `s` unchanged).
std::string sanitize(std::string_view s);

// Length of the longest prefix of `s` that does not end inside a sequence that could still be
// completed by more bytes. Ill-formed bytes count as complete (they will decode to U+FFFD no
// matter what follows).
size_t complete_prefix(std::string_view s);

// Appends the UTF-8 encoding of `cp` (<= U+10FFFF) to `out`.
void append(std::string& out, char32_t cp);

}  // namespace primer::utf8
