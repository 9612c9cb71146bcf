// The traits table agrees with formats' GgmlTypeInfo (ids, names, block sizes, bytes) and ggml.
#include <gtest/gtest.h>

#include "kernels/blocks.h"
#include "primer/gguf.h"
#include "primer/quant.h"

namespace primer {
namespace {

constexpr QuantType kAllTypes[] = {
    QuantType::kF32,  QuantType::kF16,  QuantType::kBF16, QuantType::kQ4_0, QuantType::kQ4_1,
    QuantType::kQ5_0, QuantType::kQ5_1, QuantType::kQ8_0, QuantType::kQ8_1, QuantType::kQ4_K,
    QuantType::kQ5_K, QuantType::kQ6_K, QuantType::kQ8_K,
};

// Enum values must equal ggml's type ids (and so formats' GgmlType).
static_assert(static_cast<uint32_t>(QuantType::kF32) == static_cast<uint32_t>(GgmlType::kF32));
static_assert(static_cast<uint32_t>(QuantType::kF16) == static_cast<uint32_t>(GgmlType::kF16));
static_assert(static_cast<uint32_t>(QuantType::kBF16) == static_cast<uint32_t>(GgmlType::kBF16));
static_assert(static_cast<uint32_t>(QuantType::kQ4_0) == static_cast<uint32_t>(GgmlType::kQ4_0));
static_assert(static_cast<uint32_t>(QuantType::kQ4_1) == static_cast<uint32_t>(GgmlType::kQ4_1));
static_assert(static_cast<uint32_t>(QuantType::kQ5_0) == static_cast<uint32_t>(GgmlType::kQ5_0));
static_assert(static_cast<uint32_t>(QuantType::kQ5_1) == static_cast<uint32_t>(GgmlType::kQ5_1));
static_assert(static_cast<uint32_t>(QuantType::kQ8_0) == static_cast<uint32_t>(GgmlType::kQ8_0));
static_assert(static_cast<uint32_t>(QuantType::kQ8_1) == static_cast<uint32_t>(GgmlType::kQ8_1));
static_assert(static_cast<uint32_t>(QuantType::kQ4_K) == static_cast<uint32_t>(GgmlType::kQ4_K));
static_assert(static_cast<uint32_t>(QuantType::kQ5_K) == static_cast<uint32_t>(GgmlType::kQ5_K));
static_assert(static_cast<uint32_t>(QuantType::kQ6_K) == static_cast<uint32_t>(GgmlType::kQ6_K));
static_assert(static_cast<uint32_t>(QuantType::kQ8_K) == static_cast<uint32_t>(GgmlType::kQ8_K));

// Byte sizes from ggml-common.h (hand-copied numbers, not derived from our structs).
static_assert(sizeof(kern::BlockQ4_0) == 18);
static_assert(sizeof(kern::BlockQ4_1) == 20);
static_assert(sizeof(kern::BlockQ5_0) == 22);
static_assert(sizeof(kern::BlockQ5_1) == 24);
static_assert(sizeof(kern::BlockQ8_0) == 34);
static_assert(sizeof(kern::BlockQ8_1) == 36);
static_assert(sizeof(kern::BlockQ4_K) == 144);
static_assert(sizeof(kern::BlockQ5_K) == 176);
static_assert(sizeof(kern::BlockQ6_K) == 210);
static_assert(sizeof(kern::BlockQ8_K) == 292);

TEST(QuantTraits, RowsAgreeWithFormatsTypeInfo) {
  for (QuantType t : kAllTypes) {
    const QuantTypeTraits* row = quant_type_traits(t);
    ASSERT_NE(row, nullptr) << static_cast<uint32_t>(t);
    EXPECT_EQ(row->type, t);
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(t));
    ASSERT_NE(info, nullptr) << row->name;
    EXPECT_STREQ(row->name, info->name);
    EXPECT_EQ(row->block_size, info->block_size) << row->name;
    EXPECT_EQ(row->type_size, info->type_size) << row->name;
  }
}

TEST(QuantTraits, ExpectedSizesPerType) {
  struct Want { QuantType t; uint32_t block, bytes; };
  const Want want[] = {
      {QuantType::kF32, 1, 4},     {QuantType::kF16, 1, 2},     {QuantType::kBF16, 1, 2},
      {QuantType::kQ4_0, 32, 18},  {QuantType::kQ4_1, 32, 20},  {QuantType::kQ5_0, 32, 22},
      {QuantType::kQ5_1, 32, 24},  {QuantType::kQ8_0, 32, 34},  {QuantType::kQ8_1, 32, 36},
      {QuantType::kQ4_K, 256, 144}, {QuantType::kQ5_K, 256, 176}, {QuantType::kQ6_K, 256, 210},
      {QuantType::kQ8_K, 256, 292},
  };
  for (const Want& w : want) {
    const QuantTypeTraits* row = quant_type_traits(w.t);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->block_size, w.block) << row->name;
    EXPECT_EQ(row->type_size, w.bytes) << row->name;
  }
  EXPECT_EQ(quant_row_bytes(*quant_type_traits(QuantType::kQ4_K), 4096), 16u * 144u);
}

TEST(QuantTraits, DotTypesMatchGgml) {
  auto dot = [](QuantType t) { return quant_type_traits(t)->dot_type; };
  EXPECT_EQ(dot(QuantType::kQ4_0), QuantType::kQ8_0);
  EXPECT_EQ(dot(QuantType::kQ5_0), QuantType::kQ8_0);
  EXPECT_EQ(dot(QuantType::kQ8_0), QuantType::kQ8_0);
  EXPECT_EQ(dot(QuantType::kQ4_1), QuantType::kQ8_1);
  EXPECT_EQ(dot(QuantType::kQ5_1), QuantType::kQ8_1);
  EXPECT_EQ(dot(QuantType::kQ4_K), QuantType::kQ8_K);
  EXPECT_EQ(dot(QuantType::kQ5_K), QuantType::kQ8_K);
  EXPECT_EQ(dot(QuantType::kQ6_K), QuantType::kQ8_K);
  EXPECT_EQ(dot(QuantType::kF16), QuantType::kF16);
  EXPECT_EQ(quant_type_traits(QuantType::kQ8_K)->vec_dot, nullptr);
  EXPECT_EQ(quant_type_traits(QuantType::kQ8_1)->vec_dot, nullptr);
}

TEST(QuantTraits, UnsupportedIdsReturnNull) {
  EXPECT_EQ(quant_type_traits(uint32_t{10}), nullptr);  // Q2_K: not implemented yet
  EXPECT_EQ(quant_type_traits(uint32_t{4}), nullptr);   // removed ggml id
  EXPECT_EQ(quant_type_traits(uint32_t{999}), nullptr);
}

}  // namespace
}  // namespace primer
