// UTF-8 helpers (maximal-subpart replacement, completeness) and the GPT-2 byte<->unicode table.
#include <gtest/gtest.h>

#include <set>

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace primer::tok {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, SanitizeFollowsUnicodeMaximalSubpartExample) {
  // Unicode 15 §3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b
  // FFFD c FFFD FFFD d (F1 80 80 is one maximal subpart, E1 80 another, C2 a third).
  std::string in = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  EXPECT_EQ(sanitize_utf8(in), "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8, SanitizeRejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFffd + kFffd);          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xE0\x80\x80"), kFffd + kFffd + kFffd);  // overlong NUL
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate D800
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98"), kFffd);                // truncated emoji: one subpart
  EXPECT_EQ(sanitize_utf8("\xFF"), kFffd);
  EXPECT_EQ(sanitize_utf8("ok \xE4\xBD\xA0 ok"), "ok \xE4\xBD\xA0 ok");  // valid is unchanged
  EXPECT_TRUE(is_valid_utf8("plain ascii that is long enough for the fast path"));
  EXPECT_FALSE(is_valid_utf8("plain ascii that is long enough \x80 for the fast path"));
}

TEST(Utf8, NextDecodesCodePoints) {
  char32_t cp = 0;
  EXPECT_EQ(utf8_next("\xF0\x9F\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(utf8_next("\xE4\xBD\xA0", 0, &cp), 3u);
  EXPECT_EQ(cp, 0x4F60u);
  EXPECT_EQ(utf8_next("\xE4\xBD", 0, &cp), 0u);
  std::string out;
  append_utf8(0x1F600, out);
  append_utf8(0x4F60, out);
  append_utf8(0xE9, out);
  append_utf8('a', out);
  EXPECT_EQ(out, "\xF0\x9F\x98\x80\xE4\xBD\xA0\xC3\xA9" "a");
}

TEST(Utf8, CompletePrefixHoldsBackOnlyTruncatedSequences) {
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("ab\xE4"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xE4\xBD"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xE4\xBD\xA0"), 5u);
  EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xE4\x41"), 4u);  // ill-formed: final, will be U+FFFD
  EXPECT_EQ(utf8_complete_prefix("ab\x80"), 3u);      // stray continuation byte
  EXPECT_EQ(utf8_complete_prefix("ab\xE0\x80"), 4u);  // E0 80 can never complete
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
}

TEST(ByteLevel, TableIsGpt2s) {
  EXPECT_EQ(byte_to_codepoint(' '), 0x120u);   // Ġ
  EXPECT_EQ(byte_to_codepoint('\n'), 0x10Au);  // Ċ
  EXPECT_EQ(byte_to_codepoint('\t'), 0x109u);  // ĉ
  EXPECT_EQ(byte_to_codepoint('A'), static_cast<char32_t>('A'));
  EXPECT_EQ(byte_to_codepoint(0xE9), 0xE9u);   // é maps to itself
  EXPECT_EQ(byte_to_codepoint(0xAD), 0x143u);  // the last remapped byte
  EXPECT_EQ(byte_to_codepoint(0x00), 0x100u);
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t cp = byte_to_codepoint(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second) << b;
    EXPECT_EQ(codepoint_to_byte(cp), static_cast<uint8_t>(b));
  }
  EXPECT_FALSE(codepoint_to_byte(' ').has_value());  // space itself is not in the alphabet
  EXPECT_FALSE(codepoint_to_byte(0x4F60).has_value());
}

TEST(ByteLevel, RoundTripsAllBytes) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  std::string mapped;
  append_byte_level(bytes, mapped);
  std::string back;
  ASSERT_TRUE(byte_level_to_bytes(mapped, back));
  EXPECT_EQ(back, bytes);
  std::string hello;
  append_byte_level("Hello world\n", hello);
  EXPECT_EQ(hello, "Hello\xC4\xA0world\xC4\x8A");  // "HelloĠworldĊ"
  std::string out = "keep";
  EXPECT_FALSE(byte_level_to_bytes("a b", out));  // ' ' is outside the alphabet
  EXPECT_EQ(out, "keep");
  EXPECT_FALSE(byte_level_to_bytes("\xE4\xBD\xA0", out));  // 你 too
}

}  // namespace
}  // namespace primer::tok
