#pragma once
// Run-time kernel dispatch. Every hot kernel exists as a scalar reference (src/kernels/ref/, the
// truth) and as optimized versions compiled once per instruction set (src/kernels/x86/avx2/,
// src/kernels/x86/avx512/). The one dispatch point (src/kernels/dispatch.cpp) detects the CPU's
// features (cpuid + xgetbv) once and builds an immutable KernelSet per supported level; callers
// ask kernels() for the best one and never test CPU features themselves.
//
// Environment: PRIMER_CPU=scalar|avx2|avx512 caps the level kernels() returns (for comparisons
// and bug reports); a level the CPU lacks is ignored.
//
// Every function pointer in a KernelSet is non-null. Entries a level has no special version of
// fall back to the next lower level (avx512 -> avx2 -> scalar), so callers need no null checks.
// All functions are pure, thread-safe and never allocate.

#include <cstddef>
#include <cstdint>

#include "primer/quant.h"

namespace primer {

enum class CpuLevel : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
const char* cpu_level_name(CpuLevel level);  // "scalar", "avx2", "avx512"

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx_vnni = false;
};
const CpuFeatures& cpu_features();

// out[r * out_stride + c] = vec_dot(n, w + r * w_stride, a + c * a_stride) for r < nr, c < nc.
// w rows are in the weight type's format, a rows in its dot_type's format; w_stride and
// a_stride are in bytes, out_stride in floats. Writes only those nr x nc floats.
// Register-blocked: each weight block is loaded once for up to tile_cols activation rows. Any
// nr, nc >= 1 is valid; the kernel loops internally over its preferred tile. With nc == 1
// (decode) it streams the nr weight rows once and prefetches the rows after them, so callers
// should hand it row blocks of consecutive rows (e.g. 32..64) rather than single rows.
using GemmTileFn = void (*)(int64_t n, const void* w, size_t w_stride, int nr, const void* a,
                            size_t a_stride, int nc, float* out, size_t out_stride);

// Kernels for one tensor element type (indexed by QuantType id).
struct TypeKernels {
  bool supported = false;     // false: type not handled (all pointers null)
  VecDotFn vec_dot = nullptr;          // weight row . activation row (dot_type); null for Q8_1/Q8_K
  GemmTileFn gemm_tile = nullptr;      // null for Q8_1/Q8_K
  // Fast quantizer (used for activations). Same format as from_float_ref; the scale fields are
  // computed identically, codes may differ from the reference by 1 where the value sits within
  // float rounding of a .5 tie. (The x86 versions of Q8_0 / Q8_1 / Q8_K reproduce the
  // reference's rounding and are byte-identical; tests hold them to that.)
  FromFloatFn from_float = nullptr;
  ToFloatFn to_float = nullptr;
  int tile_rows = 1, tile_cols = 1;    // the gemm_tile's preferred register block (nr x nc)
};

// Float kernels of the forward pass. f16 data is raw IEEE half bits (uint16_t).
struct FloatKernels {
  float (*dot_f32)(int64_t n, const float* a, const float* b);
  float (*dot_f16_f32)(int64_t n, const uint16_t* a, const float* b);        // attention q.k
  void (*axpy_f32)(int64_t n, float alpha, const float* x, float* y);        // y += alpha * x
  void (*axpy_f16)(int64_t n, float alpha, const uint16_t* x, float* y);     // y += alpha * x
  void (*f32_to_f16)(const float* x, uint16_t* y, int64_t n);                // round to nearest even
  void (*f16_to_f32)(const uint16_t* x, float* y, int64_t n);                // exact; sNaN -> qNaN
  // y = x / sqrt(mean(x^2) + eps) * w   (w may be null: no weight). y may equal x.
  void (*rms_norm)(int64_t n, const float* x, const float* w, float eps, float* y);
  // y = silu(gate) * up, silu(g) = g / (1 + exp(-g)). y may equal gate or up.
  void (*silu_mul)(int64_t n, const float* gate, const float* up, float* y);
  // In place: x = exp(x - max) / sum. Relative error <= 1e-6 per element against double.
  void (*softmax)(int64_t n, float* x);
};

// Throughput probes for `primer bench` (the "measured peak" prefill is compared with): each runs
// n_iter rounds of independent multiply-adds at the level's widest vectors with no memory
// traffic and returns the operations done (2 per multiply-add). Run one per thread and time it.
struct PeakProbes {
  double (*fma_f32)(int64_t n_iter);   // f32 FMA (what F16/BF16/F32 weights compute with)
  double (*dot_int8)(int64_t n_iter);  // u8 x s8 -> s32 dot products (what quantized weights use)
};

struct KernelSet {
  CpuLevel level = CpuLevel::kScalar;
  PeakProbes peak{};
  // types[] is indexed by slot(type): ggml ids below kMaxTypeId, then the internal types
  // (ids kFirstInternalTypeId + i, see quant.h) at kMaxTypeId + i.
  static constexpr int kMaxTypeId = 40;
  static constexpr int kMaxInternalTypes = 8;
  TypeKernels types[kMaxTypeId + kMaxInternalTypes];
  FloatKernels f{};

  // The types[] index of `type`, or -1 when it has none.
  static constexpr int slot(QuantType type) {
    const auto id = static_cast<uint32_t>(type);
    if (id < static_cast<uint32_t>(kMaxTypeId)) return static_cast<int>(id);
    if (id >= kFirstInternalTypeId && id - kFirstInternalTypeId < static_cast<uint32_t>(kMaxInternalTypes)) {
      return kMaxTypeId + static_cast<int>(id - kFirstInternalTypeId);
    }
    return -1;
  }

  // CHECKs that the type is supported.
  const TypeKernels& of(QuantType type) const;
};

// The best level this CPU supports (capped by PRIMER_CPU). Built once; immutable.
const KernelSet& kernels();
// The set for `level`, or null when this CPU cannot run it. Tests iterate over all levels.
const KernelSet* kernels_for(CpuLevel level);

}  // namespace primer
