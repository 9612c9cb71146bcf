// qwen3: Qwen3 (dense). NeoX rope, no attention biases, per-head RMSNorm on q and k (weights
// [head_dim], applied before rope); head_dim comes from attention.key_length and need not equal
// n_embd / n_head (Qwen3-0.6B: 1024 wide, 16 heads of 128).
#include "model/arch/arch.h"

namespace primer::model {

const ArchSpec& qwen3_arch() {
  using enum Need;
  static constexpr ArchSpec kSpec{
      "qwen3", RopeStyle::kNeox, 1000000.0f,
      // attn_norm wq wk wv wo | bq bk bv | q_norm k_norm | ffn_norm gate up down
      {kRequired, kRequired, kRequired, kRequired, kRequired, kAbsent, kAbsent, kAbsent,
       kRequired, kRequired, kRequired, kRequired, kRequired, kRequired}};
  return kSpec;
}

}  // namespace primer::model
