// UTF-8 helpers for the template engine. Python strings are sequences of code points, so every
// operation that counts, indexes or slices (len, s[i], s[::-1], center, find) works on code points;
// strings are stored as UTF-8 and are valid UTF-8 throughout (the template source and every JSON
// input are validated once, and all operations here preserve validity). The primitives shared with
// the tokenizer (validity, encoding one code point) live in primer/utf8.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primer/utf8.h"

namespace primer::chat {

// Decodes well-formed UTF-8 (see primer::utf8::is_valid) into code points.
std::vector<char32_t> utf8_decode(std::string_view s);
std::string utf8_encode(const std::vector<char32_t>& cps);

// Number of code points in well-formed UTF-8.
size_t utf8_length(std::string_view s);
bool is_ascii(std::string_view s);

// Python's str.isspace() (Unicode White_Space minus a few, plus \x1c-\x1f).
bool py_isspace(char32_t c);
// Python's str.isprintable() for one code point, approximated: control, format, separator
// (other than ' '), surrogate and private-use characters are non-printable; unassigned code
// points are treated as printable.
bool py_isprintable(char32_t c);
// Case mapping for ASCII, Latin-1, Latin Extended-A, the Latin digraphs, Latin Extended
// Additional, Greek, Cyrillic, Armenian, circled and fullwidth letters (simple mappings plus
// 'ß' -> "SS"/"Ss"); other scripts are returned unchanged. Greek final sigma is not handled.
void append_upper(std::string& out, char32_t c);
void append_lower(std::string& out, char32_t c);
void append_title(std::string& out, char32_t c);
bool py_isupper_char(char32_t c);
bool py_islower_char(char32_t c);
bool py_isalpha_char(char32_t c);
bool py_isdigit_char(char32_t c);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
// str.title(): first cased letter of each run of letters upper, the rest lower.
std::string py_title(std::string_view s);
// str.capitalize(): first character upper, the rest lower.
std::string py_capitalize(std::string_view s);

// str.strip()/lstrip()/rstrip(): with `chars` == nullptr strips Python whitespace, else strips
// any code point contained in *chars.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace primer::chat
