#pragma once
// The KV cache: for every layer and sequence, keys and values of each position, in F16 (default)
// or F32. Layout per (layer il, sequence s), element type kv_type:
//   K: [n_ctx][n_head_kv * head_dim]     V: [n_ctx][n_head_kv * head_dim]
// so one head's key at position p is kv_dim-strided: k(il, s, p) + g * head_dim.
// Memory: n_layer * n_seq * n_ctx * 2 * kv_dim * sizeof(element), allocated once.

#include <cstdint>
#include <vector>

#include "primer/error.h"
#include "primer/quant.h"

namespace primer::model {

class KvCache {
 public:
  static Result<KvCache> create(int64_t n_layer, int n_seq, int64_t n_ctx, int64_t kv_dim,
                                QuantType type);
  KvCache() = default;

  QuantType type() const { return type_; }
  size_t elem_bytes() const { return type_ == QuantType::kF32 ? 4 : 2; }
  int64_t kv_dim() const { return kv_dim_; }
  int64_t n_ctx() const { return n_ctx_; }
  int n_seq() const { return n_seq_; }
  uint64_t bytes() const { return data_.size(); }

  // Row of position `pos` (kv_dim elements of type()).
  uint8_t* k(int64_t il, int seq, int64_t pos) { return data_.data() + offset(il, seq, 0, pos); }
  uint8_t* v(int64_t il, int seq, int64_t pos) { return data_.data() + offset(il, seq, 1, pos); }
  const uint8_t* k(int64_t il, int seq, int64_t pos) const { return data_.data() + offset(il, seq, 0, pos); }
  const uint8_t* v(int64_t il, int seq, int64_t pos) const { return data_.data() + offset(il, seq, 1, pos); }
  size_t row_bytes() const { return static_cast<size_t>(kv_dim_) * elem_bytes(); }

  // Copies positions [0, n) of src to dst in every layer.
  void copy_seq(int src, int dst, int64_t n);

 private:
  size_t offset(int64_t il, int seq, int kind, int64_t pos) const {
    return ((((static_cast<size_t>(il) * n_seq_ + seq) * 2 + kind) * n_ctx_ + pos) * row_bytes());
  }
  std::vector<uint8_t> data_;
  QuantType type_ = QuantType::kF16;
  int64_t n_layer_ = 0, n_ctx_ = 0, kv_dim_ = 0;
  int n_seq_ = 0;
};

}  // namespace primer::model
