// FlatPieceMap: piece -> id lookups for the hot paths (BPE symbols, ignore_merges), as an
// open-addressing table over one contiguous blob of the pieces. One probe usually touches one
// slot and one blob range, instead of std::unordered_map's chain of heap nodes.
// Immutable after build(); safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"

namespace primer::tok {

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

}  // namespace primer::tok
