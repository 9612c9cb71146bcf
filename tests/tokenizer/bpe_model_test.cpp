// The BPE model on hand-built vocabularies (merge order, ties, unk, byte fallback,
// ignore_merges, affixes), strategy equivalence, and barrier splitting on real vocabularies.
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {
namespace {

Vocab make_vocab(const std::vector<std::string>& pieces) {
  Vocab v;
  for (const auto& p : pieces) v.push_back(p, TokenAttr::kNormal);
  return v;
}

std::vector<TokenId> run(const Model& m, std::string_view word) {
  std::vector<TokenId> out;
  m.tokenize(word, out);
  return out;
}

TEST(Bpe, LowestRankMergesFirst) {
  //            0    1    2    3     4     5      6
  Vocab v = make_vocab({"a", "b", "c", "ab", "bc", "abc", "cab"});
  // With (b c) ranked first, "abc" becomes a + bc (no merge a+bc exists).
  auto bc_first = make_bpe_model(v, {{"b", "c"}, {"a", "b"}, {"ab", "c"}}, {});
  ASSERT_TRUE(bc_first.ok()) << bc_first.error().message;
  EXPECT_EQ(run(**bc_first, "abc"), (std::vector<TokenId>{0, 4}));
  auto ab_first = make_bpe_model(v, {{"a", "b"}, {"b", "c"}, {"ab", "c"}}, {});
  ASSERT_TRUE(ab_first.ok());
  EXPECT_EQ(run(**ab_first, "abc"), (std::vector<TokenId>{5}));
}

TEST(Bpe, TiesMergeLeftmostFirst) {
  Vocab v = make_vocab({"a", "aa", "aaa"});
  auto m = make_bpe_model(v, {{"a", "a"}}, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(run(**m, "aaa"), (std::vector<TokenId>{1, 0}));  // (aa)a, not a(aa)
  EXPECT_EQ(run(**m, "aaaaa"), (std::vector<TokenId>{1, 1, 0}));
  auto chain = make_bpe_model(v, {{"a", "a"}, {"aa", "a"}}, {});
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(run(**chain, "aaa"), (std::vector<TokenId>{2}));  // (aa)a, then aa+a
}

TEST(Bpe, UnknownCharactersUnkFuseAndDrop) {
  Vocab v = make_vocab({"<unk>", "a", "b"});
  BpeOptions o;
  o.unk = 0;
  auto m = make_bpe_model(v, {}, o);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(run(**m, "axyb"), (std::vector<TokenId>{1, 0, 0, 2}));
  o.fuse_unk = true;
  auto fused = make_bpe_model(v, {}, o);
  ASSERT_TRUE(fused.ok());
  EXPECT_EQ(run(**fused, "axyb\xE4\xBD\xA0"), (std::vector<TokenId>{1, 0, 2, 0}));
  auto drop = make_bpe_model(v, {}, {});  // no unk: unknown characters vanish (HF)
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ(run(**drop, "axyb"), (std::vector<TokenId>{1, 2}));
}

TEST(Bpe, ByteFallback) {
  Vocab v = make_vocab({"<unk>", "a"});
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    v.push_back(buf, TokenAttr::kByte);
  }
  BpeOptions o;
  o.unk = 0;
  o.byte_fallback = true;
  auto m = make_bpe_model(v, {}, o);
  ASSERT_TRUE(m.ok());
  // 你 = E4 BD A0 -> <0xE4> <0xBD> <0xA0> (ids 2 + byte)
  EXPECT_EQ(run(**m, "a\xE4\xBD\xA0"), (std::vector<TokenId>{1, 2 + 0xE4, 2 + 0xBD, 2 + 0xA0}));
}

TEST(Bpe, IgnoreMergesEmitsWholeVocabWords) {
  Vocab v = make_vocab({"a", "b", "c", "ab", "abc"});
  // "abc" is reachable only by merges a+b, ab+c; with no merge for it, BPE gives a b c...
  auto plain = make_bpe_model(v, {}, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(run(**plain, "abc"), (std::vector<TokenId>{0, 1, 2}));
  BpeOptions o;
  o.ignore_merges = true;
  auto ignore = make_bpe_model(v, {}, o);
  ASSERT_TRUE(ignore.ok());
  EXPECT_EQ(run(**ignore, "abc"), (std::vector<TokenId>{4}));  // ...but the word is in the vocab
  EXPECT_EQ(run(**ignore, "abca"), (std::vector<TokenId>{0, 1, 2, 0}));
}

TEST(Bpe, ContinuingSubwordPrefixAndSuffix) {
  Vocab v = make_vocab({"h", "##e", "##y", "##ey", "hey</w>", "h##ey", "##y</w>", "##ey</w>"});
  BpeOptions o;
  o.continuing_subword_prefix = "##";
  o.end_of_word_suffix = "</w>";
  // Merges join "a" + "##b" into "ab" (the prefix of the right part is dropped).
  auto m = make_bpe_model(v, {{"##e", "##y</w>"}}, o);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(run(**m, "hey"), (std::vector<TokenId>{0, 7}));
}

TEST(Bpe, MergeErrorsNameTheMerge) {
  Vocab v = make_vocab({"a", "b"});
  auto missing = make_bpe_model(v, {{"a", "z"}}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("merges[0]: 'z' is not in the vocab"), std::string::npos)
      << missing.error().message;
  auto result = make_bpe_model(v, {{"a", "b"}}, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("'ab' is not in the vocab"), std::string::npos);
}

// Heap and scan strategies, cache and barrier splitting all give the same ids on long random
// words over a real vocabulary.
TEST(Bpe, StrategiesAgreeOnRealVocabularies) {
  for (const char* name : {"llama2", "qwen3"}) {
    const Tokenizer* tok = testing::npm_tokenizer(name);
    ASSERT_NE(tok, nullptr);
    const auto* bpe = dynamic_cast<const BpeModel*>(tok->impl().model.get());
    ASSERT_NE(bpe, nullptr);
    std::mt19937 rng(42);
    const std::vector<std::string> alphabet = {"a", "e", "t", "h", "\u2581", "\u0120", "n", "s",
                                               "\xE4\xBD\xA0", "1", ".", "\xC4\x8A"};
    for (int iter = 0; iter < 60; ++iter) {
      std::string word;
      size_t len = 1 + rng() % 300;
      for (size_t i = 0; i < len; ++i) word += alphabet[rng() % alphabet.size()];
      std::vector<TokenId> scan, heap, full;
      bpe->tokenize_uncached(word, scan, BpeModel::MergeStrategy::kScan);
      bpe->tokenize_uncached(word, heap, BpeModel::MergeStrategy::kHeap);
      bpe->tokenize(word, full);
      bpe->tokenize(word, full);  // cached second time
      if (len <= BpeModel::kScanLimit) {
        EXPECT_EQ(scan, heap) << name << " " << word;
      }
      ASSERT_EQ(full.size(), heap.size() * 2) << name << " " << word;
      EXPECT_TRUE(std::equal(heap.begin(), heap.end(), full.begin())) << name << " " << word;
      EXPECT_TRUE(std::equal(heap.begin(), heap.end(), full.begin() + heap.size()));
    }
  }
}

}  // namespace
}  // namespace primer::tok
