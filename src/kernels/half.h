#pragma once
// IEEE binary16 (fp16) and bfloat16 <-> fp32 conversions, bit-exact with ggml's:
//  - fp32 -> fp16 / bf16 round to nearest, ties to even; overflow -> Inf; NaN stays NaN (quieted,
//    sign kept); subnormal results are produced (no flush to zero).
//  - fp16 / bf16 -> fp32 are exact.
// Storage types are plain uint16_t bit patterns so block structs stay trivially copyable.

#include <bit>
#include <cstdint>

namespace primer::kern {

using Fp16 = uint16_t;
using Bf16 = uint16_t;

inline float fp16_to_fp32(Fp16 h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {  // Inf / NaN: keep payload
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {  // normal
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {  // +-0
    bits = sign;
  } else {  // subnormal: value = mant * 2^-24, exact in fp32
    const float v = static_cast<float>(mant) * 0x1p-24f;
    bits = sign | std::bit_cast<uint32_t>(v);
  }
  return std::bit_cast<float>(bits);
}

inline Fp16 fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) {  // NaN: keep top payload bits, force quiet
    return static_cast<Fp16>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
  }
  if (abs >= 0x477ff000u) return static_cast<Fp16>(sign | 0x7c00u);  // rounds to >= 65536: Inf
  if (abs < 0x38800000u) {  // below fp16's smallest normal 2^-14: subnormal or zero
    // Shift the 24-bit significand right so its unit is 2^-24, rounding to nearest even.
    const uint32_t exp = abs >> 23;
    if (exp < 102) return sign;  // < 2^-25: rounds to 0 (2^-25 exactly is a tie -> even 0)
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exp;  // exp in [102, 112] -> shift in [14, 24]
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return static_cast<Fp16>(sign | q);  // q may carry into the exponent field: still correct
  }
  // Normal: rebias exponent, round the 13 dropped mantissa bits to nearest even.
  uint32_t h = ((abs >> 13) - (112u << 10));
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return static_cast<Fp16>(sign | h);
}

inline float bf16_to_fp32(Bf16 h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

inline Bf16 fp32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<Bf16>((x >> 16) | 0x40u);  // quiet NaN
  return static_cast<Bf16>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace primer::kern
