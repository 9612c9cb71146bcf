// Decoder chain components.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer_impl.h"
#include "primer/utf8.h"

namespace primer::tok {
namespace {

using V = std::vector<std::string>;

V run(const Decoder& d, V tokens) {
  d.decode_chain(tokens);
  return tokens;
}

TEST(Decoders, ByteLevelMapsBackToBytesAndPassesAddedTokens) {
  auto d = make_byte_level_decoder({"<think>", "caf\u00e9"});
  EXPECT_EQ(run(*d, {"Hello", "\u0120world", "\u010a"}), (V{"Hello world\n"}));
  // "ä½" + "ł" spell the bytes E4 BD A0 (你) across two tokens.
  EXPECT_EQ(run(*d, {"\u00e4\u00bd", "\u0142"}), (V{"\xE4\xBD\xA0"}));
  // Added tokens stay as written even when they use byte-alphabet characters (é = byte E9).
  EXPECT_EQ(run(*d, {"caf\u00e9", "<think>", "\u0120a"}), (V{"caf\u00e9<think> a"}));
  EXPECT_EQ(run(*d, {"caf\u00e9x"}), (V{"caf\xE9x"}));  // not an added token: bytes
}

TEST(Decoders, ByteFallbackFuseStripReplace) {
  auto bf = make_byte_fallback_decoder();
  EXPECT_EQ(run(*bf, {"a", "<0xE4>", "<0xBD>", "<0xA0>", "b", "<0x0A>"}),
            (V{"a", "\xE4\xBD\xA0", "b", "\n"}));
  EXPECT_EQ(run(*bf, {"<0xZZ>", "<0x41"}), (V{"<0xZZ>", "<0x41"}));
  EXPECT_EQ(run(*make_fuse_decoder(), {"a", "b", "c"}), (V{"abc"}));
  EXPECT_EQ(run(*make_strip_decoder(" ", 1, 0), {"  a ", " b"}), (V{" a ", "b"}));
  EXPECT_EQ(run(*make_strip_decoder(" ", 0, 2), {"a   ", "b "}), (V{"a ", "b"}));
  EXPECT_EQ(run(*make_replace_decoder("\u2581", " "), {"\u2581a\u2581\u2581b"}), (V{" a  b"}));
  auto re = make_replace_regex_decoder("\u2581+", "_");
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(run(**re, {"\u2581a\u2581\u2581b"}), (V{"_a_b"}));
}

TEST(Decoders, MetaspaceStripsOnlyTheFirstPrependedSpace) {
  auto d = make_metaspace_decoder("\u2581", PrependScheme::kAlways);
  EXPECT_EQ(run(*d, {"\u2581Hey", "\u2581friend", "\u2581\u2581x"}), (V{"Hey", " friend", "  x"}));
  auto never = make_metaspace_decoder("\u2581", PrependScheme::kNever);
  EXPECT_EQ(run(*never, {"\u2581Hey"}), (V{" Hey"}));
}

TEST(Decoders, MistralChain) {
  std::vector<std::unique_ptr<Decoder>> parts;
  parts.push_back(make_replace_decoder("\u2581", " "));
  parts.push_back(make_byte_fallback_decoder());
  parts.push_back(make_fuse_decoder());
  parts.push_back(make_strip_decoder(" ", 1, 0));
  auto seq = make_sequence_decoder(std::move(parts));
  EXPECT_EQ(run(*seq, {"\u2581Hello", "\u2581", "<0xE4>", "<0xBD>", "<0xA0>", "!"}),
            (V{"Hello \xE4\xBD\xA0!"}));
  // An incomplete byte run stays raw here; Tokenizer::decode turns it into one U+FFFD.
  V out = run(*seq, {"\u2581a", "<0xE4>", "<0xBD>", "b"});
  EXPECT_EQ(out, (V{"a\xE4\xBD" "b"}));
  EXPECT_EQ(utf8::sanitize(out[0]), "a\uFFFD" "b");
}

}  // namespace
}  // namespace primer::tok
