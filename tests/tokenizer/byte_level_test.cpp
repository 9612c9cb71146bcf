// The GPT-2 byte<->unicode table (the UTF-8 helpers are tested in tests/core/utf8_test.cpp).
#include <gtest/gtest.h>

#include <set>

#include "tokenizer/byte_level.h"

namespace primer::tok {
namespace {

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
