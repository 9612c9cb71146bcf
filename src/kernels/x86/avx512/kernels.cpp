// The AVX-512 level (F, BW, VL, DQ + VNNI): the shared kernel sources of src/kernels/x86/
// compiled with AVX-512 flags (see src/kernels/CMakeLists.txt), with dpbusd integer dots,
// mask-register bit expansion and larger register tiles (32 vector registers). Everything is in
// an anonymous namespace; only fill_avx512 is exported and dispatch.cpp calls it only when
// cpu_features() report the AVX-512 subsets. Without VNNI the AVX2 entries are kept.
// On top of the shared sources, avx512/*.inc add 512-bit kernels for the formats where the
// float work per block bounds prefill (Q8_0 / Q4_0 / Q5_0: two blocks per vector; K-quants:
// 512-bit integer work per super-block); fill_wide installs them.
// GCC 12's 512-bit intrinsics pass a self-initialized "undefined" vector as the unused
// merge source (insert, permutexvar, cvtepi32_ps, ...), which -Wuninitialized flags once they
// are inlined; the warning's location is the header, so silence it there only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__  // (clang, which the fuzz build uses, has no such warning and rejects the name)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/levels.h"
#include "primer/error.h"

namespace primer::kern {
namespace {
#include "kernels/x86/simd_common.inc"
#include "kernels/x86/isa_avx512.inc"
#include "kernels/x86/quantize_q8.inc"
#include "kernels/x86/blocks_legacy.inc"
#include "kernels/x86/blocks_k.inc"
#include "kernels/x86/blocks_float.inc"
#include "kernels/x86/tile.inc"
#include "kernels/x86/avx512/blocks_pairs.inc"
#include "kernels/x86/avx512/tile_pairs.inc"
#include "kernels/x86/avx512/matvec_q5r.inc"
#include "kernels/x86/avx512/blocks_k512.inc"
#include "kernels/x86/float_ops.inc"
#include "kernels/x86/fill.inc"
#include "kernels/x86/avx512/fill_wide.inc"

// Peak probes (see PeakProbes) at the full 512-bit width (the machine's peak, not our kernels'
// ceiling): 12 independent chains.
double probe_fma(int64_t n_iter) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 m = _mm512_set1_ps(0.999f), a = _mm512_set1_ps(1e-3f);
  for (int64_t it = 0; it < n_iter; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  // (Stored, not _mm512_reduce_add_ps: GCC 12 warns inside that intrinsic.)
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  volatile float sink = lanes[0] + lanes[15];
  (void)sink;
  return 2.0 * 16 * 12 * static_cast<double>(n_iter);
}

double probe_int8(int64_t n_iter) {
  __m512i acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i u = _mm512_set1_epi8(3), s8 = _mm512_set1_epi8(-2);
  for (int64_t it = 0; it < n_iter; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], u, s8);
  }
  __m512i s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_epi32(s, acc[i]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, s);
  volatile int sink = lanes[0] + lanes[15];
  (void)sink;
  return 2.0 * 64 * 12 * static_cast<double>(n_iter);
}
}  // namespace

void fill_avx512(KernelSet& set, bool vnni) {
  if (vnni) {
    fill_level(set);
    fill_wide(set);
  }
  if (vnni) set.peak = {probe_fma, probe_int8};
  set.level = CpuLevel::kAvx512;
}

}  // namespace primer::kern
