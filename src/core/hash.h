#pragma once
// Small deterministic hashes and generators shared by the modules (private to src/): results are
// the same on every platform and standard library, which model files, shards, caches and
// checkpoints rely on.
#include <cstddef>
#include <cstdint>

namespace primer {

// splitmix64 (Steele, Lea, Flood 2014): advances `state` and returns the next output; a
// full-period 64-bit generator and a good mixer of seeds.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 64-bit FNV-1a over bytes, continuing from `h`.
inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1aPrime = 0x100000001b3ull;
inline uint64_t fnv1a(const void* data, size_t n, uint64_t h = kFnv1aOffset) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnv1aPrime;
  return h;
}

}  // namespace primer
