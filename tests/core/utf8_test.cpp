// UTF-8 primitives: maximal-subpart replacement, well-formedness, decoding, encoding, completeness.
#include "primer/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace primer::utf8 {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, SanitizeFollowsUnicodeMaximalSubpartExample) {
  // Unicode 15 §3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b
  // FFFD c FFFD FFFD d (F1 80 80 is one maximal subpart, E1 80 another, C2 a third).
  std::string in = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  EXPECT_EQ(sanitize(in), "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8, SanitizeRejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(sanitize("\xC0\xAF"), kFffd + kFffd);          // overlong '/'
  EXPECT_EQ(sanitize("\xE0\x80\x80"), kFffd + kFffd + kFffd);  // overlong NUL
  EXPECT_EQ(sanitize("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate D800
  EXPECT_EQ(sanitize("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(sanitize("\xF0\x9F\x98"), kFffd);                // truncated emoji: one subpart
  EXPECT_EQ(sanitize("\xFF"), kFffd);
  EXPECT_EQ(sanitize("ok \xE4\xBD\xA0 ok"), "ok \xE4\xBD\xA0 ok");  // valid is unchanged
  EXPECT_TRUE(is_valid("plain ascii that is long enough for the fast path"));
  EXPECT_FALSE(is_valid("plain ascii that is long enough \x80 for the fast path"));
}

TEST(Utf8, IsValidRejectsEachIllFormedKind) {
  EXPECT_TRUE(is_valid(""));
  EXPECT_TRUE(is_valid("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(is_valid("\xC1\xBF"));          // overlong 2-byte
  EXPECT_FALSE(is_valid("\xE0\x9F\xBF"));      // overlong 3-byte
  EXPECT_FALSE(is_valid("\xF0\x8F\xBF\xBF"));  // overlong 4-byte
  EXPECT_FALSE(is_valid("\xED\xBF\xBF"));      // surrogate DFFF
  EXPECT_FALSE(is_valid("\xF5\x80\x80\x80"));  // lead byte past U+10FFFF
  EXPECT_FALSE(is_valid("\xE4\xBD"));          // truncated at the end
  EXPECT_FALSE(is_valid("\xE4\x41\xA0"));      // continuation byte missing
  EXPECT_FALSE(is_valid("\xBF"));              // stray continuation byte
}

TEST(Utf8, NextDecodesCodePoints) {
  char32_t cp = 0;
  EXPECT_EQ(next("\xF0\x9F\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(next("\xE4\xBD\xA0", 0, &cp), 3u);
  EXPECT_EQ(cp, 0x4F60u);
  EXPECT_EQ(next("\xE4\xBD", 0, &cp), 0u);
  std::string out;
  append(out, 0x1F600);
  append(out, 0x4F60);
  append(out, 0xE9);
  append(out, 'a');
  EXPECT_EQ(out, "\xF0\x9F\x98\x80\xE4\xBD\xA0\xC3\xA9" "a");
  // Every code point round-trips through append and next, at each length boundary.
  for (char32_t want : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    std::string enc;
    append(enc, want);
    char32_t got = 0;
    EXPECT_EQ(next(enc, 0, &got), enc.size()) << std::hex << static_cast<uint32_t>(want);
    EXPECT_EQ(got, want);
  }
}

TEST(Utf8, MaximalSubpartCountsTheBytesOneReplacementCovers) {
  EXPECT_EQ(maximal_subpart("\xF1\x80\x80\x41", 0), 3u);
  EXPECT_EQ(maximal_subpart("\xE1\x80\xC2", 0), 2u);
  EXPECT_EQ(maximal_subpart("\x80\x80", 0), 1u);
  EXPECT_EQ(maximal_subpart("\xE0\x80\x80", 0), 1u);  // E0 80 is never a valid prefix
}

TEST(Utf8, CompletePrefixHoldsBackOnlyTruncatedSequences) {
  EXPECT_EQ(complete_prefix("abc"), 3u);
  EXPECT_EQ(complete_prefix("ab\xE4"), 2u);
  EXPECT_EQ(complete_prefix("ab\xE4\xBD"), 2u);
  EXPECT_EQ(complete_prefix("ab\xE4\xBD\xA0"), 5u);
  EXPECT_EQ(complete_prefix("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(complete_prefix("ab\xE4\x41"), 4u);  // ill-formed: final, will be U+FFFD
  EXPECT_EQ(complete_prefix("ab\x80"), 3u);      // stray continuation byte
  EXPECT_EQ(complete_prefix("ab\xE0\x80"), 4u);  // E0 80 can never complete
  EXPECT_EQ(complete_prefix(""), 0u);
}

}  // namespace
}  // namespace primer::utf8
