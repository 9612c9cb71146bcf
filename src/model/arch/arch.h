#pragma once
// Architecture specs: what each supported `general.architecture` stores in a GGUF file. One file
// per architecture (llama.cpp, qwen2.cpp, qwen3.cpp) fills an ArchSpec; the registry
// (registry.cpp) lists them. The loader and gen-model both walk expected_tensors(), so a file
// that gen-model writes is exactly what the loader expects.
//
// GGUF conventions (llama.cpp's): hyper-parameters under "{arch}.*" (see loader.cpp), tensors
//   token_embd.weight [n_vocab x n_embd]      output_norm.weight [n_embd]
//   output.weight     [n_vocab x n_embd]  (absent: tied to token_embd)
//   rope_freqs.weight [n_rot / 2]          (optional: Llama-3.1 frequency factors)
//   blk.{il}.attn_norm / attn_q / attn_k / attn_v / attn_output / ffn_norm / ffn_gate / ffn_up /
//   ffn_down .weight, and per architecture blk.{il}.attn_{q,k,v}.bias, attn_{q,k}_norm.weight.
// Shapes are written [n_rows x n_cols]; GGUF stores dims as {ne0 = n_cols, ne1 = n_rows}.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "primer/model.h"

namespace primer::model {

// Whether an architecture's file must, may or must not hold a tensor.
enum class Need : uint8_t { kAbsent, kOptional, kRequired };

// The per-layer tensors an architecture may use (LayerWeights members).
enum class LayerTensor : uint8_t {
  kAttnNorm, kWq, kWk, kWv, kWo, kBq, kBk, kBv, kQNorm, kKNorm, kFfnNorm, kFfnGate, kFfnUp,
  kFfnDown,
};
inline constexpr size_t kLayerTensorCount = 14;

struct ArchSpec {
  std::string_view name;                           // general.architecture
  RopeStyle rope_style;
  float default_rope_theta;                        // gen-model's default freq_base
  std::array<Need, kLayerTensorCount> layer_need;  // by LayerTensor
};

// Each defined in its own arch/<name>.cpp.
const ArchSpec& llama_arch();
const ArchSpec& qwen2_arch();
const ArchSpec& qwen3_arch();

// The registry: every architecture this build loads, and lookup by name (null when unknown).
std::span<const ArchSpec* const> all_archs();
const ArchSpec* find_arch(std::string_view name);
// "llama, qwen2, qwen3"
std::string arch_names_joined();

// One tensor the loader looks for.
struct TensorSpec {
  std::string name;        // "blk.3.attn_k.weight"
  int64_t n_cols = 0;      // ne0
  int64_t n_rows = 1;      // ne1 (1 for vectors)
  bool matrix = false;     // 2-D weight (quantizable) vs 1-D vector (norms, biases: owned F32)
  Need need = Need::kRequired;
  int layer = -1;          // il, or -1 for model-level tensors
  // Where the view goes: exactly one of these is non-null.
  WeightTensor LayerWeights::*layer_slot = nullptr;
  WeightTensor ModelWeights::*model_slot = nullptr;
  // rope_freqs.weight goes to RopeConfig::freq_factors (both slots null).
};

// Every tensor an architecture may hold for `config` (hyper-parameters already validated), in
// the order llama.cpp's converter writes them: token_embd, output_norm, output, rope_freqs,
// then per layer. Absent tensors are not listed; output.weight and rope_freqs.weight are
// kOptional.
std::vector<TensorSpec> expected_tensors(const ArchSpec& arch, const ModelConfig& config);

}  // namespace primer::model
