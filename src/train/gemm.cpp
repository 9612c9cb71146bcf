#include "train/gemm.h"

#include <cblas.h>
#include <dlfcn.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace primer::train {

namespace {

// OpenBLAS is loaded with dlopen, not linked: its DYNAMIC_ARCH build picks its kernels from the
// CPU model when it loads, and Debian's 0.3.21 does not know the newer Xeons these machines run
// on, so it falls back to its generic "Prescott" kernels (8.7 GFLOP/s for a 1024^3 product on
// one core, against ~100 with the AVX-512 ones). Before loading it we name the kernel family
// from the CPU's features (unless the user set OPENBLAS_CORETYPE), and ask for one thread:
// Primer's pool splits the products itself.
struct Blas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  std::string error;
};

const char* core_type_for_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;  // let OpenBLAS decide
}

Blas load_blas() {
  Blas b;
  if (const char* core = core_type_for_cpu()) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* e = dlerror();
    b.error = std::string("cannot load OpenBLAS (libopenblas.so.0; Debian package libopenblas0): ") + (e ? e : "");
    return b;
  }
  b.sgemm = reinterpret_cast<decltype(&cblas_sgemm)>(dlsym(h, "cblas_sgemm"));
  auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
  if (b.sgemm == nullptr) b.error = "OpenBLAS has no cblas_sgemm";
  if (set_threads != nullptr) set_threads(1);
  return b;
}

const Blas& blas() {
  static const Blas b = load_blas();  // loaded once per process, thread-safe initialisation
  return b;
}

}  // namespace

Status blas_init() {
  if (!blas().error.empty()) return Error{"[train] " + blas().error};
  return ok_status();
}

void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // BLAS would still scale C by beta; do the same explicitly
    for (int64_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      for (int64_t j = 0; j < N; ++j) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
    }
    return;
  }
  blas().sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

void gemm(ThreadPool& pool, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const int n_threads = pool.size();
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (n_threads <= 1 || work < 2e5) {
    gemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const bool split_rows = M >= N;
  const int64_t extent = split_rows ? M : N;
  // Slabs rounded to 16 (whole micro-kernel tiles), one per thread.
  const int64_t slab = std::max<int64_t>(16, ((extent + n_threads - 1) / n_threads + 15) / 16 * 16);
  const int64_t n_slabs = (extent + slab - 1) / slab;
  pool.parallel_for(static_cast<size_t>(n_slabs), 1, [&](size_t begin, size_t end, int) {
    for (size_t s = begin; s < end; ++s) {
      const int64_t lo = static_cast<int64_t>(s) * slab;
      const int64_t n = std::min(extent, lo + slab) - lo;
      if (split_rows) {
        const float* a = trans_a ? A + lo : A + lo * lda;
        gemm_serial(trans_a, trans_b, n, N, K, alpha, a, lda, B, ldb, beta, C + lo * ldc, ldc);
      } else {
        const float* b = trans_b ? B + lo * ldb : B + lo;
        gemm_serial(trans_a, trans_b, M, n, K, alpha, A, lda, b, ldb, beta, C + lo, ldc);
      }
    }
  });
}

FloatBuffer::FloatBuffer(size_t n) : size_(n) {
  if (n == 0) return;
  const size_t bytes = n * sizeof(float);
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t align = bytes >= kHuge ? kHuge : 64;
  const size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (align == kHuge) madvise(p, rounded, MADV_HUGEPAGE);
  std::memset(p, 0, rounded);
  data_ = static_cast<float*>(p);
}

FloatBuffer::~FloatBuffer() { std::free(data_); }

FloatBuffer& FloatBuffer::operator=(FloatBuffer&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

}  // namespace primer::train
