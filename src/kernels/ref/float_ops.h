#pragma once
// Scalar reference float kernels of the forward pass (the FloatKernels of the scalar level).
// Accurate rather than fast: dot products and reductions accumulate in double.
#include <cstdint>

namespace primer::kern::ref {

float dot_f32(int64_t n, const float* a, const float* b);
float dot_f16_f32(int64_t n, const uint16_t* a, const float* b);
void axpy_f32(int64_t n, float alpha, const float* x, float* y);
void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y);
void f32_to_f16(const float* x, uint16_t* y, int64_t n);
void f16_to_f32(const uint16_t* x, float* y, int64_t n);
void rms_norm(int64_t n, const float* x, const float* w, float eps, float* y);
void silu_mul(int64_t n, const float* gate, const float* up, float* y);
void softmax(int64_t n, float* x);

}  // namespace primer::kern::ref
