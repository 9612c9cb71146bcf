// Reference Q4_0 / Q4_1 / Q5_0 / Q5_1 / Q8_0 / Q8_1 (32-element blocks; layouts in blocks.h).
// Quantizers follow ggml's quantize_row_*_ref step for step (same float operations in the same
// order, same rounding: truncating casts after +0.5 / +8.5 / +16.5, roundf for the Q8 types) so
// quantized bytes match llama.cpp's reference quantizer exactly.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/ref/ref.h"
#include "primer/error.h"

namespace primer::kern::ref {
namespace {

// Value with the largest magnitude (first one wins on ties), as ggml picks it for symmetric types.
float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int n, float* lo, float* hi) {
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    mn = std::min(mn, x[j]);
    mx = std::max(mx, x[j]);
  }
  *lo = mn;
  *hi = mx;
}

uint32_t load_qh(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);  // little-endian host assumed (x86 / arm64), as in ggml
  return v;
}

}  // namespace

// ---- Q4_0 ----
void to_float_q4_0(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK4_0 == 0);
  const auto* b = static_cast<const BlockQ4_0*>(x);
  for (int64_t i = 0; i < n / kQK4_0; ++i, y += kQK4_0) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      y[j] = static_cast<float>((b[i].qs[j] & 0x0f) - 8) * d;
      y[j + kQK4_0 / 2] = static_cast<float>((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void from_float_q4_0(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK4_0 == 0);
  auto* b = static_cast<BlockQ4_0*>(y);
  for (int64_t i = 0; i < n / kQK4_0; ++i, x += kQK4_0) {
    const float d = signed_absmax(x, kQK4_0) / -8.0f;  // the extreme value maps to code 0
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int q1 =
          std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK4_0 / 2] * id + 8.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK4_0 == 0);
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* q = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK4_0; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      sumi += ((x[i].qs[j] & 0x0f) - 8) * q[i].qs[j];
      sumi += ((x[i].qs[j] >> 4) - 8) * q[i].qs[j + kQK4_0 / 2];
    }
    sum += static_cast<float>(sumi) * fp16_to_fp32(x[i].d) * fp16_to_fp32(q[i].d);
  }
  return sum;
}

// ---- Q4_1 ----
void to_float_q4_1(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK4_1 == 0);
  const auto* b = static_cast<const BlockQ4_1*>(x);
  for (int64_t i = 0; i < n / kQK4_1; ++i, y += kQK4_1) {
    const float d = fp16_to_fp32(b[i].d);
    const float m = fp16_to_fp32(b[i].m);
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      y[j] = static_cast<float>(b[i].qs[j] & 0x0f) * d + m;
      y[j + kQK4_1 / 2] = static_cast<float>(b[i].qs[j] >> 4) * d + m;
    }
  }
}

void from_float_q4_1(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK4_1 == 0);
  auto* b = static_cast<BlockQ4_1*>(y);
  for (int64_t i = 0; i < n / kQK4_1; ++i, x += kQK4_1) {
    float lo, hi;
    min_max(x, kQK4_1, &lo, &hi);
    const float d = (hi - lo) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    b[i].m = fp32_to_fp16(lo);
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>((x[j] - lo) * id + 0.5f)));
      const int q1 = std::min(
          15, static_cast<int>(static_cast<int8_t>((x[j + kQK4_1 / 2] - lo) * id + 0.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK4_1 == 0);
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* q = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK4_1; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      sumi += (x[i].qs[j] & 0x0f) * q[i].qs[j];
      sumi += (x[i].qs[j] >> 4) * q[i].qs[j + kQK4_1 / 2];
    }
    sum += fp16_to_fp32(x[i].d) * fp16_to_fp32(q[i].d) * static_cast<float>(sumi) +
           fp16_to_fp32(x[i].m) * fp16_to_fp32(q[i].s);
  }
  return sum;
}

// ---- Q5_0 ----
void to_float_q5_0(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  const auto* b = static_cast<const BlockQ5_0*>(x);
  for (int64_t i = 0; i < n / kQK5_0; ++i, y += kQK5_0) {
    const float d = fp16_to_fp32(b[i].d);
    const uint32_t qh = load_qh(b[i].qh);
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
      y[j] = static_cast<float>(((b[i].qs[j] & 0x0f) | h0) - 16) * d;
      y[j + kQK5_0 / 2] = static_cast<float>(((b[i].qs[j] >> 4) | h1) - 16) * d;
    }
  }
}

void from_float_q5_0(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  auto* b = static_cast<BlockQ5_0*>(y);
  for (int64_t i = 0; i < n / kQK5_0; ++i, x += kQK5_0) {
    const float d = signed_absmax(x, kQK5_0) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int q0 = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
      const int q1 =
          std::min(31, static_cast<int>(static_cast<int8_t>(x[j + kQK5_0 / 2] * id + 16.5f)));
      b[i].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK5_0 / 2);
    }
    std::memcpy(b[i].qh, &qh, 4);
  }
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* q = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK5_0; ++i) {
    const uint32_t qh = load_qh(x[i].qh);
    int sumi = 0;
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
      sumi += (((x[i].qs[j] & 0x0f) | h0) - 16) * q[i].qs[j];
      sumi += (((x[i].qs[j] >> 4) | h1) - 16) * q[i].qs[j + kQK5_0 / 2];
    }
    sum += static_cast<float>(sumi) * fp16_to_fp32(x[i].d) * fp16_to_fp32(q[i].d);
  }
  return sum;
}

// ---- Q5_1 ----
void to_float_q5_1(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_1 == 0);
  const auto* b = static_cast<const BlockQ5_1*>(x);
  for (int64_t i = 0; i < n / kQK5_1; ++i, y += kQK5_1) {
    const float d = fp16_to_fp32(b[i].d);
    const float m = fp16_to_fp32(b[i].m);
    const uint32_t qh = load_qh(b[i].qh);
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
      y[j] = static_cast<float>((b[i].qs[j] & 0x0f) | h0) * d + m;
      y[j + kQK5_1 / 2] = static_cast<float>((b[i].qs[j] >> 4) | h1) * d + m;
    }
  }
}

void from_float_q5_1(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_1 == 0);
  auto* b = static_cast<BlockQ5_1*>(y);
  for (int64_t i = 0; i < n / kQK5_1; ++i, x += kQK5_1) {
    float lo, hi;
    min_max(x, kQK5_1, &lo, &hi);
    const float d = (hi - lo) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    b[i].m = fp32_to_fp16(lo);
    uint32_t qh = 0;
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      // ggml does not clamp here: (hi - lo) * id + 0.5 stays below 32.
      const int q0 = static_cast<uint8_t>((x[j] - lo) * id + 0.5f);
      const int q1 = static_cast<uint8_t>((x[j + kQK5_1 / 2] - lo) * id + 0.5f);
      b[i].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK5_1 / 2);
    }
    std::memcpy(b[i].qh, &qh, 4);
  }
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK5_1 == 0);
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* q = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK5_1; ++i) {
    const uint32_t qh = load_qh(x[i].qh);
    int sumi = 0;
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
      sumi += ((x[i].qs[j] & 0x0f) | h0) * q[i].qs[j];
      sumi += ((x[i].qs[j] >> 4) | h1) * q[i].qs[j + kQK5_1 / 2];
    }
    sum += fp16_to_fp32(x[i].d) * fp16_to_fp32(q[i].d) * static_cast<float>(sumi) +
           fp16_to_fp32(x[i].m) * fp16_to_fp32(q[i].s);
  }
  return sum;
}

// ---- Q8_0 ----
void to_float_q8_0(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK8_0 == 0);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  for (int64_t i = 0; i < n / kQK8_0; ++i, y += kQK8_0) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK8_0; ++j) y[j] = static_cast<float>(b[i].qs[j]) * d;
  }
}

void from_float_q8_0(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK8_0 == 0);
  auto* b = static_cast<BlockQ8_0*>(y);
  for (int64_t i = 0; i < n / kQK8_0; ++i, x += kQK8_0) {
    float amax = 0.0f;
    for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK8_0; ++j) b[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK8_0 == 0);
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* q = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK8_0; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK8_0; ++j) sumi += x[i].qs[j] * q[i].qs[j];
    sum += static_cast<float>(sumi) * fp16_to_fp32(x[i].d) * fp16_to_fp32(q[i].d);
  }
  return sum;
}

// ---- Q8_1 (activation only) ----
void to_float_q8_1(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK8_1 == 0);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  for (int64_t i = 0; i < n / kQK8_1; ++i, y += kQK8_1) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK8_1; ++j) y[j] = static_cast<float>(b[i].qs[j]) * d;
  }
}

void from_float_q8_1(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK8_1 == 0);
  auto* b = static_cast<BlockQ8_1*>(y);
  for (int64_t i = 0; i < n / kQK8_1; ++i, x += kQK8_1) {
    float amax = 0.0f;
    for (int j = 0; j < kQK8_1; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kQK8_1; ++j) {
      const float v = std::round(x[j] * id);
      b[i].qs[j] = static_cast<int8_t>(v);
      sum += static_cast<int>(v);
    }
    b[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

}  // namespace primer::kern::ref
