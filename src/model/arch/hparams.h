#pragma once
// Reading a model's hyper-parameters from GGUF metadata (llama.cpp's keys; {arch} is
// general.architecture):
//   {arch}.context_length, .embedding_length, .block_count, .feed_forward_length,
//   .attention.head_count                                   required
//   .attention.head_count_kv                                default head_count
//   .attention.layer_norm_rms_epsilon                       required (as in llama.cpp)
//   .attention.key_length / .value_length                   default n_embd / n_head; must be equal
//   .rope.freq_base                                         default 10000
//   .rope.dimension_count                                   default head_dim; even, <= head_dim
//   .rope.scaling.type                                      "none" | "linear" (others: Error)
//   .rope.scaling.factor (or the older .rope.scale_linear)  positions are divided by it
//   general.name                                            optional
// Every value is range-checked (no zero, head counts divide, sizes below the limits below) so
// later products of dimensions cannot overflow. n_vocab and tied_output are left for the loader.
#include <string>

#include "model/arch/arch.h"
#include "primer/gguf.h"

namespace primer::model {

// Upper limits, far above any model this engine targets, that keep every product of two
// dimensions (and row byte counts) well inside 64 bits.
inline constexpr int64_t kMaxWidth = int64_t{1} << 20;   // n_embd, n_ff, n_head * head_dim
inline constexpr int64_t kMaxLayers = 4096;
inline constexpr int64_t kMaxHeads = 4096;
inline constexpr int64_t kMaxVocab = int64_t{1} << 22;
inline constexpr int64_t kMaxContext = int64_t{1} << 26;

// "[model] <file>: <what>"
Error model_error(const GgufFile& gguf, const std::string& what);

// Reads general.architecture and the hyper-parameters above. `arch` receives the spec.
Result<ModelConfig> read_model_config(const GgufFile& gguf, const ArchSpec** arch);

// Writes the "{arch}.*" keys above for `c` (vocab_size included; general.* is the caller's), so
// files Primer writes (gen-model, trained models) read back as `c`.
void write_model_config(const ModelConfig& c, GgufWriter& w);

}  // namespace primer::model
