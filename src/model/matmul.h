#pragma once
// Matrix products of weights (any supported type, memory-mapped) with float activations:
//   y[t * y_stride + r] = dot(w.row(r), x[t * x_stride ...])      t < n_tokens, r < w.n_rows
// The activations are first quantized to each weight type's dot_type (Q8_0 / Q8_1 / Q8_K / F16 /
// BF16 / F32) so the kernels use integer dot products, as ggml does.
//
// Work is split into (row block x token block) tiles spread over the ThreadPool: a row block of
// the weight stays in L2 while a token block streams past it, and each kernel call computes a
// register-blocked tile (KernelSet gemm_tile). With one token (decode) a tile is a row block, so
// every weight byte is read exactly once per token.
//
// Several weights that read the same input (q/k/v, gate/up) run as one job list in one
// parallel_for, so small matrices don't each pay a dispatch.

#include <cstdint>
#include <span>
#include <vector>

#include "primer/error.h"
#include "primer/model.h"
#include "primer/thread_pool.h"

namespace primer::model {

struct MatJob {
  const WeightTensor* w = nullptr;
  float* y = nullptr;       // [n_tokens][y_stride], columns [0, w->n_rows) written
  int64_t y_stride = 0;
};

class Matmul {
 public:
  // Reserves scratch for the dot types of `weights`' matrices: runs of up to n_tokens rows of up
  // to n_in_max elements, with at most max_elements (n_tokens * n_in) in one run (the FFN's wide
  // input comes in short token chunks), and n_threads tile buffers.
  void reserve(const ModelWeights& weights, int64_t n_tokens, int64_t n_in_max,
               int64_t max_elements, int n_threads);

  // All jobs must share n_cols == n_in. x: [n_tokens][x_stride] floats.
  void run(std::span<const MatJob> jobs, const float* x, int64_t x_stride, int64_t n_tokens,
           int64_t n_in, ThreadPool& pool);

 private:
  struct ActBuffer {
    QuantType type;
    std::vector<uint8_t> data;
    size_t row_bytes = 0;   // for the current run
    bool ready = false;
  };
  ActBuffer* buffer_for(QuantType dot_type);

  std::vector<ActBuffer> acts_;
  std::vector<float> tiles_;      // per thread [kRowBlock * kTokenBlock]
  int64_t n_tokens_max_ = 0, n_in_max_ = 0, max_elements_ = 0;
  int n_threads_ = 1;
};

}  // namespace primer::model
