// qwen2: Qwen2 / Qwen2.5. NeoX rope (rotate_half), q/k/v projections with biases (required, as
// llama.cpp requires them), no q/k norms.
#include "model/arch/arch.h"

namespace primer::model {

const ArchSpec& qwen2_arch() {
  using enum Need;
  static constexpr ArchSpec kSpec{
      "qwen2", RopeStyle::kNeox, 1000000.0f,
      // attn_norm wq wk wv wo | bq bk bv | q_norm k_norm | ffn_norm gate up down
      {kRequired, kRequired, kRequired, kRequired, kRequired, kRequired, kRequired, kRequired,
       kAbsent, kAbsent, kRequired, kRequired, kRequired, kRequired}};
  return kSpec;
}

}  // namespace primer::model
