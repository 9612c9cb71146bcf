// The AVX-512 level (F, BW, VL, DQ + VNNI): the shared kernel sources of src/kernels/x86/
// compiled with AVX-512 flags (see src/kernels/CMakeLists.txt), with dpbusd integer dots,
// mask-register bit expansion and larger register tiles (32 vector registers). Everything is in
// an anonymous namespace; only fill_avx512 is exported and dispatch.cpp calls it only when
// cpu_features() report the AVX-512 subsets. Without VNNI the AVX2 entries are kept.
#include <immintrin.h>

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
#include "kernels/x86/float_ops.inc"
#include "kernels/x86/fill.inc"
}  // namespace

void fill_avx512(KernelSet& set, bool vnni) {
  if (vnni) fill_level(set);
  set.level = CpuLevel::kAvx512;
}

}  // namespace primer::kern
