#pragma once
// Shared helpers of the kernel-level tests: seeded rows, quantization through the reference
// traits, and the list of optimized levels this CPU can run.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "primer/kernels.h"
#include "primer/quant.h"

namespace primer::kernel_test {

// Under sanitizers the suite runs ~10x slower: tests shrink their largest shapes.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

inline std::vector<float> gaussian(uint32_t seed, int64_t n, float mean = 0.0f,
                                   float stddev = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  return x;
}

// The optimized levels (not scalar) this CPU supports.
inline std::vector<const KernelSet*> optimized_levels() {
  std::vector<const KernelSet*> out;
  for (CpuLevel l : {CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (const KernelSet* k = kernels_for(l)) out.push_back(k);
  }
  return out;
}

// The quant types that have a vec_dot (weight types), in traits-table order of importance.
inline constexpr QuantType kWeightTypes[] = {
    QuantType::kQ8_0, QuantType::kQ4_K, QuantType::kQ6_K, QuantType::kQ5_0, QuantType::kF16,
    QuantType::kF32,  QuantType::kQ4_0, QuantType::kQ4_1, QuantType::kQ5_1, QuantType::kQ5_K,
    QuantType::kBF16, QuantType::kQ5_0R};

inline const QuantTypeTraits& traits(QuantType t) { return *quant_type_traits(t); }

// `rows` rows of n elements quantized with the reference quantizer, `stride` bytes apart
// (stride >= row bytes; the gap is filled with 0xA5 garbage a kernel must not read as data).
inline std::vector<uint8_t> quantize_rows(QuantType type, const std::vector<float>& x, int rows,
                                          int64_t n, size_t stride) {
  const QuantTypeTraits& t = traits(type);
  std::vector<uint8_t> q(stride * static_cast<size_t>(rows), 0xA5);
  for (int r = 0; r < rows; ++r) {
    t.from_float_ref(x.data() + static_cast<size_t>(r) * static_cast<size_t>(n),
                     q.data() + stride * static_cast<size_t>(r), n);
  }
  return q;
}

// sum |w_i * a_i| of the dequantized rows: the scale of a dot product's rounding error.
inline double dot_magnitude(QuantType wtype, const uint8_t* w, QuantType atype, const uint8_t* a,
                            int64_t n) {
  std::vector<float> wd(static_cast<size_t>(n)), ad(static_cast<size_t>(n));
  traits(wtype).to_float(w, wd.data(), n);
  traits(atype).to_float(a, ad.data(), n);
  double mag = 0;
  for (size_t i = 0; i < wd.size(); ++i) mag += std::fabs(static_cast<double>(wd[i]) * ad[i]);
  return mag;
}

}  // namespace primer::kernel_test
