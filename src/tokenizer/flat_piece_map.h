// Compact piece -> id lookups for large vocabularies (Qwen: 151k pieces).
//
// FlatPieceMap: an open-addressing table over one contiguous blob of the pieces, for the hot paths
// (BPE symbols, ignore_merges). One probe usually touches one slot and one blob range, instead of
// std::unordered_map's chain of heap nodes. Immutable after build(); safe to share between threads.
//
// PieceIndex: the same open-addressing table (8 bytes a slot) without its own copy of the
// pieces: it stores ids only and reads the text through the caller's id -> piece table, which
// must be passed to every call (Vocab keeps both side by side). Grows as ids are inserted.
//
// Memory, n pieces: slots are a power of two >= n * 4/3 (load <= 0.75), 8 bytes each; Qwen's
// 151,669 pieces take 2 MiB of slots (std::unordered_map<std::string, id> took ~11 MiB).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"
#include "tokenizer/string_hash.h"

namespace primer::tok {

// Slots for `n` entries: a power of two >= 16 with load <= 0.75.
inline size_t flat_table_capacity(size_t n) {
  size_t cap = 16;
  while (cap * 3 < n * 4) cap <<= 1;
  return cap;
}

class FlatPieceMap {
 public:
  // pieces[id] is the text of id; empty pieces (holes) are skipped; for duplicates the
  // lowest id wins.
  void build(const std::vector<std::string>& pieces);
  // The id of `piece`, or -1.
  TokenId find(std::string_view piece) const;
  std::string_view piece(TokenId id) const {
    return std::string_view(blob_).substr(offset_[id], offset_[id + 1] - offset_[id]);
  }
  size_t memory_bytes() const {
    return blob_.capacity() + offset_.capacity() * sizeof(uint32_t) + slots_.capacity() * sizeof(Slot);
  }

 private:
  struct Slot {
    uint32_t hash = 0;  // high bits of the 64-bit hash
    TokenId id = -1;    // -1: empty
  };
  std::string blob_;              // all pieces, concatenated in id order
  std::vector<uint32_t> offset_;  // id -> start in blob_; offset_[n] = blob_.size()
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

class PieceIndex {
 public:
  // The id of `piece` in `pieces` (the table the ids were inserted from), or -1.
  template <class Pieces>
  TokenId find(std::string_view piece, const Pieces& pieces) const {
    if (slots_.empty()) return -1;
    uint64_t h = hash_bytes(piece);
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && std::string_view(pieces[s.id]) == piece) return s.id;
    }
  }
  // Indexes pieces[id]. When the piece is already indexed under another id, that id stays
  // (kKeep) or is replaced by `id` (kReplace). Returns the id the piece now maps to.
  enum class OnDuplicate { kKeep, kReplace };
  template <class Pieces>
  TokenId insert(TokenId id, const Pieces& pieces, OnDuplicate dup = OnDuplicate::kKeep) {
    if (slots_.empty() || (count_ + 1) * 4 > slots_.size() * 3) {
      rehash(flat_table_capacity(std::max<size_t>(count_ + 1, slots_.size())), pieces);
    }
    std::string_view piece = pieces[id];
    uint64_t h = hash_bytes(piece);
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = Slot{tag, id};
        ++count_;
        return id;
      }
      if (s.tag == tag && std::string_view(pieces[s.id]) == piece) {
        if (dup == OnDuplicate::kReplace) s.id = id;
        return s.id;
      }
    }
  }
  // Room for `n` entries without growing.
  template <class Pieces>
  void reserve(size_t n, const Pieces& pieces) {
    if (flat_table_capacity(n) > slots_.size()) rehash(flat_table_capacity(n), pieces);
  }
  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    count_ = 0;
    mask_ = 0;
  }
  size_t size() const { return count_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint32_t tag = 0;  // high half of the 64-bit hash
    TokenId id = -1;   // -1: empty
  };
  template <class Pieces>
  void rehash(size_t cap, const Pieces& pieces) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (const Slot& o : old) {
      if (o.id < 0) continue;
      uint64_t h = hash_bytes(std::string_view(pieces[o.id]));
      uint64_t i = h & mask_;
      while (slots_[i].id >= 0) i = (i + 1) & mask_;
      slots_[i] = o;
    }
  }

  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace primer::tok
