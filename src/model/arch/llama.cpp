// llama: Llama 2 / 3.x, TinyLlama, SmolLM2, Mistral. Adjacent-pair rope (the GGUF converter
// permutes q/k rows for it); attention biases are optional as in llama.cpp (a few fine-tunes
// carry them); no q/k norms. Llama-3.1/3.2 frequency scaling arrives as rope_freqs.weight.
#include "model/arch/arch.h"

namespace primer::model {

const ArchSpec& llama_arch() {
  using enum Need;
  static constexpr ArchSpec kSpec{
      "llama", RopeStyle::kNorm, 10000.0f,
      // attn_norm wq wk wv wo | bq bk bv | q_norm k_norm | ffn_norm gate up down
      {kRequired, kRequired, kRequired, kRequired, kRequired, kOptional, kOptional, kOptional,
       kAbsent, kAbsent, kRequired, kRequired, kRequired, kRequired}};
  return kSpec;
}

}  // namespace primer::model
