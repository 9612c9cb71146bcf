#include "tokenizer/flat_piece_map.h"

#include "tokenizer/string_hash.h"

namespace primer::tok {

void FlatPieceMap::build(const std::vector<std::string>& pieces) {
  blob_.clear();
  offset_.clear();
  offset_.reserve(pieces.size() + 1);
  size_t total = 0;
  for (const std::string& p : pieces) total += p.size();
  blob_.reserve(total);
  for (const std::string& p : pieces) {
    offset_.push_back(static_cast<uint32_t>(blob_.size()));
    blob_ += p;
  }
  offset_.push_back(static_cast<uint32_t>(blob_.size()));
  size_t cap = flat_table_capacity(pieces.size());
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  for (size_t id = 0; id < pieces.size(); ++id) {
    if (pieces[id].empty()) continue;
    uint64_t h = hash_bytes(pieces[id]);
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s.hash = tag;
        s.id = static_cast<TokenId>(id);
        break;
      }
      if (s.hash == tag && piece(s.id) == pieces[id]) break;  // duplicate: keep the lower id
    }
  }
}

TokenId FlatPieceMap::find(std::string_view p) const {
  if (slots_.empty()) return -1;
  uint64_t h = hash_bytes(p);
  uint32_t tag = static_cast<uint32_t>(h >> 32);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id < 0) return -1;
    if (s.hash == tag && piece(s.id) == p) return s.id;
  }
}

}  // namespace primer::tok
