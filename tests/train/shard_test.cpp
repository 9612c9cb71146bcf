// Shard files: round trip through the writer, and hostile files refused with messages that name
// the file and the field.
#include <gtest/gtest.h>

#include <cstring>

#include "data_test_util.h"
#include "primer/train_data.h"
#include "train/shard_format.h"

namespace primer::train {
namespace {

using testing::TempDir;

// Writes a shard of the documents (in order) to `path`.
void write_shard(const std::string& path, const std::vector<uint32_t>& tokens, const std::vector<uint8_t>& mask,
                 const std::vector<uint64_t>& doc_begin, uint64_t n_vocab, uint64_t hash) {
  std::vector<uint32_t> order(doc_begin.size() - 1);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  ShardSource src;
  src.tokens = tokens;
  src.mask = mask;
  src.doc_begin = doc_begin;
  src.order = order;
  src.n_vocab = n_vocab;
  src.tokenizer_hash = hash;
  ASSERT_TRUE(write_shard_tmp(src, path + ".tmp", path).ok());
  ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0);
}

TEST(Shard, RoundTripWithMaskAndOddLength) {
  TempDir dir;
  const std::string path = dir.file("a.bin");
  // 7 tokens + 7 mask bytes: the doc offsets sit at file offset 99 (misaligned; Shard copies them).
  const std::vector<uint32_t> tokens = {5, 6, 7, 0, 9, 9, 0};
  const std::vector<uint8_t> mask = {0, 1, 1, 1, 0, 1, 0};
  write_shard(path, tokens, mask, {0, 4, 7}, 10, 0x1234abcdull);
  auto s = Shard::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->n_tokens(), 7u);
  EXPECT_EQ(s->n_docs(), 2u);
  EXPECT_EQ(s->n_vocab(), 10u);
  EXPECT_EQ(s->tokenizer_hash(), 0x1234abcdull);
  ASSERT_TRUE(s->has_mask());
  EXPECT_EQ(std::vector<uint32_t>(s->tokens().begin(), s->tokens().end()), tokens);
  EXPECT_EQ(std::vector<uint8_t>(s->mask().begin(), s->mask().end()), mask);
  EXPECT_EQ(std::vector<uint64_t>(s->doc_offsets().begin(), s->doc_offsets().end()), (std::vector<uint64_t>{0, 4, 7}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(s->doc_offsets().data()) % 8, 0u);
  EXPECT_EQ(testing::read_all(path).size(), 64u + 7 * 4 + 7 + 3 * 8);
}

TEST(Shard, RoundTripWithoutMask) {
  TempDir dir;
  const std::string path = dir.file("b.bin");
  write_shard(path, {1, 2, 3}, {}, {0, 3}, 4, 7);
  auto s = Shard::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->has_mask());
  EXPECT_TRUE(s->mask().empty());
  EXPECT_EQ(s->tokens()[2], 3u);
  EXPECT_EQ(testing::read_all(path).size(), 64u + 3 * 4 + 2 * 8);  // docs at offset 76
  EXPECT_EQ(reinterpret_cast<uintptr_t>(s->doc_offsets().data()) % 8, 0u);
}

// Hostile files: each case patches a valid shard's bytes and expects an error naming the file
// and the field.
struct Hostile {
  const char* name;
  void (*patch)(std::string& bytes);
  const char* expect;
};

template <class T>
void put(std::string& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof(v));
}

TEST(Shard, HostileFilesAreRefusedWithNamedFields) {
  TempDir dir;
  const std::string good = dir.file("good.bin");
  // 8 tokens, mask, 2 docs: tokens @64, mask @96, docs @104.
  write_shard(good, {1, 2, 3, 0, 4, 5, 6, 0}, {1, 1, 1, 1, 0, 0, 1, 1}, {0, 4, 8}, 7, 1);
  ASSERT_TRUE(Shard::open(good).ok());
  const std::string bytes = testing::read_all(good);
  ASSERT_EQ(bytes.size(), 64u + 32 + 8 + 24);

  const Hostile cases[] = {
      {"magic", [](std::string& b) { b[0] = 'X'; }, "bad magic"},
      {"version", [](std::string& b) { put<uint32_t>(b, 8, 2); }, "version 2"},
      {"flags", [](std::string& b) { put<uint32_t>(b, 12, 3); }, "flags 0x3"},
      {"n_vocab", [](std::string& b) { put<uint64_t>(b, 32, 0); }, "n_vocab 0"},
      {"n_tokens overflow", [](std::string& b) { put<uint64_t>(b, 16, ~0ull / 2); }, "overflows"},
      {"n_docs overflow", [](std::string& b) { put<uint64_t>(b, 24, ~0ull); }, "overflows"},
      {"n_tokens past the end", [](std::string& b) { put<uint64_t>(b, 16, 1000); }, "n_tokens 1000"},
      {"truncated", [](std::string& b) { b.resize(b.size() - 8); }, "but the file has"},
      {"trailing bytes", [](std::string& b) { b += "xxxxxxxx"; }, "but the file has"},
      {"header", [](std::string& b) { b.resize(40); }, "smaller than the 64-byte header"},
      {"token id", [](std::string& b) { put<uint32_t>(b, 64 + 4 * 5, 7); }, "tokens[5] = 7 is >= n_vocab 7"},
      {"mask value", [](std::string& b) { b[96 + 2] = 5; }, "mask[2] = 5"},
      {"docs[0]", [](std::string& b) { put<uint64_t>(b, 104, 1); }, "docs[0] = 1"},
      {"docs[n_docs]", [](std::string& b) { put<uint64_t>(b, 104 + 16, 9); }, "docs[n_docs] = 9"},
      {"monotone", [](std::string& b) { put<uint64_t>(b, 104 + 8, 9); }, "not monotone"},
  };
  for (const Hostile& c : cases) {
    std::string b = bytes;
    c.patch(b);
    const std::string path = dir.file("hostile.bin");
    testing::write_file(path, b);
    auto s = Shard::open(path);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_NE(s.error().message.find(path), std::string::npos) << c.name << ": " << s.error().message;
    EXPECT_NE(s.error().message.find(c.expect), std::string::npos) << c.name << ": " << s.error().message;
  }
  // A shard outlives moves and copies of the Shard (the map and any docs copy are shared).
  {
    Shard copy = [&] {
      auto s = Shard::open(good);
      PRIMER_CHECK(s.ok());
      Shard t = *s;
      return t;
    }();
    EXPECT_EQ(copy.doc_offsets()[1], 4u);
    EXPECT_EQ(copy.tokens()[4], 4u);
  }
  auto missing = Shard::open(dir.file("missing.bin"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.bin"), std::string::npos);
}

}  // namespace
}  // namespace primer::train
