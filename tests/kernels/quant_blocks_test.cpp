// Hand-built blocks that dequantize to hand-computed values, one or more per format. These pin
// the bit layouts (nibble order, high-bit placement, scale packing) independently of the
// quantizers, so a quantizer/dequantizer pair with the same layout mistake still fails here.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/blocks.h"
#include "primer/quant.h"

namespace primer::kern {
namespace {

constexpr Fp16 kHalf = 0x3800;     // 0.5
constexpr Fp16 kOne = 0x3C00;      // 1.0
constexpr Fp16 kQuarter = 0x3400;  // 0.25
constexpr Fp16 kTwo = 0x4000;      // 2.0
constexpr Fp16 kMinusOne = 0xBC00;

template <typename Block>
std::vector<float> dequant(QuantType type, const Block& b) {
  const QuantTypeTraits* t = quant_type_traits(type);
  EXPECT_EQ(t->type_size, sizeof(Block));
  std::vector<float> y(t->block_size);
  t->to_float(&b, y.data(), t->block_size);
  return y;
}

TEST(QuantBlocks, Q4_0LowNibbleIsFirstHalf) {
  BlockQ4_0 b{};
  b.d = kHalf;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = dequant(QuantType::kQ4_0, b);
  EXPECT_EQ(y[0], -4.0f);    // (0 - 8) * 0.5
  EXPECT_EQ(y[15], 3.5f);    // (15 - 8) * 0.5
  EXPECT_EQ(y[16], 3.5f);    // high nibble of qs[0] = 15
  EXPECT_EQ(y[31], -4.0f);   // high nibble of qs[15] = 0
  EXPECT_EQ(y[5], -1.5f);
  EXPECT_EQ(y[21], 1.0f);    // (15 - 5 - 8) * 0.5
}

TEST(QuantBlocks, Q4_1AddsMin) {
  BlockQ4_1 b{};
  b.d = kHalf;
  b.m = kMinusOne;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = dequant(QuantType::kQ4_1, b);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[3], 0.5f);
  EXPECT_EQ(y[16], 6.5f);    // 15 * 0.5 - 1
  EXPECT_EQ(y[31], -1.0f);
}

// qh = 0x00FFAAAA: bits 1,3,...,15 (odd elements of the first half) and bits 16..23 (elements
// 16..23) carry the fifth bit.
void fill_q5(uint8_t* qh, uint8_t* qs) {
  const uint8_t qh_bytes[4] = {0xAA, 0xAA, 0xFF, 0x00};
  std::memcpy(qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
}

TEST(QuantBlocks, Q5_0HighBitsFromQh) {
  BlockQ5_0 b{};
  b.d = kOne;
  fill_q5(b.qh, b.qs);
  const std::vector<float> y = dequant(QuantType::kQ5_0, b);
  EXPECT_EQ(y[0], -16.0f);   // q = 0
  EXPECT_EQ(y[1], 1.0f);     // q = 1 | 16 = 17
  EXPECT_EQ(y[2], -14.0f);   // q = 2
  EXPECT_EQ(y[15], 15.0f);   // q = 15 | 16 = 31
  EXPECT_EQ(y[16], 15.0f);   // high nibble of qs[0] = 15, qh bit 16 set -> 31
  EXPECT_EQ(y[23], 8.0f);    // 15 - 7 = 8 | 16 = 24
  EXPECT_EQ(y[24], -9.0f);   // 15 - 8 = 7, bit 24 clear
  EXPECT_EQ(y[31], -16.0f);
}

TEST(QuantBlocks, Q5_1HighBitsAndMin) {
  BlockQ5_1 b{};
  b.d = kQuarter;
  b.m = kTwo;
  fill_q5(b.qh, b.qs);
  const std::vector<float> y = dequant(QuantType::kQ5_1, b);
  EXPECT_EQ(y[0], 2.0f);
  EXPECT_EQ(y[1], 6.25f);    // 17 * 0.25 + 2
  EXPECT_EQ(y[16], 9.75f);   // 31 * 0.25 + 2
  EXPECT_EQ(y[24], 3.75f);   // 7 * 0.25 + 2
}

TEST(QuantBlocks, Q8_0AndQ8_1AndQ8_K) {
  BlockQ8_0 a{};
  a.d = kHalf;
  for (int j = 0; j < 32; ++j) a.qs[j] = static_cast<int8_t>(j - 16);
  std::vector<float> y = dequant(QuantType::kQ8_0, a);
  EXPECT_EQ(y[0], -8.0f);
  EXPECT_EQ(y[31], 7.5f);
  BlockQ8_1 b{};
  b.d = kTwo;
  b.qs[3] = -127;
  y = dequant(QuantType::kQ8_1, b);
  EXPECT_EQ(y[3], -254.0f);
  EXPECT_EQ(y[4], 0.0f);
  BlockQ8_K k{};
  k.d = 0.125f;
  k.qs[255] = 100;
  y = dequant(QuantType::kQ8_K, k);
  EXPECT_EQ(y[255], 12.5f);
}

TEST(QuantBlocks, Q8_1StoresScaledSumAndQ8_KBlockSums) {
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 7) - 2.0f;
  BlockQ8_1 b{};
  quant_type_traits(QuantType::kQ8_1)->from_float_ref(x.data(), &b, 32);
  int sum = 0;
  for (int8_t q : b.qs) sum += q;
  EXPECT_EQ(b.s, fp32_to_fp16(static_cast<float>(sum) * fp16_to_fp32(b.d)));
  EXPECT_EQ(b.d, fp32_to_fp16(4.0f / 127.0f));
  BlockQ8_K k{};
  quant_type_traits(QuantType::kQ8_K)->from_float_ref(x.data(), &k, 256);
  EXPECT_EQ(k.qs[6], -127);  // x = 4 is the max and maps to -127 (ggml's sign convention)
  EXPECT_EQ(k.qs[4], -64);   // x = 2: -63.5 rounds half to even
  EXPECT_EQ(k.qs[0], 64);    // x = -2: 63.5 rounds half to even
  EXPECT_FLOAT_EQ(k.d, -4.0f / 127.0f);
  for (int j = 0; j < 16; ++j) {
    int s = 0;
    for (int i = 0; i < 16; ++i) s += k.qs[16 * j + i];
    EXPECT_EQ(k.bsums[j], s);
  }
}

// scales[12] for Q4_K / Q5_K, written out by hand (see blocks.h):
//   sub-block: 0  1  2  3   4  5  6  7
//   scale:     1  2  3  4   1  3  5  23
//   min:       5  6  7  8   2  4  6  40
constexpr uint8_t kKScales[12] = {1, 2, 3, 4 | 0x40, 5, 6, 7, 8 | 0x80, 0x21, 0x43, 0x65, 0x87};

TEST(QuantBlocks, Q4_KScalePackingAndNibbleOrder) {
  BlockQ4_K b{};
  b.d = kOne;
  b.dmin = kOne;
  std::memcpy(b.scales, kKScales, 12);
  b.qs[96 + 5] = 0x3C;  // chunk 3, l = 5: element 197 (sub-block 6) = 12, element 229 (7) = 3
  b.qs[0] = 0x0F;       // element 0 (sub-block 0) = 15
  b.qs[32 + 4] = 0x90;  // chunk 1, l = 4: element 68 (sub-block 2) = 0, element 100 (3) = 9
  const std::vector<float> y = dequant(QuantType::kQ4_K, b);
  EXPECT_EQ(y[0], 1 * 15 - 5.0f);
  EXPECT_EQ(y[1], -5.0f);
  EXPECT_EQ(y[68], -7.0f);
  EXPECT_EQ(y[100], 4 * 9 - 8.0f);
  EXPECT_EQ(y[140], -2.0f);      // sub-block 4: q = 0 -> -min
  EXPECT_EQ(y[170], -4.0f);      // sub-block 5
  EXPECT_EQ(y[197], 5 * 12 - 6.0f);
  EXPECT_EQ(y[229], 23 * 3 - 40.0f);
  EXPECT_EQ(y[255], -40.0f);
}

TEST(QuantBlocks, Q5_KFifthBitPlacement) {
  BlockQ5_K b{};
  b.d = kOne;
  b.dmin = kHalf;
  std::memcpy(b.scales, kKScales, 12);
  b.qs[96 + 5] = 0x3C;
  b.qh[5] = 0xC0;  // bits 6, 7: chunk 3 -> +16 on elements 197 and 229
  b.qh[0] = 0x01;  // bit 0: chunk 0 low half -> +16 on element 0
  b.qh[1] = 0x08;  // bit 3: chunk 1 high half -> +16 on element 64 + 32 + 1 = 97
  const std::vector<float> y = dequant(QuantType::kQ5_K, b);
  EXPECT_EQ(y[0], 1 * 16 - 2.5f);
  EXPECT_EQ(y[32], -3.0f);        // sub-block 1, q = 0: -0.5 * 6
  EXPECT_EQ(y[97], 4 * 16 - 4.0f);
  EXPECT_EQ(y[65], -3.5f);        // sub-block 2, no high bit
  EXPECT_EQ(y[197], 5 * 28 - 3.0f);
  EXPECT_EQ(y[229], 23 * 19 - 20.0f);
}

TEST(QuantBlocks, Q6_KLowAndHighBitPlacement) {
  BlockQ6_K b{};
  b.d = kOne;
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(j + 1);
  b.ql[0] = 0x21;         // element 0 low = 1, element 64 low = 2
  b.qh[0] = 0xE4;         // 0b11'10'01'00: elements 0 / 32 / 64 / 96 high = 0 / 1 / 2 / 3
  b.ql[64 + 33] = 0xA7;   // second half, l = 1: element 161 low = 7, element 225 low = 10
  b.qh[32 + 1] = 0x84;    // element 161 high (bits 2-3) = 1, element 225 high (bits 6-7) = 2
  const std::vector<float> y = dequant(QuantType::kQ6_K, b);
  EXPECT_EQ(y[0], 1 * (1 - 32.0f));
  EXPECT_EQ(y[32], 3 * (16 - 32.0f));
  EXPECT_EQ(y[64], 5 * (34 - 32.0f));
  EXPECT_EQ(y[96], 7 * (48 - 32.0f));
  EXPECT_EQ(y[16], 2 * -32.0f);       // untouched element in sub-block 1
  EXPECT_EQ(y[161], 11 * (23 - 32.0f));
  EXPECT_EQ(y[225], 15 * (42 - 32.0f));
  EXPECT_EQ(y[255], 16 * -32.0f);
}

TEST(QuantBlocks, Q4_KQuantizerRoundTripsItsOwnGrid) {
  // Values exactly on a Q4_K grid with one shared scale: the reference search must find it. The
  // only error left is the fp16 rounding of d = 1/63 (sub-scale 63): |err| <= 15 * 2.5e-4.
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 16) - 0.0f;
  const QuantTypeTraits* t = quant_type_traits(QuantType::kQ4_K);
  BlockQ4_K b{};
  t->from_float_ref(x.data(), &b, 256);
  std::vector<float> y(256);
  t->to_float(&b, y.data(), 256);
  for (int i = 0; i < 256; ++i) EXPECT_NEAR(y[static_cast<size_t>(i)], x[static_cast<size_t>(i)], 4e-3) << i;
}

}  // namespace
}  // namespace primer::kern
