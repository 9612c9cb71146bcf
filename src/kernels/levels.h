#pragma once
// Private to src/kernels: the per-level fillers called by the one dispatch point (dispatch.cpp).
// Each level starts from a copy of the level below and overwrites the entries it has faster
// versions of, so every pointer stays non-null.
#include "primer/kernels.h"

namespace primer::kern {

// Scalar level: ref/ kernels, generic gemm_tile loops, ref/float_ops.
void fill_scalar(KernelSet& set);
// x86/avx2/kernels.cpp (compiled with -mavx2 -mfma -mf16c). Needs avx2 && fma && f16c.
void fill_avx2(KernelSet& set);
// x86/avx512/kernels.cpp (adds -mavx512{f,bw,vl,dq,vnni}). Needs avx512 f/bw/vl/dq. Only with
// `vnni` (AVX512_VNNI) does it replace entries (dpbusd kernels, larger tiles); without, the
// AVX2 entries stay.
void fill_avx512(KernelSet& set, bool vnni);

// The x86 levels share one kernel source (x86/*.inc) included by each level's .cpp inside an
// anonymous namespace, after that level's `struct Isa` (its integer dot primitive and register
// count). Internal linkage keeps code compiled with one level's flags from being merged into
// another's by the linker.

}  // namespace primer::kern
