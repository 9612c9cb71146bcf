// BatchSampler: windows of seq_len + 1 tokens in an order drawn per (seed, epoch).
//
// Sample i lives in epoch e = i / n_windows at position p = i % n_windows; its window is
// perm_e[p], where perm_e is a Fisher-Yates shuffle of [0, n_windows) driven by splitmix64
// seeded with mix_seed(seed, e). Nothing else feeds the order, so sample i is a pure function of
// (seed, i) and a resumed run continues exactly. Not thread-safe: fill() caches the current
// epoch's permutation (4 bytes per window), rebuilt when an epoch boundary is crossed.
#include <limits>

#include "primer/train_data.h"
#include "train/det_rng.h"

namespace primer::train {

BatchSampler::BatchSampler(const Shard& shard, int64_t seq_len, uint64_t seed, bool shuffle)
    : shard_(&shard), seq_len_(seq_len), seed_(seed), shuffle_(shuffle) {
  PRIMER_CHECK(seq_len > 0);
  const uint64_t n = shard.n_tokens();
  n_windows_ = n > 0 ? static_cast<int64_t>((n - 1) / static_cast<uint64_t>(seq_len)) : 0;
  PRIMER_CHECK(static_cast<uint64_t>(n_windows_) <= std::numeric_limits<uint32_t>::max());
}

int64_t BatchSampler::window_of(uint64_t sample) const {
  PRIMER_CHECK(n_windows_ > 0);
  const uint64_t nw = static_cast<uint64_t>(n_windows_);
  const int64_t epoch = static_cast<int64_t>(sample / nw);
  const uint64_t pos = sample % nw;
  if (!shuffle_) return static_cast<int64_t>(pos);
  if (epoch != perm_epoch_) {
    perm_.resize(nw);
    for (uint64_t w = 0; w < nw; ++w) perm_[w] = static_cast<uint32_t>(w);
    SplitMix64 rng(mix_seed(seed_, static_cast<uint64_t>(epoch)));
    fisher_yates(perm_, rng);
    perm_epoch_ = epoch;
  }
  return perm_[pos];
}

void BatchSampler::fill_window(int64_t window, int32_t* tokens, int32_t* targets) const {
  PRIMER_CHECK(window >= 0 && window < n_windows_);
  const uint64_t start = static_cast<uint64_t>(window) * static_cast<uint64_t>(seq_len_);
  const uint32_t* src = shard_->tokens().data() + start;
  const uint8_t* mask = shard_->has_mask() ? shard_->mask().data() + start : nullptr;
  for (int64_t j = 0; j < seq_len_; ++j) {
    tokens[j] = static_cast<int32_t>(src[j]);
    const bool target = mask == nullptr || mask[j + 1] != 0;
    targets[j] = target ? static_cast<int32_t>(src[j + 1]) : -1;
  }
}

void BatchSampler::fill(uint64_t first_sample, int64_t n_seq, int32_t* tokens, int32_t* targets) const {
  PRIMER_CHECK(n_seq >= 0);
  for (int64_t s = 0; s < n_seq; ++s) {
    const int64_t w = window_of(first_sample + static_cast<uint64_t>(s));
    fill_window(w, tokens + s * seq_len_, targets + s * seq_len_);
  }
}

}  // namespace primer::train
