#pragma once
// Trainer's state: the model's tensor views, the saved activations of the forward pass and the
// backward scratch, all allocated once. Dimension names: N = n_seq * seq_len rows, D = n_embd,
// Hq = n_head * head_dim, Hk = n_head_kv * head_dim, F = n_ff, V = n_vocab, T = seq_len.
#include <vector>

#include "primer/train.h"
#include "train/gemm.h"
#include "train/ops.h"

namespace primer::train {

// Parameter (and gradient) pointers of one layer; null for tensors the architecture lacks.
struct LayerParams {
  const ParamInfo* attn_norm = nullptr;
  const ParamInfo *wq = nullptr, *wk = nullptr, *wv = nullptr, *wo = nullptr;
  const ParamInfo *bq = nullptr, *bk = nullptr, *bv = nullptr;
  const ParamInfo *q_norm = nullptr, *k_norm = nullptr;
  const ParamInfo* ffn_norm = nullptr;
  const ParamInfo *ffn_gate = nullptr, *ffn_up = nullptr, *ffn_down = nullptr;
};

// What the backward pass of one layer reads (saved by the forward pass).
struct LayerActs {
  float* x_in;     // [N x D] residual stream entering the layer
  float* rstd1;    // [N]
  float* xn1;      // [N x D]
  float* q;        // [N x Hq] after bias / q_norm / RoPE
  float* k;        // [N x Hk]
  float* v;        // [N x Hk]
  float* q_pre;    // [N x Hq] before q_norm (qwen3 only)
  float* k_pre;    // [N x Hk] (qwen3 only)
  float* rstd_q;   // [N * n_head] (qwen3 only)
  float* rstd_k;   // [N * n_head_kv] (qwen3 only)
  float* probs;    // [n_seq x n_head x T x T] attention probabilities
  float* att;      // [N x Hq] attention output before attn_output
  float* x_mid;    // [N x D] residual after attention
  float* rstd2;    // [N]
  float* xn2;      // [N x D]
  float* gate;     // [N x F]
  float* up;       // [N x F]
  float* h;        // [N x F] silu(gate) * up
};

struct Trainer::Impl {
  Impl(TrainModel& model, int64_t max_n_seq, int64_t seq_len, ThreadPool& pool);

  // Runs the layers for batch rows (n_seq sequences); leaves the final normed states in xnf.
  void forward(const BatchView& batch);
  // Loss head over the target rows: statistics, and when `backward`, d(loss)/d(xnf) into dxnf and
  // the output weight's gradient.
  StepStats loss_head(const BatchView& batch, const LossConfig& loss, float grad_scale, bool backward);
  void backward(const BatchView& batch);

  void attention_forward(const LayerActs& a, int64_t n_seq);
  void attention_backward(const LayerActs& a, int64_t n_seq);

  TrainModel& model;
  ThreadPool& pool;
  ModelShape s;
  int64_t max_n_seq, T, max_rows;
  int64_t D, Hq, Hk, F, V, hd;
  float attn_scale;
  RopeTable rope;

  const ParamInfo* tok_embd = nullptr;
  const ParamInfo* output_norm = nullptr;
  const ParamInfo* output = nullptr;  // tok_embd when tied
  std::vector<LayerParams> layers;

  FloatBuffer acts_buf;      // every LayerActs plus the final norm
  std::vector<LayerActs> acts;
  float* x_final = nullptr;  // [N x D]
  float* rstd_f = nullptr;   // [N]
  float* xnf = nullptr;      // [N x D]

  // Backward scratch.
  FloatBuffer grad_buf;
  float *dx = nullptr, *dxn = nullptr;            // [N x D]
  float *dq = nullptr, *dk = nullptr, *dv = nullptr, *datt = nullptr, *dk_tmp = nullptr;  // [N x Hq|Hk]
  float *dgate = nullptr, *dup = nullptr;         // [N x F]
  float* dprobs = nullptr;                        // [threads x T x T]
  // Loss head scratch: a chunk of target rows.
  int64_t head_rows = 0;
  FloatBuffer head_buf;
  float *head_x = nullptr, *head_logits = nullptr, *head_dx = nullptr;
  std::vector<int64_t> target_rows;               // reserved to max_rows
  std::vector<double> row_ce, row_kl;             // per target row
};

}  // namespace primer::train
