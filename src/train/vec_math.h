#pragma once
// Vectorisable float math for the training step's elementwise loops.
//
// exp_fast: Cody-Waite range reduction x = n ln2 + r (|r| <= ln2/2) and a degree-6 polynomial
// for e^r, then scaling by 2^n through the exponent bits: within 2 ulp of expf on [-87, 88],
// 0 below, +inf above; written with plain float arithmetic so loops over it vectorise (libm's
// expf is a scalar call).
//
// PRIMER_TRAIN_CLONES: compiles a function for AVX-512F, AVX2 and baseline x86-64 and picks one at
// load time by CPU feature (GCC's target_clones; ifunc dispatch). Features, not "arch=" models:
// the resolver tests arch= clones with __builtin_cpu_is, which fails on CPU models newer than the
// compiler (these machines), silently choosing the baseline. The rest of the trainer is built for
// the baseline, so the hot loops opt in here. Empty elsewhere (other compilers / architectures).
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PRIMER_TRAIN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PRIMER_TRAIN_CLONES
#endif

namespace primer::train {

__attribute__((always_inline)) inline float exp_fast(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  // Round to nearest by adding and subtracting 1.5 * 2^23 (|x * log2e| < 2^22): plain
  // arithmetic, so it vectorises on every instruction set (floorf needs SSE4.1).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t e = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, sizeof scale);
  return x <= -87.3f ? 0.0f : p * scale;
}

}  // namespace primer::train
