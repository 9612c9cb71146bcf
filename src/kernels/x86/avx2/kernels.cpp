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
}  // namespace

void fill_avx2(KernelSet& set) {
  fill_level(set);
  set.level = CpuLevel::kAvx2;
}

}  // namespace primer::kern
