// Scalar F32 / F16 / BF16 rows. Dot products accumulate in double like ggml's scalar fallback
// (ggml_vec_dot_f16 uses ggml_float = double) so results do not depend on summation order much.
#include <cstring>

#include "kernels/half.h"
#include "kernels/ref/ref.h"

namespace primer::kern::ref {

void to_float_f32(const void* x, float* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}
void from_float_f32(const float* x, void* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}
float vec_dot_f32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * y[i];
  return static_cast<float>(sum);
}

void to_float_f16(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const Fp16*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(h[i]);
}
void from_float_f16(const float* x, void* y, int64_t n) {
  auto* h = static_cast<Fp16*>(y);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(x[i]);
}
float vec_dot_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Fp16*>(w);
  const auto* y = static_cast<const Fp16*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(fp16_to_fp32(x[i])) * fp16_to_fp32(y[i]);
  }
  return static_cast<float>(sum);
}

void to_float_bf16(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const Bf16*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(h[i]);
}
void from_float_bf16(const float* x, void* y, int64_t n) {
  auto* h = static_cast<Bf16*>(y);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(x[i]);
}
float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Bf16*>(w);
  const auto* y = static_cast<const Bf16*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(bf16_to_fp32(x[i])) * bf16_to_fp32(y[i]);
  }
  return static_cast<float>(sum);
}

}  // namespace primer::kern::ref
