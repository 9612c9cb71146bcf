#pragma once
// Model files made by Primer itself: random-weight models of any shape (`primer gen-model`, the
// tests' and benchmarks' model factory) and re-quantized copies of a model (`primer quantize`).

#include <cstdint>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/log.h"
#include "primer/quant.h"
#include "primer/thread_pool.h"

namespace primer {

// File types as llama.cpp names them. Mixtures (…_M, …_S) choose a type per tensor the way
// llama.cpp's llama_tensor_get_type does (e.g. Q4_K_M: Q6_K for the output projection and for
// attn_v / ffn_down in the layers that need more bits), and fall back to a 32-element format when
// a row length is not a multiple of 256 (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0), as llama.cpp
// does for e.g. Qwen2.5-0.5B (n_embd 896).
enum class FileType {
  kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1,
  kQ4_K_S, kQ4_K_M, kQ5_K_S, kQ5_K_M, kQ6_K,
};
// "F32", "F16", "BF16", "Q8_0", …, "Q4_K_M" (case-insensitive parse).
Result<FileType> parse_file_type(std::string_view name);
const char* file_type_name(FileType type);
std::vector<std::string_view> file_type_names();

struct GenModelOptions {
  std::string arch = "qwen2";          // llama | qwen2 | qwen3
  int64_t n_embd = 64;
  int64_t n_layer = 2;
  int64_t n_head = 4;
  int64_t n_head_kv = 2;
  int64_t head_dim = 0;                // 0: n_embd / n_head
  int64_t n_ff = 0;                    // 0: round_up(8/3 * n_embd, 32)
  int64_t n_ctx_train = 4096;
  float rope_theta = 0;                // 0: the arch's usual default (llama 10000 / 500000 with llama3 scaling, qwen 1e6)
  std::string rope_scaling;            // "" | "llama3" (writes rope_freqs.weight) | "linear:<factor>"
  bool tied_output = true;
  float rms_eps = 1e-6f;
  // Tokenizer: a GGUF (its tokenizer.* keys are copied) or a Hugging Face tokenizer.json (with
  // tokenizer_config.json beside it for the chat template). Empty: a synthetic byte-level vocab
  // of n_vocab tokens.
  std::string vocab_from;
  int64_t n_vocab = 0;                 // only without vocab_from
  FileType type = FileType::kF32;
  uint64_t seed = 42;
  float init_std = 0.02f;              // weights ~ N(0, init_std) (deterministic, platform-independent RNG)
};

// Writes a random-weight model. Deterministic for a given options struct (bit-identical file).
Status generate_model(const GenModelOptions& options, const std::string& out_path,
                      ThreadPool& pool, Logger& logger);

struct QuantizeOptions {
  FileType type = FileType::kQ4_K_M;
  bool allow_requantize = false;       // quantized input tensors are dequantized first (lossy)
};

// Copies every key and re-encodes the matrices (2-D weights; 1-D tensors stay F32).
// Progress (tensors, MB/s) is logged at info level.
Status quantize_model(const std::string& in_path, const std::string& out_path,
                      const QuantizeOptions& options, ThreadPool& pool, Logger& logger);

}  // namespace primer
