// A small deterministic generator for data shuffling: splitmix64 and a seeded Fisher-Yates.
// Not std::mt19937 + std::uniform_int_distribution / std::shuffle: their results differ across
// standard libraries, and shard order and batch order must be the same everywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hash.h"

namespace primer::train {

// splitmix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator; also a good mixer.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64(state_); }
  // Uniform in [0, n), n >= 1, without modulo bias (rejection of the short top range).
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

 private:
  uint64_t state_;
};

// One mixed 64-bit value from two (seed, stream): distinct streams give unrelated sequences.
inline uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  SplitMix64 a(seed ^ 0xD1B54A32D192ED03ull);
  SplitMix64 b(a.next() ^ stream);
  return b.next();
}

// Fisher-Yates shuffle of `v` in place, driven by `rng` (i from the end down, j uniform in [0, i]).
template <class T>
void fisher_yates(std::vector<T>& v, SplitMix64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.below(i));
    T t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

}  // namespace primer::train
