// The AVX2 (+FMA, F16C) level: the shared kernel sources of src/kernels/x86/ compiled with
// -mavx2 -mfma -mf16c (see src/kernels/CMakeLists.txt), with maddubs-based integer dots.
// Everything is in an anonymous namespace so nothing compiled with these flags can be picked
// by the linker for another level; only fill_avx2 is exported, and dispatch.cpp calls it only
// when cpu_features() report AVX2 + FMA + F16C.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/levels.h"
#include "primer/error.h"

namespace primer::kern {
namespace {
#include "kernels/x86/simd_common.inc"
#include "kernels/x86/isa_avx2.inc"
#include "kernels/x86/quantize_q8.inc"
#include "kernels/x86/blocks_legacy.inc"
#include "kernels/x86/blocks_k.inc"
#include "kernels/x86/blocks_float.inc"
#include "kernels/x86/tile.inc"
#include "kernels/x86/float_ops.inc"
#include "kernels/x86/fill.inc"

// Peak probes (see PeakProbes): 10 independent 256-bit chains, enough to cover FMA latency x
// throughput on 2 ports.
double probe_fma(int64_t n_iter) {
  __m256 acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 m = _mm256_set1_ps(0.999f), a = _mm256_set1_ps(1e-3f);
  for (int64_t it = 0; it < n_iter; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < 10; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 10; ++i) s = _mm256_add_ps(s, acc[i]);
  volatile float sink = hsum(s);
  (void)sink;
  return 2.0 * 8 * 10 * static_cast<double>(n_iter);
}

double probe_int8(int64_t n_iter) {
  __m256i acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = _mm256_set1_epi32(i);
  const __m256i u = _mm256_set1_epi8(3), s8 = _mm256_set1_epi8(-2);
  for (int64_t it = 0; it < n_iter; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < 10; ++i) acc[i] = Isa::dot_u8s8(acc[i], u, s8);
  }
  __m256i s = acc[0];
  for (int i = 1; i < 10; ++i) s = _mm256_add_epi32(s, acc[i]);
  volatile int sink = hsum_i32(s);
  (void)sink;
  return 2.0 * 32 * 10 * static_cast<double>(n_iter);
}
}  // namespace

void fill_avx2(KernelSet& set) {
  fill_level(set);
  set.peak = {probe_fma, probe_int8};
  set.level = CpuLevel::kAvx2;
}

}  // namespace primer::kern
