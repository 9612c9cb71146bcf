// Checks of the reference forward's helpers (tests/model/reference_forward.cpp).
#include "model/reference_forward.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace primer::testing {
namespace {

TEST(ReferenceForward, CompareRowsMetrics) {
  const std::vector<double> expected = {1, 2, 3, -4, 0, 0};  // 2 rows of 3
  const std::vector<float> actual = {1, 2, 3.5f, -4, 0, 0.5f};
  const LogitDiff d = compare_rows(actual, expected, 3);
  EXPECT_DOUBLE_EQ(d.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(d.max_ref, 4);
  EXPECT_NEAR(d.rel_rms, std::sqrt(0.5 / 30.0), 1e-12);
  EXPECT_EQ(d.argmax_mismatches, 1);  // row 1: argmax 2 instead of 1
}

TEST(ReferenceForward, DequantizeMatchesToFloatRowByRow) {
  const QuantTypeTraits* q8 = quant_type_traits(QuantType::kQ8_0);
  ASSERT_NE(q8, nullptr);
  const int64_t n_cols = 64, n_rows = 3;
  std::vector<float> values(static_cast<size_t>(n_cols * n_rows));
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.37 * static_cast<double>(i));
  const size_t row_bytes = quant_row_bytes(*q8, n_cols);
  std::vector<uint8_t> blocks(row_bytes * n_rows);
  for (int64_t r = 0; r < n_rows; ++r) {
    q8->from_float_ref(values.data() + r * n_cols, blocks.data() + r * row_bytes, n_cols);
  }
  WeightTensor t;
  t.type = QuantType::kQ8_0;
  t.n_cols = n_cols;
  t.n_rows = n_rows;
  t.row_bytes = row_bytes;
  t.data = blocks.data();
  const RefMatrix m = dequantize(t);
  ASSERT_EQ(m.n_rows, n_rows);
  ASSERT_EQ(m.n_cols, n_cols);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_NEAR(m.data[i], values[i], 1.0 / 127) << i;  // Q8_0: scale = max/127 per 32
  }
  std::vector<float> row(static_cast<size_t>(n_cols));
  q8->to_float(blocks.data() + 2 * row_bytes, row.data(), n_cols);
  for (int64_t c = 0; c < n_cols; ++c) EXPECT_EQ(m.row(2)[c], static_cast<double>(row[static_cast<size_t>(c)]));
}

}  // namespace
}  // namespace primer::testing
