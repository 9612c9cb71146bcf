// Memory of large vocabularies (Qwen: 151,669 tokens, 151,387 merges): the owned tables stay
// compact (one std::string a piece + 8-byte index slots + 16-byte merge slots), and the compact
// structures (PieceIndex, the DOM-free tokenizer.json vocab/merges reader) behave exactly like
// the std::unordered_map / nlohmann objects they replaced.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "primer/tokenizer.h"
#include "test_util.h"
#include "tokenizer/flat_piece_map.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer {
namespace {

constexpr size_t kMiB = 1 << 20;

TEST(TokenizerMemory, QwenTablesStayCompact) {
  const Tokenizer* tok = testing::npm_tokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  const TokenizerImpl& impl = tok->impl();
  ASSERT_GT(tok->vocab_size(), 150000u);
  size_t vocab = impl.vocab.memory_bytes();
  size_t model = impl.model->memory_bytes();
  size_t total = tokenizer_memory_bytes(impl);
  // Measured: vocab 7.4 MiB (4.6 of it the std::string array piece() needs), model 8.1 MiB
  // (pieces 3.9, merges 4.0). Before: ~31 MiB of heap (std::unordered_map vocab index, a second
  // map per GGUF load, merge slots at load 0.29).
  EXPECT_LT(vocab, 9 * kMiB);
  EXPECT_LT(model, 10 * kMiB);
  EXPECT_LT(total, 18 * kMiB);
  // The accounting sees the real tables: at least a std::string per piece and a slot per merge.
  EXPECT_GT(vocab, tok->vocab_size() * sizeof(std::string));
  EXPECT_GT(model, 150000u * 16);
  EXPECT_GE(total, vocab + model);
}

// PieceIndex against std::unordered_map (emplace = keep, operator[] = replace), with growth from
// empty, duplicates and empty pieces.
TEST(TokenizerMemory, PieceIndexMatchesUnorderedMap) {
  std::mt19937 rng(7);
  std::vector<std::string> pieces;
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 6, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 4);  // many duplicates
    pieces.push_back(s);
  }
  for (auto dup : {tok::PieceIndex::OnDuplicate::kKeep, tok::PieceIndex::OnDuplicate::kReplace}) {
    tok::PieceIndex index;
    std::unordered_map<std::string, TokenId> oracle;
    for (size_t id = 0; id < pieces.size(); ++id) {
      TokenId now = index.insert(static_cast<TokenId>(id), pieces, dup);
      if (dup == tok::PieceIndex::OnDuplicate::kKeep) {
        oracle.emplace(pieces[id], static_cast<TokenId>(id));
      } else {
        oracle[pieces[id]] = static_cast<TokenId>(id);
      }
      ASSERT_EQ(now, oracle.at(pieces[id]));
    }
    EXPECT_EQ(index.size(), oracle.size());
    for (const auto& [piece, id] : oracle) EXPECT_EQ(index.find(piece, pieces), id) << piece;
    EXPECT_EQ(index.find("zz", pieces), -1);
    EXPECT_EQ(index.find("aaaaaaa", pieces), -1);
    EXPECT_LE(index.memory_bytes(), tok::flat_table_capacity(oracle.size()) * 8);
  }
}

// The tokenizer.json reader keeps model.vocab / model.merges out of the JSON DOM; a key repeated
// inside model.vocab still keeps its last value (as a parsed JSON object does), and merges may
// mix "a b" strings and ["a", "b"] pairs.
TEST(TokenizerMemory, HfVocabRepeatedKeyKeepsLastValue) {
  std::string json = R"({"added_tokens": [], "model": {"type": "BPE",
      "vocab": {"a": 0, "b": 1, "ab": 2, "a": 3}, "merges": ["a b"]}})";
  auto r = Tokenizer::from_hf_json(json);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find_piece("a"), std::optional<TokenId>(3));
  EXPECT_EQ(r->piece(0), "");  // a hole
  EXPECT_EQ(r->encode("ba"), (std::vector<TokenId>{1, 3}));
  EXPECT_EQ(r->encode("ab"), (std::vector<TokenId>{2}));
}

TEST(TokenizerMemory, HfMergesMixStringsAndPairs) {
  std::string json = R"({"model": {"type": "BPE",
      "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5},
      "merges": [["b", "c"], "a b", ["ab", "c"]]}})";
  auto r = Tokenizer::from_hf_json(json);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->encode("abc"), (std::vector<TokenId>{0, 5}));  // "b c" ranks first
  EXPECT_EQ(r->encode("ab"), (std::vector<TokenId>{3}));
  EXPECT_EQ(r->encode("abcab"), (std::vector<TokenId>{0, 5, 3}));
}

}  // namespace
}  // namespace primer
