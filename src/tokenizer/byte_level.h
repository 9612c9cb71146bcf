// GPT-2's reversible byte <-> Unicode mapping used by byte-level BPE vocabularies (GPT-2, Llama 3,
// Qwen2/3, and GGUF `tokenizer.ggml.model = gpt2`).
//
// Every byte gets a printable code point: the bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF map to
// themselves; the remaining 68 bytes (controls, space, 0x7F..0xA0, 0xAD) map, in increasing byte
// order, to U+0100, U+0101, ... So ' ' -> 'Ġ' (U+0120) and '\n' -> 'Ċ' (U+010A). Vocab pieces are
// written in this alphabet. Tables are compile-time constants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace primer::tok {

// The code point that stands for byte `b`.
char32_t byte_to_codepoint(uint8_t b);
// The byte that code point `cp` stands for, or nullopt when `cp` is not in the alphabet.
std::optional<uint8_t> codepoint_to_byte(char32_t cp);
// The UTF-8 encoding (1 or 2 bytes) of byte_to_codepoint(b).
std::string_view byte_to_utf8(uint8_t b);

// Appends the byte-level spelling of raw `bytes` ("a b" -> "aĠb").
void append_byte_level(std::string_view bytes, std::string& out);
// Maps a byte-level string back to raw bytes, appended to `out`. Returns false (and leaves `out`
// unchanged) when `text` contains a character outside the alphabet or is not valid UTF-8.
bool byte_level_to_bytes(std::string_view text, std::string& out);

}  // namespace primer::tok
