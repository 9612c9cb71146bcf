// Unicode character properties used by the tokenizer stages (ICU-backed, thread-safe).
#pragma once

namespace primer::tok {

bool is_whitespace(char32_t cp);    // White_Space property (Rust char::is_whitespace)
bool is_alphanumeric(char32_t cp);  // Alphabetic or general category N* (Rust is_alphanumeric)
bool is_punctuation(char32_t cp);   // ASCII punctuation or general category P* (HF Punctuation)
bool is_digit(char32_t cp);         // general category Nd
bool is_numeric(char32_t cp);       // general category N* (Rust char::is_numeric)

}  // namespace primer::tok
