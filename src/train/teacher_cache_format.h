// The on-disk header of a teacher top-k cache (layout documented in include/primer/distill.h)
// and the hashes its key uses. Private to src/train.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/hash.h"
#include "primer/distill.h"

namespace primer::train::detail {

inline constexpr char kTeacherCacheMagic[8] = {'P', 'R', 'M', 'T', 'O', 'P', 'K', '1'};
inline constexpr uint32_t kTeacherCacheVersion = 1;

struct TeacherCacheHeader {
  char magic[8];
  uint32_t version;
  uint32_t k;
  uint32_t id_bits;
  uint32_t lp_bits;
  float lp_step;
  uint32_t reserved;
  uint64_t n_windows;
  uint64_t seq_len;
  uint64_t n_vocab;
  uint64_t teacher_size;
  uint64_t teacher_hash;
  uint64_t shard_size;
  uint64_t shard_path_hash;
  uint64_t shard_tokenizer_hash;
  uint64_t shard_tokens_hash;
  uint64_t payload_hash;
  uint8_t pad[16];
};
static_assert(sizeof(TeacherCacheHeader) == kTeacherCacheHeaderBytes, "header is 128 bytes");

// FNV-1a, bytewise (keys: paths, metadata).
using primer::fnv1a;  // core/hash.h

// FNV-1a over 64-bit words (payload integrity: 8x faster than bytewise), tail bytewise.
inline uint64_t fnv1a_words(const void* data, size_t n, uint64_t h = kFnv1aOffset) {
  const auto* p = static_cast<const uint8_t*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h ^= w;
    h *= kFnv1aPrime;
    h ^= h >> 29;
  }
  return fnv1a(p + i, n - i, h);
}

// The payload hash: FNV-1a over the per-window hashes, in window order.
inline uint64_t window_hash(const uint32_t* window_entries, size_t n_entries) {
  return fnv1a_words(window_entries, n_entries * sizeof(uint32_t));
}

TeacherCacheHeader make_header(const TeacherCacheKey& key, const TeacherEntryCodec& codec, uint64_t payload_hash);

// The cache key's shard part: absolute path hash, file size, tokenizer hash, tokens hash.
Status fill_shard_key(const Shard& shard, TeacherCacheKey& key);

}  // namespace primer::train::detail
