#pragma once
// Row-major float32 matrix products on OpenBLAS, and the large scratch buffers of a training
// step.
//
// gemm(): C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C, where op transposes when
// asked; lda / ldb / ldc are the row strides of the matrices as stored. The work is split over
// the ThreadPool into one slab of C per thread (rows when M >= N, else columns), each a
// single-threaded OpenBLAS call, so Primer's pool is the only set of threads and every element of
// C is reduced over K in one call (same result whichever thread computes it).
#include <cstddef>
#include <cstdint>

#include "primer/error.h"
#include "primer/thread_pool.h"

namespace primer::train {

void gemm(ThreadPool& pool, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// The same on the calling thread only (inside an already parallel loop).
void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// Loads OpenBLAS (once per process; see gemm.cpp for why it is loaded at run time). gemm()
// requires it: Trainer's constructor checks it, callers that want an error instead of an abort
// call this first.
Status blas_init();

// Zero-initialised float storage, 64-byte aligned; buffers of 2 MiB and more are 2 MiB aligned
// and advised as transparent huge pages (fresh 4 KiB pages fault slowly on these machines).
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(size_t n);
  ~FloatBuffer();
  FloatBuffer(FloatBuffer&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; }
  FloatBuffer& operator=(FloatBuffer&& o) noexcept;
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;

  float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace primer::train
