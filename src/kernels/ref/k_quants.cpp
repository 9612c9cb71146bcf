// Reference Q4_K / Q5_K / Q6_K / Q8_K (256-element super-blocks; layouts in blocks.h).
// The quantizers are ggml's reference algorithms (quantize_row_q{4,5,6,8}_K_ref): a weighted
// least-squares search over candidate scales per sub-block (make_qkx2_quants for the affine
// Q4_K / Q5_K, make_qx_quants for the symmetric Q6_K), then 6-/8-bit quantization of the
// sub-block scales against one fp16 super-scale. Same float operations in the same order, so
// the bytes match llama.cpp's reference quantizer.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/ref/ref.h"
#include "primer/error.h"

namespace primer::kern::ref {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even (ggml's nearest_int; the default FP rounding mode).
int nearest_int(float v) { return static_cast<int>(std::nearbyint(v)); }

// Affine fit x ~ scale * L + min with L in [0, nmax], min <= 0, minimising the weighted squared
// error over nstep + 1 candidate inverse scales (nmax + rmin + rdelta * is) / (max - min).
// Writes the codes to L (n entries; Laux is scratch of n), returns scale and stores -min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    min = std::min(min, x[i]);
    max = std::max(max, x[i]);
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::memset(L, 0, static_cast<size_t>(n));
    *the_min = -min;
    return 0.0f;
  }
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1.0f / iscale;
  float best_err = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    const float diff = scale * L[i] + min - x[i];
    best_err += weights[i] * (diff * diff);
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * static_cast<float>(l);
      sum_l2 += w * static_cast<float>(l) * static_cast<float>(l);
      sum_xl += w * static_cast<float>(l) * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (det > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float err = 0;
      for (int i = 0; i < n; ++i) {
        const float diff = this_scale * Laux[i] + this_min - x[i];
        err += weights[i] * (diff * diff);
      }
      if (err < best_err) {
        std::memcpy(L, Laux, static_cast<size_t>(n));
        best_err = err;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// Symmetric fit x ~ scale * (L - nmax), L - nmax in [-nmax, nmax - 1], weights x^2 (ggml's
// rmse_type 1, no importance matrix); tries 19 candidate scales around -nmax / max.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  float iscale = -static_cast<float>(nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
      const float w = x[i] * x[i];
      sumlx += w * x[i] * static_cast<float>(l);
      suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * x[i]);
        L[i] = static_cast<int8_t>(nmax + std::max(-nmax, std::min(nmax - 1, l)));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Unpacks the 6-bit scale and min of sub-block j (0..7) from Q4_K / Q5_K's scales[12].
void get_scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* mn) {
  if (j < 4) {
    *sc = q[j] & 63;
    *mn = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
    *mn = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Shared first half of the Q4_K / Q5_K quantizers: fits the 8 sub-blocks of one super-block,
// packs their scales/mins into scales[12] and d/dmin, and writes codes L[256] in [0, nmax].
void quantize_k_affine(const float* x, int nmax, float rmin, int nstep, Fp16* d_out,
                       Fp16* dmin_out, uint8_t* packed, uint8_t* L) {
  constexpr int kSub = kQK_K / 32;
  float mins[kSub], scales[kSub], weights[32];
  uint8_t Laux[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < kSub; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin,
                                 0.1f, nstep);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  std::memset(packed, 0, kKScaleSize);
  for (int j = 0; j < kSub; ++j) {
    const uint8_t ls = static_cast<uint8_t>(std::min(63, nearest_int(inv_scale * scales[j])));
    const uint8_t lm = static_cast<uint8_t>(std::min(63, nearest_int(inv_min * mins[j])));
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = static_cast<uint8_t>((ls & 0x0f) | ((lm & 0x0f) << 4));
      packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
  *d_out = fp32_to_fp16(max_scale / 63.0f);
  *dmin_out = fp32_to_fp16(max_min / 63.0f);
  // Re-quantize against the rounded scales actually stored.
  for (int j = 0; j < kSub; ++j) {
    uint8_t sc, m;
    get_scale_min_k4(j, packed, &sc, &m);
    const float d = fp16_to_fp32(*d_out) * sc;
    if (d == 0.0f) continue;
    const float dm = fp16_to_fp32(*dmin_out) * m;
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

// Sum of bsums over the 32-element sub-block j of a Q8_K block.
int q8k_sub_sum(const BlockQ8_K& q, int j) { return q.bsums[2 * j] + q.bsums[2 * j + 1]; }

}  // namespace

// ---- Q4_K ----
void to_float_q4_k(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* b = static_cast<const BlockQ4_K*>(x);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    for (int c = 0, is = 0; c < kQK_K / 64; ++c, is += 2, q += 32) {
      uint8_t sc, m;
      get_scale_min_k4(is, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      get_scale_min_k4(is + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void from_float_q4_k(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  auto* b = static_cast<BlockQ4_K*>(y);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    quantize_k_affine(x, 15, -1.0f, 20, &b[i].d, &b[i].dmin, b[i].scales, L);
    uint8_t* q = b[i].qs;
    for (int j = 0; j < kQK_K; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* q8 = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q = x[i].qs;
    const int8_t* a8 = q8[i].qs;
    int sum_scaled = 0, sum_mins = 0;
    for (int j = 0; j < kQK_K / 32; j += 2, q += 32, a8 += 64) {
      uint8_t sc0, m0, sc1, m1;
      get_scale_min_k4(j, x[i].scales, &sc0, &m0);
      get_scale_min_k4(j + 1, x[i].scales, &sc1, &m1);
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 32; ++l) {
        s0 += (q[l] & 0x0f) * a8[l];
        s1 += (q[l] >> 4) * a8[l + 32];
      }
      sum_scaled += sc0 * s0 + sc1 * s1;
      sum_mins += m0 * q8k_sub_sum(q8[i], j) + m1 * q8k_sub_sum(q8[i], j + 1);
    }
    sum += q8[i].d * (fp16_to_fp32(x[i].d) * static_cast<float>(sum_scaled) -
                      fp16_to_fp32(x[i].dmin) * static_cast<float>(sum_mins));
  }
  return sum;
}

// ---- Q5_K ----
void to_float_q5_k(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* b = static_cast<const BlockQ5_K*>(x);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* ql = b[i].qs;
    const uint8_t* qh = b[i].qh;
    uint8_t u1 = 1, u2 = 2;
    for (int c = 0, is = 0; c < kQK_K / 64; ++c, is += 2, ql += 32) {
      uint8_t sc, m;
      get_scale_min_k4(is, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      get_scale_min_k4(is + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * static_cast<float>((ql[l] & 0x0f) + (qh[l] & u1 ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      }
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

void from_float_q5_k(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  auto* b = static_cast<BlockQ5_K*>(y);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    quantize_k_affine(x, 31, -0.5f, 15, &b[i].d, &b[i].dmin, b[i].scales, L);
    uint8_t* qh = b[i].qh;
    uint8_t* ql = b[i].qs;
    std::memset(qh, 0, kQK_K / 8);
    uint8_t m1 = 1, m2 = 2;
    for (int c = 0; c < kQK_K; c += 64, ql += 32) {
      for (int j = 0; j < 32; ++j) {
        int l1 = L[c + j];
        if (l1 > 15) {
          l1 -= 16;
          qh[j] |= m1;
        }
        int l2 = L[c + j + 32];
        if (l2 > 15) {
          l2 -= 16;
          qh[j] |= m2;
        }
        ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
      m1 = static_cast<uint8_t>(m1 << 2);
      m2 = static_cast<uint8_t>(m2 << 2);
    }
  }
}

float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* q8 = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    const int8_t* a8 = q8[i].qs;
    int sum_scaled = 0, sum_mins = 0;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < kQK_K / 32; j += 2, ql += 32, a8 += 64) {
      uint8_t sc0, m0, sc1, m1;
      get_scale_min_k4(j, x[i].scales, &sc0, &m0);
      get_scale_min_k4(j + 1, x[i].scales, &sc1, &m1);
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 32; ++l) {
        s0 += ((ql[l] & 0x0f) + (qh[l] & u1 ? 16 : 0)) * a8[l];
        s1 += ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) * a8[l + 32];
      }
      sum_scaled += sc0 * s0 + sc1 * s1;
      sum_mins += m0 * q8k_sub_sum(q8[i], j) + m1 * q8k_sub_sum(q8[i], j + 1);
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
    sum += q8[i].d * (fp16_to_fp32(x[i].d) * static_cast<float>(sum_scaled) -
                      fp16_to_fp32(x[i].dmin) * static_cast<float>(sum_mins));
  }
  return sum;
}

// ---- Q6_K ----
void to_float_q6_k(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* b = static_cast<const BlockQ6_K*>(x);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const uint8_t* ql = b[i].ql;
    const uint8_t* qh = b[i].qh;
    const int8_t* sc = b[i].scales;
    for (int h = 0; h < kQK_K / 128; ++h, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * static_cast<float>(q1);
        y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
        y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
        y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
      }
    }
  }
}

void from_float_q6_k(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  auto* b = static_cast<BlockQ6_K*>(y);
  int8_t L[kQK_K];
  float scales[kQK_K / 16];
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < kQK_K / 16; ++ib) {
      const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
      scales[ib] = scale;
      if (std::fabs(scale) > max_abs_scale) {
        max_abs_scale = std::fabs(scale);
        max_scale = scale;
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&b[i], 0, sizeof(BlockQ6_K));
      continue;
    }
    const float iscale = -128.0f / max_scale;
    b[i].d = fp32_to_fp16(1.0f / iscale);
    for (int ib = 0; ib < kQK_K / 16; ++ib) {
      b[i].scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float d = fp16_to_fp32(b[i].d) * b[i].scales[j];
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii) {
        const int l = std::max(-32, std::min(31, nearest_int(x[16 * j + ii] / d)));
        L[16 * j + ii] = static_cast<int8_t>(l + 32);
      }
    }
    uint8_t* ql = b[i].ql;
    uint8_t* qh = b[i].qh;
    for (int j = 0; j < kQK_K; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const int v1 = L[j + l], v2 = L[j + l + 32], v3 = L[j + l + 64], v4 = L[j + l + 96];
        ql[l] = static_cast<uint8_t>((v1 & 0x0f) | ((v3 & 0x0f) << 4));
        ql[l + 32] = static_cast<uint8_t>((v2 & 0x0f) | ((v4 & 0x0f) << 4));
        qh[l] = static_cast<uint8_t>((v1 >> 4) | ((v2 >> 4) << 2) | ((v3 >> 4) << 4) |
                                     ((v4 >> 4) << 6));
      }
    }
  }
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* q8 = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* a8 = q8[i].qs;
    int sumi = 0;
    for (int h = 0; h < kQK_K / 128; ++h, ql += 64, qh += 32, a8 += 128) {
      const int8_t* sc = x[i].scales + 8 * h;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        sumi += sc[is] * q1 * a8[l] + sc[is + 2] * q2 * a8[l + 32] + sc[is + 4] * q3 * a8[l + 64] +
                sc[is + 6] * q4 * a8[l + 96];
      }
    }
    sum += fp16_to_fp32(x[i].d) * q8[i].d * static_cast<float>(sumi);
  }
  return sum;
}

// ---- Q8_K (activation only) ----
void to_float_q8_k(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  for (int64_t i = 0; i < n / kQK_K; ++i, y += kQK_K) {
    for (int j = 0; j < kQK_K; ++j) y[j] = b[i].d * static_cast<float>(b[i].qs[j]);
  }
}

void from_float_q8_k(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK_K == 0);
  auto* b = static_cast<BlockQ8_K*>(y);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    float max = 0, amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&b[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    // The extreme value maps to -128 * sign... clamped to 127 on the other side, as ggml does.
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j) {
      b[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int ii = 0; ii < 16; ++ii) sum += b[i].qs[16 * j + ii];
      b[i].bsums[j] = static_cast<int16_t>(sum);
    }
    b[i].d = 1.0f / iscale;
  }
}

}  // namespace primer::kern::ref
