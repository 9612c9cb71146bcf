// WordCache: a bounded, thread-safe map from a pre-token (bytes) to its ids, for the BPE model.
//
// kShards shards, each guarded by its own mutex: an open-addressing table of kSlotsPerShard
// slots plus two arenas (key bytes, ids). A shard that fills up (half its slots, or an arena
// limit) is cleared and refilled — a crude but allocation-free eviction. Lookups copy the ids
// out under the lock. Memory: about capacity * 100 bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"

namespace primer::tok {

class WordCache {
 public:
  // `capacity`: total number of words kept (0 disables the cache).
  explicit WordCache(size_t capacity);
  bool enabled() const { return shards_ != nullptr; }
  static constexpr size_t kMaxKeyBytes = 255;
  static constexpr size_t kMaxIds = 255;

  // Appends the cached ids of `word` to `out` and returns true on a hit.
  bool lookup(std::string_view word, uint64_t hash, std::vector<TokenId>& out) const;
  // Words longer than kMaxKeyBytes or with more than kMaxIds ids are not stored.
  void insert(std::string_view word, uint64_t hash, const TokenId* ids, size_t n) const;

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_offset = 0;
    uint32_t ids_offset = 0;
    uint8_t key_len = 0;
    uint8_t n_ids = 0;
    bool used = false;
  };
  struct Shard {
    std::mutex mu;
    std::vector<Slot> slots;
    std::string keys;
    std::vector<TokenId> ids;
    size_t count = 0;
  };
  static constexpr size_t kShards = 16;

  size_t slots_per_shard_ = 0;  // power of two
  size_t max_count_ = 0;        // words per shard before it is cleared
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace primer::tok
