#include "tokenizer/word_cache.h"

#include <algorithm>

namespace primer::tok {

WordCache::WordCache(size_t capacity) {
  if (capacity == 0) return;
  max_count_ = std::max<size_t>(16, capacity / kShards);
  slots_per_shard_ = 32;
  while (slots_per_shard_ < max_count_ * 2) slots_per_shard_ <<= 1;
  shards_.reset(new Shard[kShards]);
}

bool WordCache::lookup(std::string_view word, uint64_t hash, std::vector<TokenId>& out) const {
  if (!shards_) return false;
  Shard& sh = shards_[hash % kShards];
  std::lock_guard<std::mutex> lock(sh.mu);
  if (sh.slots.empty()) return false;
  const size_t mask = sh.slots.size() - 1;
  for (size_t i = (hash >> 8) & mask;; i = (i + 1) & mask) {
    const Slot& s = sh.slots[i];
    if (!s.used) return false;
    if (s.hash == hash && s.key_len == word.size() &&
        std::string_view(sh.keys).substr(s.key_offset, s.key_len) == word) {
      out.insert(out.end(), sh.ids.begin() + s.ids_offset, sh.ids.begin() + s.ids_offset + s.n_ids);
      return true;
    }
  }
}

void WordCache::insert(std::string_view word, uint64_t hash, const TokenId* ids, size_t n) const {
  if (!shards_ || word.size() > kMaxKeyBytes || n > kMaxIds) return;
  Shard& sh = shards_[hash % kShards];
  std::lock_guard<std::mutex> lock(sh.mu);
  if (sh.slots.empty() || sh.count >= max_count_) {  // (re)start the shard
    sh.slots.assign(slots_per_shard_, Slot{});
    sh.keys.clear();
    sh.ids.clear();
    sh.keys.reserve(max_count_ * 12);
    sh.ids.reserve(max_count_ * 3);
    sh.count = 0;
  }
  const size_t mask = sh.slots.size() - 1;
  size_t i = (hash >> 8) & mask;
  for (;; i = (i + 1) & mask) {
    const Slot& s = sh.slots[i];
    if (!s.used) break;
    if (s.hash == hash && s.key_len == word.size() &&
        std::string_view(sh.keys).substr(s.key_offset, s.key_len) == word) {
      return;  // another thread inserted it meanwhile
    }
  }
  Slot& s = sh.slots[i];
  s.used = true;
  s.hash = hash;
  s.key_offset = static_cast<uint32_t>(sh.keys.size());
  s.key_len = static_cast<uint8_t>(word.size());
  s.ids_offset = static_cast<uint32_t>(sh.ids.size());
  s.n_ids = static_cast<uint8_t>(n);
  sh.keys.append(word);
  sh.ids.insert(sh.ids.end(), ids, ids + n);
  ++sh.count;
}

}  // namespace primer::tok
