#pragma once
// A decoder-only transformer loaded from a GGUF file: hyper-parameters, memory-mapped weight
// views and the model's own tokenizer. Supported architectures (one file each in
// src/model/arch/): llama (Llama 2/3.x, TinyLlama, SmolLM2, Mistral), qwen2, qwen3.
//
// Dimension names used repo-wide:
//   n_vocab   vocabulary size            n_embd    residual width
//   n_layer   decoder blocks             n_head    query heads     n_head_kv  key/value heads (GQA)
//   head_dim  per-head width             n_ff      feed-forward hidden width
//   n_tokens  tokens in a batch          il        layer index
//
// Weights are not copied: WeightTensor::data points into the file mapping owned by the Model.
// The owned tensors are 1-D ones (norms, biases, rope factors), converted to F32 at load, and the
// matrices repacked at load into internal layouts for faster kernels (ModelLoadOptions::repack:
// Q5_0 -> QuantType::kQ5_0R, same size; their file pages are released, so RSS does not grow).
// A Model is immutable after load and safe to share between threads and Contexts.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "primer/error.h"
#include "primer/gguf.h"
#include "primer/quant.h"
#include "primer/tokenizer.h"

namespace primer {

// How positions become rotation angles. kNorm rotates adjacent pairs (x[2i], x[2i+1]) — GGUF
// llama files, whose converter permuted q/k rows for this; kNeox rotates (x[i], x[i + d/2]) —
// Qwen2/Qwen3 (and Hugging Face's rotate_half).
enum class RopeStyle { kNorm, kNeox };

enum class RopeScaling { kNone, kLinear };

struct RopeConfig {
  RopeStyle style = RopeStyle::kNorm;
  float theta = 10000.0f;              // {arch}.rope.freq_base
  int64_t n_dims = 0;                  // rotated dims per head ({arch}.rope.dimension_count)
  RopeScaling scaling = RopeScaling::kNone;
  float linear_factor = 1.0f;          // positions are divided by it (kLinear)
  // Per-frequency divisors (n_dims / 2 floats) from the rope_freqs.weight tensor: the Llama-3.1 /
  // 3.2 frequency scaling as llama.cpp's converter stores it. Empty when absent.
  std::vector<float> freq_factors;
};

struct ModelConfig {
  std::string arch;          // general.architecture
  std::string name;          // general.name (may be empty)
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;      // {arch}.attention.key_length, default n_embd / n_head
  int64_t n_ff = 0;
  int64_t n_ctx_train = 0;
  float rms_eps = 1e-5f;
  RopeConfig rope;
  bool tied_output = false;  // output projection reuses token_embd (no output.weight)
};

// A view of one tensor. Matrices: n_rows rows of n_cols elements (ggml ne[0] = n_cols), row r at
// data + r * row_bytes. Vectors: n_rows == 1. Absent optional tensors have data == nullptr.
struct WeightTensor {
  std::string name;
  QuantType type = QuantType::kF32;
  int64_t n_cols = 0;
  int64_t n_rows = 0;
  size_t row_bytes = 0;
  const uint8_t* data = nullptr;

  bool present() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
  const float* f32() const { return reinterpret_cast<const float*>(data); }  // 1-D tensors
  uint64_t n_bytes() const { return static_cast<uint64_t>(n_rows) * row_bytes; }
};

// Shapes as [n_rows x n_cols]. Optional tensors (absent -> !present()):
//   bq, bk, bv    qwen2 attention biases            q_norm, k_norm  qwen3 per-head RMSNorm [head_dim]
struct LayerWeights {
  WeightTensor attn_norm;                // [n_embd]
  WeightTensor wq;                       // [n_head * head_dim x n_embd]
  WeightTensor wk;                       // [n_head_kv * head_dim x n_embd]
  WeightTensor wv;                       // [n_head_kv * head_dim x n_embd]
  WeightTensor wo;                       // [n_embd x n_head * head_dim]
  WeightTensor bq, bk, bv;               // [n_head * head_dim], [n_head_kv * head_dim] x2
  WeightTensor q_norm, k_norm;           // [head_dim]
  WeightTensor ffn_norm;                 // [n_embd]
  WeightTensor ffn_gate;                 // [n_ff x n_embd]
  WeightTensor ffn_up;                   // [n_ff x n_embd]
  WeightTensor ffn_down;                 // [n_embd x n_ff]
};

struct ModelWeights {
  WeightTensor tok_embd;                 // [n_vocab x n_embd]
  WeightTensor output_norm;              // [n_embd]
  WeightTensor output;                   // [n_vocab x n_embd]; a copy of tok_embd's view when tied
  std::vector<LayerWeights> layers;      // n_layer
};

struct ModelLoadOptions {
  // Load only the hyper-parameters and the tokenizer (primer info on a vocab-only file).
  bool vocab_only = false;
  // Repack weight matrices whose file layout has a faster internal one (Q5_0 -> kQ5_0R), so
  // their WeightTensor::type is the internal type. false: every matrix stays the file's bytes
  // (A/B comparisons; the computed values are the same up to float summation order).
  bool repack = true;
};

class Model {
 public:
  // Maps `path` and validates architecture, hyper-parameters, every tensor's presence, type and
  // shape. Errors name the file and the offending key or tensor.
  static Result<std::unique_ptr<Model>> load(const std::string& path,
                                             const ModelLoadOptions& options = {});
  // Same, from an already opened file (the Model takes ownership).
  static Result<std::unique_ptr<Model>> from_gguf(GgufFile file,
                                                  const ModelLoadOptions& options = {});

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const GgufFile& gguf() const { return *gguf_; }

  // Bytes of all tensor data in the file.
  uint64_t weight_bytes() const;
  // Bytes a single-token decode step streams from memory: every matrix once (the output
  // projection included) plus one token_embd row.
  uint64_t decode_bytes_per_token() const;
  // Multiply-adds x2 per token for the matrix products (attention excluded).
  uint64_t flops_per_token() const;

 private:
  Model() = default;
  friend struct ModelBuilder;  // src/model/loader.cpp

  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<Tokenizer> tokenizer_;
  ModelConfig config_;
  ModelWeights weights_;
  std::vector<std::vector<float>> owned_;  // F32 copies of 1-D tensors
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  std::vector<std::unique_ptr<uint8_t[], FreeDeleter>> repacked_;  // 64-byte aligned matrices
};

// The architectures this build can load, e.g. {"llama", "qwen2", "qwen3"}.
std::vector<std::string_view> supported_architectures();

}  // namespace primer
