// A fast 64-bit hash for short byte strings (pre-tokens, vocabulary pieces): 8 bytes per step
// with a multiply-xorshift mix. Not cryptographic; only used for in-memory hash tables.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace primer::tok {

inline uint64_t hash_mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  return x;
}

inline uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ hash_mix(w)) * 0x9E3779B97F4A7C15ull;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ hash_mix(w ^ 0xFF51AFD7ED558CCDull)) * 0x9E3779B97F4A7C15ull;
  }
  return hash_mix(h);
}

}  // namespace primer::tok
