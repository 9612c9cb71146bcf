#pragma once
// The engine's oracle: a plain, readable forward pass in double precision, written from the
// definitions (Hugging Face's modeling_llama / modeling_qwen2 / modeling_qwen3, llama.cpp's rope
// conventions) and sharing no code with src/model. Every weight is dequantized once with the
// quant table's to_float, then all math is double (ActivationRounding::kExact, the default; see
// kLikeDotType for the engine's arithmetic). Slow on purpose (no cache, no threads): meant
// for tiny models in tests.
//
// One sequence, positions 0..n_tokens-1, causal attention: logits[t] predicts token t + 1.

#include <cstdint>
#include <span>
#include <vector>

#include "primer/model.h"

namespace primer::testing {

// How the reference computes each matrix product y = W x.
//   kExact          exact double math on the dequantized weights.
//   kLikeDotType    what the engine's integer / half-precision dot products compute: x is
//                   quantized to the weight type's dot_type with the reference quantizer (Q8_0,
//                   Q8_1, Q8_K blocks, F16, BF16) and each y[r] is the quant table's reference
//                   vec_dot of the weight row with it (ggml's scalar semantics, e.g. the Q8_1
//                   block sum stored in F16 for Q4_1 / Q5_1). F32 weights stay exact. What is
//                   left between the engine and this is float accumulation order.
enum class ActivationRounding { kExact, kLikeDotType };

// A dense row-major matrix of doubles: [n_rows x n_cols], dequantized from `source`.
struct RefMatrix {
  int64_t n_rows = 0;
  int64_t n_cols = 0;
  const WeightTensor* source = nullptr;  // the model's view (kLikeDotType reads its blocks)
  std::vector<double> data;

  const double* row(int64_t r) const { return data.data() + r * n_cols; }
  bool empty() const { return data.empty(); }
};

struct RefLayer {
  std::vector<double> attn_norm;     // [n_embd]
  RefMatrix wq, wk, wv, wo;          // [n_head*head_dim x n_embd] [n_head_kv*head_dim x n_embd] x2, [n_embd x n_head*head_dim]
  std::vector<double> bq, bk, bv;    // qwen2 biases (empty when absent)
  std::vector<double> q_norm, k_norm;  // qwen3 [head_dim] (empty when absent)
  std::vector<double> ffn_norm;      // [n_embd]
  RefMatrix ffn_gate, ffn_up;        // [n_ff x n_embd]
  RefMatrix ffn_down;                // [n_embd x n_ff]
};

class ReferenceModel {
 public:
  // Dequantizes every weight of `model` (whatever its tensor types) to double. `model` must
  // outlive this object.
  explicit ReferenceModel(const Model& model,
                          ActivationRounding rounding = ActivationRounding::kExact);

  // logits, row-major [n_tokens][n_vocab], for `tokens` at positions 0..n_tokens-1.
  std::vector<double> forward(std::span<const int32_t> tokens) const;

  const ModelConfig& config() const { return config_; }
  int64_t n_vocab() const { return config_.n_vocab; }

 private:
  void rope(double* x, int64_t pos) const;  // one head, [head_dim], in place
  // y[n_rows] = W x[n_cols], x rounded first as rounding_ says.
  std::vector<double> project(const RefMatrix& w, const std::vector<double>& x) const;

  ModelConfig config_;
  ActivationRounding rounding_;
  RefMatrix tok_embd_;  // [n_vocab x n_embd]
  std::vector<double> output_norm_;  // [n_embd]
  RefMatrix output_;    // [n_vocab x n_embd] (a copy of tok_embd when tied)
  std::vector<RefLayer> layers_;
};

// Dequantizes one weight view (any supported type) to a dense double matrix.
RefMatrix dequantize(const WeightTensor& tensor);

// How far `actual` (e.g. the engine's float logits) is from `expected` (the reference).
struct LogitDiff {
  double max_abs = 0;        // max |a - e|
  double max_ref = 0;        // max |e|
  double rel_rms = 0;        // sqrt(sum (a - e)^2 / sum e^2)
  int64_t argmax_mismatches = 0;  // rows whose argmax differs (only computed by compare_rows)
};
LogitDiff compare_logits(std::span<const float> actual, std::span<const double> expected);
// Same over [n_rows][n_cols] row-major data, also counting rows whose argmax differs.
LogitDiff compare_rows(std::span<const float> actual, std::span<const double> expected,
                       int64_t n_cols);

}  // namespace primer::testing
