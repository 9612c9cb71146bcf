#pragma once
// Scalar reference kernels ("scalar truth"): the row functions behind the QuantTypeTraits table.
// Signatures match ToFloatFn / FromFloatFn / VecDotFn in include/primer/quant.h; n is a multiple
// of the type's block size. Quantizers reproduce ggml's quantize_row_*_ref bit-for-bit.

#include <cstdint>

#include "kernels/blocks.h"

namespace primer::kern::ref {

// Plain float types.
void to_float_f32(const void* x, float* y, int64_t n);
void from_float_f32(const float* x, void* y, int64_t n);
float vec_dot_f32(int64_t n, const void* w, const void* a);
void to_float_f16(const void* x, float* y, int64_t n);
void from_float_f16(const float* x, void* y, int64_t n);
float vec_dot_f16(int64_t n, const void* w, const void* a);
void to_float_bf16(const void* x, float* y, int64_t n);
void from_float_bf16(const float* x, void* y, int64_t n);
float vec_dot_bf16(int64_t n, const void* w, const void* a);

// 32-element block formats (ref/legacy_quants.cpp).
void to_float_q4_0(const void* x, float* y, int64_t n);
void from_float_q4_0(const float* x, void* y, int64_t n);
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a);
void to_float_q4_1(const void* x, float* y, int64_t n);
void from_float_q4_1(const float* x, void* y, int64_t n);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a);
void to_float_q5_0(const void* x, float* y, int64_t n);
void from_float_q5_0(const float* x, void* y, int64_t n);
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a);
void to_float_q5_1(const void* x, float* y, int64_t n);
void from_float_q5_1(const float* x, void* y, int64_t n);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a);
void to_float_q8_0(const void* x, float* y, int64_t n);
void from_float_q8_0(const float* x, void* y, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a);
void to_float_q8_1(const void* x, float* y, int64_t n);
void from_float_q8_1(const float* x, void* y, int64_t n);

// Q5_0R, Q5_0 repacked row-wise (ref/q5_0r.cpp; layout in blocks.h). x / y / w are whole rows
// of n elements. get/put move block b of a row of nb blocks to / from a plain Q5_0 block (put
// merges into the pair's qh word: the row's other bits stay).
void q5_0r_get_block(const uint8_t* row, int64_t nb, int64_t b, BlockQ5_0* out);
void q5_0r_put_block(uint8_t* row, int64_t nb, int64_t b, const BlockQ5_0& in);
void to_float_q5_0r(const void* x, float* y, int64_t n);
void from_float_q5_0r(const float* x, void* y, int64_t n);
float vec_dot_q5_0r_q8_0(int64_t n, const void* w, const void* a);

// 256-element K-quant formats (ref/k_quants.cpp).
void to_float_q4_k(const void* x, float* y, int64_t n);
void from_float_q4_k(const float* x, void* y, int64_t n);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* a);
void to_float_q5_k(const void* x, float* y, int64_t n);
void from_float_q5_k(const float* x, void* y, int64_t n);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* a);
void to_float_q6_k(const void* x, float* y, int64_t n);
void from_float_q6_k(const float* x, void* y, int64_t n);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* a);
void to_float_q8_k(const void* x, float* y, int64_t n);
void from_float_q8_k(const float* x, void* y, int64_t n);

}  // namespace primer::kern::ref
