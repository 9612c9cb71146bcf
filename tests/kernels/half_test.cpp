// fp16 / bf16 conversions against hand-computed IEEE bit patterns.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/half.h"

namespace primer::kern {
namespace {

float f(uint32_t bits) { return std::bit_cast<float>(bits); }

TEST(Fp16, NormalValuesAndRoundingTies) {
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);                  // largest finite
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f), 0x3C00);           // tie -> even (down)
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3C02);       // tie -> even (up)
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f + 0x1p-20f), 0x3C01);  // just above tie
  EXPECT_EQ(fp32_to_fp16(2.0f - 0x1p-12f), 0x4000);           // rounds up into next binade
  EXPECT_EQ(fp32_to_fp16(1.0f / 3.0f), 0x3555);
}

TEST(Fp16, OverflowInfNan) {
  EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);  // tie between 65504 (odd) and 65536 -> Inf
  EXPECT_EQ(fp32_to_fp16(1e10f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-1e10f), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(f(0x7FC00000u)), 0x7E00);
  EXPECT_EQ(fp32_to_fp16(f(0xFFC00000u)), 0xFE00);
  // A signalling NaN whose payload lives only in the low bits must not become Inf.
  const Fp16 snan = fp32_to_fp16(f(0x7F800001u));
  EXPECT_EQ(snan & 0x7C00, 0x7C00);
  EXPECT_NE(snan & 0x03FF, 0);
}

TEST(Fp16, Subnormals) {
  EXPECT_EQ(fp32_to_fp16(0x1p-24f), 0x0001);          // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);          // tie between 0 and 1 -> even 0
  EXPECT_EQ(fp32_to_fp16(1.5f * 0x1p-25f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(3 * 0x1p-25f), 0x0002);      // tie between 1 and 2 -> even 2
  EXPECT_EQ(fp32_to_fp16(5 * 0x1p-25f), 0x0002);      // tie between 2 and 3 -> even 2
  EXPECT_EQ(fp32_to_fp16(1023 * 0x1p-24f), 0x03FF);   // largest subnormal
  EXPECT_EQ(fp32_to_fp16(1023.5f * 0x1p-24f), 0x0400);  // tie -> even = smallest normal
  EXPECT_EQ(fp32_to_fp16(0x1p-14f), 0x0400);
  EXPECT_EQ(fp32_to_fp16(-0x1p-24f), 0x8001);
  EXPECT_EQ(fp32_to_fp16(1e-10f), 0x0000);
  EXPECT_EQ(fp16_to_fp32(0x0001), 0x1p-24f);
  EXPECT_EQ(fp16_to_fp32(0x03FF), 1023 * 0x1p-24f);
  EXPECT_EQ(fp16_to_fp32(0x8200), -512 * 0x1p-24f);
}

TEST(Fp16, ToFloatSpecials) {
  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xC000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_fp32(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7C01)));
}

TEST(Fp16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float v = fp16_to_fp32(static_cast<Fp16>(h));
    const Fp16 back = fp32_to_fp16(v);
    if (std::isnan(v)) {
      EXPECT_EQ(back & 0x7C00, 0x7C00) << h;
      EXPECT_NE(back & 0x03FF, 0) << h;
      EXPECT_EQ(back & 0x8000, h & 0x8000) << h;
    } else {
      ASSERT_EQ(back, h) << h;
    }
  }
}

TEST(Bf16, RoundingTiesInfNanSubnormals) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(f(0x3F808000u)), 0x3F80);  // tie -> even (down)
  EXPECT_EQ(fp32_to_bf16(f(0x3F818000u)), 0x3F82);  // tie -> even (up)
  EXPECT_EQ(fp32_to_bf16(f(0x3F808001u)), 0x3F81);
  EXPECT_EQ(fp32_to_bf16(f(0x3F807FFFu)), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(fp32_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(fp32_to_bf16(f(0x7F7FFFFFu)), 0x7F80);  // FLT_MAX rounds to Inf
  EXPECT_EQ(fp32_to_bf16(f(0x7FC00000u)), 0x7FC0);
  EXPECT_EQ(fp32_to_bf16(f(0x7F800001u)), 0x7FC0);  // sNaN with low payload stays NaN
  EXPECT_EQ(fp32_to_bf16(f(0xFF800001u)), 0xFFC0);
  EXPECT_EQ(fp32_to_bf16(f(0x00010000u)), 0x0001);  // subnormals kept, not flushed
  EXPECT_EQ(fp32_to_bf16(f(0x00008000u)), 0x0000);  // tie -> even 0
  EXPECT_EQ(fp32_to_bf16(f(0x00018000u)), 0x0002);  // tie -> even 2
  EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xC040), -3.0f);
  EXPECT_EQ(bf16_to_fp32(0x0001), f(0x00010000u));
  EXPECT_TRUE(std::isnan(bf16_to_fp32(0x7FC0)));
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float v = bf16_to_fp32(static_cast<Bf16>(h));
    if (!std::isnan(v)) {
      ASSERT_EQ(fp32_to_bf16(v), h) << h;
    }
  }
}

}  // namespace
}  // namespace primer::kern
