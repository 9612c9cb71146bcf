// Reference quantizers on hand-picked inputs, checked byte for byte against hand-computed
// blocks (including ggml's quirks: Q4_0 maps the extreme value to code 0 and clamps the opposite
// extreme to 15; Q8_0 rounds half away from zero).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/blocks.h"
#include "primer/quant.h"

namespace primer::kern {
namespace {

template <typename Block>
Block quantize(QuantType type, const std::vector<float>& x) {
  Block b;
  std::memset(&b, 0xCD, sizeof b);  // every byte must be written
  quant_type_traits(type)->from_float_ref(x.data(), &b, static_cast<int64_t>(x.size()));
  return b;
}

TEST(LegacyQuantize, Q8_0RoundsHalfAwayFromZero) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.5f;
  x[4] = -126.6f;
  const auto b = quantize<BlockQ8_0>(QuantType::kQ8_0, x);
  EXPECT_EQ(b.d, 0x3C00);  // 127 / 127 = 1
  EXPECT_EQ(b.qs[0], 127);
  EXPECT_EQ(b.qs[1], 3);
  EXPECT_EQ(b.qs[2], -3);
  EXPECT_EQ(b.qs[3], 1);
  EXPECT_EQ(b.qs[4], -127);
  EXPECT_EQ(b.qs[5], 0);
}

TEST(LegacyQuantize, Q4_0SignedScaleAndClamp) {
  std::vector<float> x(32, 0.0f);
  x[0] = 4.0f;    // extreme value: d = 4 / -8 = -0.5, code 4 * -2 + 8.5 -> 0
  x[1] = -4.0f;   // 16.5 -> 16, clamped to 15
  x[2] = 1.0f;    // 6.5 -> 6
  x[3] = -1.2f;   // 10.9 -> 10
  x[17] = 2.0f;   // high nibble of qs[1]: 4.5 -> 4
  const auto b = quantize<BlockQ4_0>(QuantType::kQ4_0, x);
  EXPECT_EQ(b.d, 0xB800);  // -0.5
  EXPECT_EQ(b.qs[0], 0x80);
  EXPECT_EQ(b.qs[1], 0x4F);
  EXPECT_EQ(b.qs[2], 0x86);
  EXPECT_EQ(b.qs[3], 0x8A);
  for (int j = 4; j < 16; ++j) EXPECT_EQ(b.qs[j], 0x88) << j;
}

TEST(LegacyQuantize, Q4_1ExactGrid) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[static_cast<size_t>(j)] = 10.0f + static_cast<float>(j < 16 ? j : 31 - j);
  const auto b = quantize<BlockQ4_1>(QuantType::kQ4_1, x);
  EXPECT_EQ(b.d, 0x3C00);  // (25 - 10) / 15
  EXPECT_EQ(b.m, 0x4900);  // 10
  for (int j = 0; j < 16; ++j) EXPECT_EQ(b.qs[j], j | ((15 - j) << 4)) << j;
}

TEST(LegacyQuantize, Q5_0And5_1PutBitFourInQh) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[static_cast<size_t>(j)] = static_cast<float>(j) - 16.0f;
  const auto a = quantize<BlockQ5_0>(QuantType::kQ5_0, x);
  EXPECT_EQ(a.d, 0x3C00);  // extreme -16 -> d = 1, codes j
  const uint8_t want_qh[4] = {0x00, 0x00, 0xFF, 0xFF};
  EXPECT_EQ(std::memcmp(a.qh, want_qh, 4), 0);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(a.qs[j], j | (j << 4)) << j;

  for (int j = 0; j < 32; ++j) x[static_cast<size_t>(j)] = static_cast<float>(j) * 0.25f - 1.0f;
  const auto b = quantize<BlockQ5_1>(QuantType::kQ5_1, x);
  EXPECT_EQ(b.d, 0x3400);  // 7.75 / 31 = 0.25
  EXPECT_EQ(b.m, 0xBC00);  // -1
  EXPECT_EQ(std::memcmp(b.qh, want_qh, 4), 0);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(b.qs[j], j | (j << 4)) << j;
}

TEST(KQuantize, AllZeroSuperBlocksEncodeAsZero) {
  const std::vector<float> x(256, 0.0f);
  for (QuantType t : {QuantType::kQ4_K, QuantType::kQ5_K, QuantType::kQ6_K, QuantType::kQ8_K}) {
    const QuantTypeTraits* row = quant_type_traits(t);
    std::vector<uint8_t> q(row->type_size, 0xCD);
    row->from_float_ref(x.data(), q.data(), 256);
    std::vector<float> y(256, 1.0f);
    row->to_float(q.data(), y.data(), 256);
    for (float v : y) ASSERT_EQ(v, 0.0f) << row->name;
  }
}

}  // namespace
}  // namespace primer::kern
