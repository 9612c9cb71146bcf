// StreamDecoder: never emits partial UTF-8, and its total output equals decode() of all ids.
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"
#include "primer/utf8.h"

namespace primer {
namespace {

// Pushes ids one by one; checks every chunk is valid UTF-8; returns the concatenation.
std::string stream_all(const Tokenizer& tok, const std::vector<TokenId>& ids,
                       DecodeOptions opts = {}) {
  StreamDecoder sd(tok, opts);
  std::string out;
  for (TokenId id : ids) {
    std::string chunk = sd.push(id);
    EXPECT_TRUE(utf8::is_valid(chunk)) << "chunk is not valid UTF-8";
    out += chunk;
  }
  std::string tail = sd.flush();
  EXPECT_TRUE(utf8::is_valid(tail));
  return out + tail;
}

TEST(StreamDecoder, ByteFallbackCharacterSplitAcrossTokens) {
  const Tokenizer* tok = testing::npm_tokenizer("llama2");  // Mistral: SentencePiece-style
  ASSERT_NE(tok, nullptr);
  auto b = [&](const char* p) { return *tok->find_piece(p); };
  std::vector<TokenId> ids = {b("\u2581Hello"), b("<0xE4>"), b("<0xBD>"), b("<0xA0>"), b("!")};
  StreamDecoder sd(*tok);
  EXPECT_EQ(sd.push(ids[0]), "Hello");
  EXPECT_EQ(sd.push(ids[1]), "");  // E4: held
  EXPECT_EQ(sd.push(ids[2]), "");  // E4 BD: held
  EXPECT_EQ(sd.push(ids[3]), "\xE4\xBD\xA0");
  EXPECT_EQ(sd.push(ids[4]), "!");
  EXPECT_EQ(sd.flush(), "");
  EXPECT_EQ(tok->decode(ids), "Hello\xE4\xBD\xA0!");
  // An incomplete character at the end comes out of flush() as U+FFFD, like decode().
  std::vector<TokenId> cut = {b("\u2581a"), b("<0xF0>"), b("<0x9F>")};
  EXPECT_EQ(stream_all(*tok, cut), tok->decode(cut));
  EXPECT_EQ(tok->decode(cut), "a\uFFFD");
}

TEST(StreamDecoder, ByteLevelCharacterSplitAcrossTokens) {
  const Tokenizer* tok = testing::npm_tokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  // 🤗 = F0 9F A4 97: byte-level pieces "ðŁ", "¤", "Ĺ" (one byte or two per token).
  std::vector<TokenId> ids = tok->encode("Hi \xF0\x9F\xA4\x97 \xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x81");
  std::vector<TokenId> bytes = {*tok->find_piece("\u00f0\u0141"), *tok->find_piece("\u00a4"),
                                *tok->find_piece("\u0139")};
  StreamDecoder sd(*tok);
  EXPECT_EQ(sd.push(bytes[0]), "");
  EXPECT_EQ(sd.push(bytes[1]), "");
  EXPECT_EQ(sd.push(bytes[2]), "\xF0\x9F\xA4\x97");
  EXPECT_EQ(stream_all(*tok, ids), tok->decode(ids));
}

TEST(StreamDecoder, EqualsDecodeOnRandomIdSequences) {
  for (const char* name : {"qwen3", "llama2", "gemma3", "llama3_1"}) {
    const Tokenizer* tok = testing::npm_tokenizer(name);
    ASSERT_NE(tok, nullptr);
    std::mt19937 rng(7);
    // Mix ordinary text ids with random ids (including byte tokens, specials, pieces that are
    // fragments of multi-byte characters).
    std::vector<TokenId> base = tok->encode(
        "  Leading spaces, 你好 🤗 emoji, Привет\n\ttabs and <|im_end|> specials <s> </s>");
    for (int iter = 0; iter < 15; ++iter) {
      std::vector<TokenId> ids;
      for (int k = 0; k < 30; ++k) {
        if (rng() % 3 == 0) {
          ids.push_back(static_cast<TokenId>(rng() % tok->vocab_size()));
        } else {
          ids.push_back(base[rng() % base.size()]);
        }
      }
      EXPECT_EQ(stream_all(*tok, ids), tok->decode(ids)) << name;
      DecodeOptions skip;
      skip.skip_special = true;
      EXPECT_EQ(stream_all(*tok, ids, skip), tok->decode(ids, skip)) << name;
    }
  }
}

TEST(StreamDecoder, LeadingSpaceRulesMatchDecode) {
  // Mistral strips the first "▁" (Strip decoder) only at the start of the text.
  const Tokenizer* tok = testing::npm_tokenizer("llama2");
  ASSERT_NE(tok, nullptr);
  std::vector<TokenId> ids = tok->encode(" Hello  world", EncodeOptions{});
  EXPECT_EQ(stream_all(*tok, ids), tok->decode(ids));
  EXPECT_EQ(tok->decode(ids), "<s>  Hello  world");
}

TEST(StreamDecoder, StartOfTextRulesDoNotFireMidStream) {
  // Regression (found by fuzz_tokenizer_json): with Fuse + Strip(start=2), decoding a window
  // that began mid-stream stripped the space of a "▁" that follows already-emitted text.
  std::string json = testing::read_file_or_empty(PRIMER_SOURCE_DIR "/fuzz/corpus/tokenizer_json/spm_byte_fallback.json");
  const std::string from = "\"start\":1";
  size_t at = json.find(from);
  ASSERT_NE(at, std::string::npos);
  json.replace(at, from.size(), "\"start\":2");
  auto tok = Tokenizer::from_hf_json(json);
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  for (const char* text : {"Hello  w", "  Hello", "w w  w   w", " ", "Hello \xE4\xBD\xA0 w"}) {
    std::vector<TokenId> ids = tok->encode(text);
    EXPECT_EQ(stream_all(*tok, ids), tok->decode(ids)) << text;
  }
}

}  // namespace
}  // namespace primer
