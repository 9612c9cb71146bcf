#pragma once
// Quantized block layouts, byte-for-byte identical to ggml's (ggml-common.h). All multi-byte
// fields are little-endian; fp16 fields are raw IEEE half bit patterns (see half.h).
//
// Notation: a row of n floats is split into blocks of kQK elements; element i of a block is
// x[i]. "d" is a scale, "m"/"dmin" an offset, q[i] the integer code of element i.

#include <cstdint>

#include "kernels/half.h"

namespace primer::kern {

inline constexpr int kQK4_0 = 32;
inline constexpr int kQK4_1 = 32;
inline constexpr int kQK5_0 = 32;
inline constexpr int kQK5_1 = 32;
inline constexpr int kQK8_0 = 32;
inline constexpr int kQK8_1 = 32;
inline constexpr int kQK_K = 256;       // super-block size of the K-quants
inline constexpr int kKScaleSize = 12;  // bytes of packed 6-bit scales/mins in Q4_K / Q5_K

// Q4_0 (18 bytes / 32 elements, 4.5 bits per weight), symmetric:
//   x[i] = d * (q[i] - 8), q in [0, 15].
//   qs[j] low nibble = q[j], high nibble = q[j + 16]   (j in [0, 16)).
struct BlockQ4_0 {
  Fp16 d;
  uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 2 + kQK4_0 / 2);

// Q4_1 (20 bytes / 32, 5.0 bpw), affine:  x[i] = d * q[i] + m, q in [0, 15]; nibbles as Q4_0.
struct BlockQ4_1 {
  Fp16 d;
  Fp16 m;
  uint8_t qs[kQK4_1 / 2];
};
static_assert(sizeof(BlockQ4_1) == 2 * 2 + kQK4_1 / 2);

// Q5_0 (22 bytes / 32, 5.5 bpw), symmetric:  x[i] = d * (q[i] - 16), q in [0, 31].
//   Low 4 bits of q as Q4_0's nibbles; bit 4 of q[i] is bit i of the little-endian uint32 qh.
struct BlockQ5_0 {
  Fp16 d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
static_assert(sizeof(BlockQ5_0) == 2 + 4 + kQK5_0 / 2);

// Q5_0R (internal, never in files; see quant.h): a row of nb Q5_0 blocks (nb * 22 bytes, the
// same row_bytes) regrouped by field so the AVX-512 kernel unpacks a PAIR of blocks (b0, b1) =
// (2p, 2p + 1) with one 256-bit broadcast load, one shift, one and, one 64-bit mask load and one
// masked add, and converts both scales with one broadcast. Byte offsets inside the row:
//   [0, 2nb)     scales: block b's fp16 d at 2b (unchanged values)
//   [2nb, 6nb)   qh: pair p's 8 bytes at 2nb + 8p, one little-endian uint64: bit k is bit 4 of
//                the code at pair position k (below); an odd last block keeps its own 4 qh
//                bytes unchanged at 2nb + 4(nb - 1)
//   [6nb, 22nb)  qs: pair p's 32 bytes at 6nb + 32p; byte j is byte e(j) of block b(j)'s
//                original qs (low nibble: the code at position j, high: at position j + 32); an
//                odd last block keeps its 16 qs bytes unchanged at 6nb + 16(nb - 1)
// Pair positions k in [0, 64) (the byte order the unpack yields, low nibbles then high) hold
// element e(k) = (k / 8) * 4 + k % 4 of block b(k) = (k / 4) % 2: the 4-byte groups alternate
// between the blocks, [b0 0..3, b1 0..3, b0 4..7, b1 4..7, ..., b1 28..31], so int32 lane L of a
// dot product belongs to block L % 2.
// Nibble g of h (bits 4g..4g+3) to bits 8g..8g+3: a block's 32 qh bits -> its share of the
// pair's qh word (shifted left by 4 for b1); q5_0r_gather_nibbles is the inverse (even nibbles).
inline constexpr uint64_t q5_0r_spread_nibbles(uint32_t h) {
  uint64_t x = h;
  x = (x | x << 16) & 0x0000ffff0000ffffull;
  x = (x | x << 8) & 0x00ff00ff00ff00ffull;
  return (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
}
inline constexpr uint32_t q5_0r_gather_nibbles(uint64_t x) {
  x &= 0x0f0f0f0f0f0f0f0full;
  x = (x | x >> 4) & 0x00ff00ff00ff00ffull;
  x = (x | x >> 8) & 0x0000ffff0000ffffull;
  return static_cast<uint32_t>(x | x >> 16);
}
inline constexpr int64_t q5_0r_qh_offset(int64_t nb) { return 2 * nb; }
inline constexpr int64_t q5_0r_qs_offset(int64_t nb) { return 6 * nb; }

// Q5_1 (24 bytes / 32, 6.0 bpw), affine:  x[i] = d * q[i] + m, q in [0, 31]; bits as Q5_0.
struct BlockQ5_1 {
  Fp16 d;
  Fp16 m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
static_assert(sizeof(BlockQ5_1) == 2 * 2 + 4 + kQK5_1 / 2);

// Q8_0 (34 bytes / 32, 8.5 bpw):  x[i] = d * qs[i], qs in [-127, 127].
// Also the activation type for Q4_0 / Q5_0 / Q8_0 dot products.
struct BlockQ8_0 {
  Fp16 d;
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 2 + kQK8_0);

// Q8_1 (36 bytes / 32): as Q8_0 plus s = d * sum(qs[i]) (stored as fp16), which lets affine
// formats fold their offset: sum((dw*qw + m) * da*qa) = dw*da*sum(qw*qa) + m*s.
// Activation type for Q4_1 / Q5_1.
struct BlockQ8_1 {
  Fp16 d;
  Fp16 s;
  int8_t qs[kQK8_1];
};
static_assert(sizeof(BlockQ8_1) == 2 * 2 + kQK8_1);

// Q4_K (144 bytes / 256, 4.5 bpw): 8 sub-blocks of 32, each with a 6-bit scale sc[j] and 6-bit
// min mn[j]:  x[32*j + i] = d * sc[j] * q - dmin * mn[j], q in [0, 15].
//   scales[12] packs sc/mn (see get_scale_min_k4 in ref/k_quants.cpp):
//     j < 4:  sc[j] = scales[j] & 63,  mn[j] = scales[j + 4] & 63
//     j >= 4: sc[j] = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4
//             mn[j] = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4
//   qs: per 64-element chunk c (32 bytes), byte l low nibble = q[64c + l], high = q[64c + 32 + l].
struct BlockQ4_K {
  Fp16 d;
  Fp16 dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 2 * 2 + kKScaleSize + kQK_K / 2);

// Q5_K (176 bytes / 256, 5.5 bpw): as Q4_K with q in [0, 31]. The fifth bit of element
// 64c + l is bit 2c of qh[l], of element 64c + 32 + l bit 2c + 1 of qh[l] (l in [0, 32)).
struct BlockQ5_K {
  Fp16 d;
  Fp16 dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 2 * 2 + kKScaleSize + kQK_K / 8 + kQK_K / 2);

// Q6_K (210 bytes / 256, 6.5625 bpw): 16 sub-blocks of 16 with int8 scales:
//   x[16*j + i] = d * scales[j] * (q - 32), q in [0, 63].
//   Per 128-element half h (ql advances 64 bytes, qh 32), for l in [0, 32):
//     q[128h + l]      = (ql[l] & 15)      | ((qh[l] >> 0) & 3) << 4
//     q[128h + l + 32] = (ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4
//     q[128h + l + 64] = (ql[l] >> 4)      | ((qh[l] >> 4) & 3) << 4
//     q[128h + l + 96] = (ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  Fp16 d;
};
static_assert(sizeof(BlockQ6_K) == kQK_K / 2 + kQK_K / 4 + kQK_K / 16 + 2);

// Q8_K (292 bytes / 256): activation type for all K-quants. fp32 scale,
//   x[i] = d * qs[i];  bsums[j] = sum of qs[16*j .. 16*j + 16) (lets affine K-quants fold mins).
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 4 + kQK_K + kQK_K / 16 * 2);

}  // namespace primer::kern
