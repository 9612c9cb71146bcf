#pragma once
// The elementwise and row-wise ops of the training step, forward and backward, threaded over
// rows. Weight and bias gradients are reduced over rows in row order by a fixed column
// partition, so results do not depend on thread scheduling. Shapes: [rows x width] row-major.
#include <cstdint>
#include <vector>

#include "primer/model.h"
#include "primer/thread_pool.h"

namespace primer::train {

// y = x * rstd * w with rstd = 1 / sqrt(mean(x^2) + eps) per row (x, y: [rows x n] with row
// stride ld; rstd: [rows]). Rows are independent, so per-head norms (qwen3) are rows too.
void rmsnorm_forward(ThreadPool& pool, const float* x, const float* w, float* y, float* rstd, int64_t rows,
                     int64_t n, float eps);
// dx (+)= d(x)/..., dw += sum over rows of dy * x * rstd.
//   dx_i = rstd * (g_i - x_i * rstd^2 * mean_j(g_j x_j)),  g = dy * w
// accumulate: dx += (true) or dx = (false).
void rmsnorm_backward(ThreadPool& pool, const float* x, const float* w, const float* rstd, const float* dy,
                      float* dx, float* dw, int64_t rows, int64_t n, bool accumulate);

// RoPE for positions 0..n_pos-1 (every sequence of a batch starts at position 0), angles as the
// engine computes them (double, theta^(-2i/head_dim)).
class RopeTable {
 public:
  void init(RopeStyle style, float theta, int64_t head_dim, int64_t n_pos);
  // x: [n_seq * seq_len rows x n_heads * head_dim]; rotates every head of every row by its
  // position (row % seq_len). inverse: rotate by -angle (the backward of the forward rotation).
  void apply(ThreadPool& pool, float* x, int64_t rows, int64_t seq_len, int64_t n_heads, bool inverse) const;

 private:
  RopeStyle style_ = RopeStyle::kNorm;
  int64_t head_dim_ = 0;
  std::vector<float> cos_, sin_;  // [n_pos][head_dim / 2]
};

// h = silu(gate) * up, elementwise over n values.
void swiglu_forward(ThreadPool& pool, const float* gate, const float* up, float* h, int64_t n);
// From dh (read from `dgate_inout`): dgate = dh * up * silu'(gate), dup = dh * silu(gate).
void swiglu_backward(ThreadPool& pool, const float* gate, const float* up, float* dgate_inout, float* dup,
                     int64_t n);

// y[r] += b for every row; db += column sums of dy.
void add_bias(ThreadPool& pool, float* y, const float* b, int64_t rows, int64_t n);
void bias_backward(ThreadPool& pool, const float* dy, float* db, int64_t rows, int64_t n);

// Causal attention in row blocks: a block holds rows first_row .. first_row + n_rows - 1 of a
// score matrix and columns 0 .. n_cols - 1 (n_cols >= first_row + n_rows), row stride ld.
// In place, row i (global index): softmax over columns 0..i, zeros in columns i+1 .. n_cols-1.
void causal_softmax(float* s, int64_t n_rows, int64_t ld, int64_t first_row, int64_t n_cols);
// The softmax backward of those rows: dp_i <- p_i * (dp_i - <dp_i, p_i>), zeros after i.
void causal_softmax_backward(const float* p, float* dp, int64_t n_rows, int64_t ld, int64_t first_row,
                             int64_t n_cols);

}  // namespace primer::train
