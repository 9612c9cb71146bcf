// BatchSampler: each window once per epoch, sample i a pure function of (seed, i), targets the
// inputs shifted by one, the loss mask honoured, and a pinned order (the generator is ours, so
// the order is the same on every platform and standard library).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "data_test_util.h"
#include "primer/train_data.h"
#include "train/det_rng.h"
#include "train/shard_format.h"

namespace primer::train {
namespace {

using testing::TempDir;

// A one-document shard whose token i is i % n_vocab, with an optional mask pattern.
Shard make_shard(const TempDir& dir, uint64_t n_tokens, uint64_t n_vocab, bool with_mask) {
  std::vector<uint32_t> tokens(n_tokens);
  std::vector<uint8_t> mask;
  for (uint64_t i = 0; i < n_tokens; ++i) tokens[i] = static_cast<uint32_t>(i % n_vocab);
  if (with_mask) {
    mask.resize(n_tokens);
    for (uint64_t i = 0; i < n_tokens; ++i) mask[i] = (i % 3 == 0 || i % 7 == 2) ? 0 : 1;
  }
  const std::vector<uint64_t> docs = {0, n_tokens};
  const std::vector<uint32_t> order = {0};
  ShardSource src{tokens, mask, docs, order, n_vocab, 0};
  const std::string path = dir.file(with_mask ? "m.bin" : "p.bin");
  PRIMER_CHECK(write_shard_tmp(src, path + ".tmp", path).ok());
  PRIMER_CHECK(std::rename((path + ".tmp").c_str(), path.c_str()) == 0);
  auto s = Shard::open(path);
  PRIMER_CHECK(s.ok());
  return std::move(s).value();
}

TEST(BatchSampler, WindowCount) {
  TempDir dir;
  Shard s = make_shard(dir, 1001, 50000, false);
  EXPECT_EQ(BatchSampler(s, 10, 1).n_windows(), 100);  // window 99 ends at token 1000
  EXPECT_EQ(BatchSampler(s, 1000, 1).n_windows(), 1);
  EXPECT_EQ(BatchSampler(s, 1001, 1).n_windows(), 0);
}

TEST(BatchSampler, EveryWindowOncePerEpochInADifferentOrder) {
  TempDir dir;
  Shard s = make_shard(dir, 16 * 257 + 1, 50000, false);
  BatchSampler sampler(s, 16, 42);
  const int64_t nw = sampler.n_windows();
  ASSERT_EQ(nw, 257);
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    std::vector<int64_t> w;
    for (int64_t i = 0; i < nw; ++i) w.push_back(sampler.window_of(static_cast<uint64_t>(e * nw + i)));
    std::vector<int64_t> sorted = w;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> iota(static_cast<size_t>(nw));
    std::iota(iota.begin(), iota.end(), 0);
    EXPECT_EQ(sorted, iota) << "epoch " << e;
    EXPECT_NE(w, iota) << "epoch " << e << " is not shuffled";
    epochs.push_back(w);
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
  BatchSampler in_order(s, 16, 42, /*shuffle=*/false);
  for (int64_t i = 0; i < 2 * nw; ++i) EXPECT_EQ(in_order.window_of(static_cast<uint64_t>(i)), i % nw);
}

TEST(BatchSampler, SampleIsAPureFunctionOfSeedAndIndex) {
  TempDir dir;
  Shard s = make_shard(dir, 8 * 100 + 1, 50000, false);
  const int64_t L = 8, n_seq = 4;
  BatchSampler run(s, L, 7);
  // An uninterrupted run: batches 0..99 (4 epochs of 100 windows).
  std::vector<int32_t> all_tok(100 * n_seq * L), all_tgt(100 * n_seq * L);
  for (int64_t b = 0; b < 100; ++b) run.fill(static_cast<uint64_t>(b * n_seq), n_seq, &all_tok[b * n_seq * L], &all_tgt[b * n_seq * L]);
  // A fresh sampler asked for batches out of order (a resumed run, jumping across epochs).
  BatchSampler resumed(s, L, 7);
  std::vector<int32_t> tok(n_seq * L), tgt(n_seq * L);
  for (int64_t b : {73, 2, 99, 50, 0, 26, 25, 74}) {
    resumed.fill(static_cast<uint64_t>(b * n_seq), n_seq, tok.data(), tgt.data());
    EXPECT_TRUE(std::equal(tok.begin(), tok.end(), all_tok.begin() + b * n_seq * L)) << "batch " << b;
    EXPECT_TRUE(std::equal(tgt.begin(), tgt.end(), all_tgt.begin() + b * n_seq * L)) << "batch " << b;
  }
  // Another seed, another order.
  BatchSampler other(s, L, 8);
  int same = 0;
  for (uint64_t i = 0; i < 100; ++i) same += other.window_of(i) == run.window_of(i) ? 1 : 0;
  EXPECT_LT(same, 20);
}

TEST(BatchSampler, PinnedOrderForSeedOne) {
  // Regression pin: changing the generator or the shuffle changes every run's batches.
  TempDir dir;
  Shard s = make_shard(dir, 4 * 10 + 1, 50000, false);
  BatchSampler sampler(s, 4, 1);
  std::vector<int64_t> got;
  for (uint64_t i = 0; i < 20; ++i) got.push_back(sampler.window_of(i));
  SplitMix64 rng(1);
  EXPECT_EQ(rng.next(), 0x910a2dec89025cc1ull);  // splitmix64(1)'s first output, the published value
  const std::vector<int64_t> want = {6, 4, 8, 1, 3, 0, 7, 2, 5, 9, 4, 6, 3, 5, 1, 9, 0, 7, 8, 2};
  EXPECT_EQ(got, want);
}

TEST(BatchSampler, TargetsAreInputsShiftedByOne) {
  TempDir dir;
  Shard s = make_shard(dir, 5 * 64 + 3, 50000, false);
  const int64_t L = 5;
  BatchSampler sampler(s, L, 3);
  std::vector<int32_t> tok(L), tgt(L);
  for (int64_t w = 0; w < sampler.n_windows(); ++w) {
    sampler.fill_window(w, tok.data(), tgt.data());
    for (int64_t j = 0; j < L; ++j) {
      EXPECT_EQ(tok[j], static_cast<int32_t>(w * L + j));
      EXPECT_EQ(tgt[j], static_cast<int32_t>(w * L + j + 1));
    }
  }
  // fill() = fill_window(window_of(i)).
  std::vector<int32_t> tok2(3 * L), tgt2(3 * L);
  sampler.fill(10, 3, tok2.data(), tgt2.data());
  for (int64_t k = 0; k < 3; ++k) {
    sampler.fill_window(sampler.window_of(10 + static_cast<uint64_t>(k)), tok.data(), tgt.data());
    EXPECT_TRUE(std::equal(tok.begin(), tok.end(), tok2.begin() + k * L));
    EXPECT_TRUE(std::equal(tgt.begin(), tgt.end(), tgt2.begin() + k * L));
  }
}

TEST(BatchSampler, MaskedPositionsHaveNoTarget) {
  TempDir dir;
  Shard s = make_shard(dir, 6 * 40 + 1, 50000, true);
  const int64_t L = 6;
  BatchSampler sampler(s, L, 3);
  std::vector<int32_t> tok(L), tgt(L);
  int64_t n_masked = 0;
  for (int64_t w = 0; w < sampler.n_windows(); ++w) {
    sampler.fill_window(w, tok.data(), tgt.data());
    for (int64_t j = 0; j < L; ++j) {
      const uint64_t pos = static_cast<uint64_t>(w * L + j + 1);  // the target's position
      const bool train = s.mask()[pos] != 0;
      EXPECT_EQ(tgt[j], train ? static_cast<int32_t>(pos) : -1) << "window " << w << " j " << j;
      EXPECT_EQ(tok[j], static_cast<int32_t>(pos - 1));
      n_masked += train ? 0 : 1;
    }
  }
  EXPECT_GT(n_masked, 0);
}

}  // namespace
}  // namespace primer::train
