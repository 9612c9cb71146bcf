// For every row of the traits table: quantize -> dequantize error on seeded random data,
// determinism, and vec_dot against the float dot of the dequantized operands.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "primer/quant.h"

namespace primer {
namespace {

constexpr int64_t kN = 4096;  // 16 K-quant super-blocks, 128 legacy blocks

std::vector<float> random_row(uint32_t seed, int64_t n) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  // A few outliers and a constant block, as real weight rows have.
  x[7] = 6.5f;
  x[1000] = -7.25f;
  for (int i = 2048; i < 2048 + 256; ++i) x[static_cast<size_t>(i)] = 0.0f;
  return x;
}

std::vector<uint8_t> quantize(const QuantTypeTraits& t, const std::vector<float>& x) {
  std::vector<uint8_t> q(quant_row_bytes(t, x.size()));
  t.from_float_ref(x.data(), q.data(), static_cast<int64_t>(x.size()));
  return q;
}

std::vector<float> dequantize(const QuantTypeTraits& t, const std::vector<uint8_t>& q, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  t.to_float(q.data(), y.data(), n);
  return y;
}

double rms(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return std::sqrt(s / static_cast<double>(x.size()));
}

double rel_rms_error(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(x[i]) - y[i];
    s += d * d;
  }
  return std::sqrt(s / static_cast<double>(x.size())) / rms(x);
}

// Relative RMS error on this seeded N(0, 1) row (with outliers): [lower, upper], about +-20%
// around the measured value (in the comments); lower bounds catch a quantizer that is "too good"
// (e.g. silently storing more bits than the format has). Doubling or halving a scale, a wrong
// nibble order or a dropped high bit all land far outside these windows.
struct ErrorWindow { QuantType type; double lower, upper; };
constexpr ErrorWindow kWindows[] = {
    {QuantType::kF32, 0.0, 0.0},           // measured 0
    {QuantType::kF16, 1.5e-4, 2.5e-4},     // 2.03e-4
    {QuantType::kBF16, 1.2e-3, 2.0e-3},    // 1.64e-3
    {QuantType::kQ8_0, 4.5e-3, 6.8e-3},    // 5.59e-3
    {QuantType::kQ8_1, 4.5e-3, 6.8e-3},    // 5.59e-3
    {QuantType::kQ8_K, 6.5e-3, 1.0e-2},    // 8.44e-3 (256-wide blocks see the outliers)
    {QuantType::kQ6_K, 1.4e-2, 2.2e-2},    // 1.84e-2
    {QuantType::kQ5_0, 3.5e-2, 5.3e-2},    // 4.41e-2
    {QuantType::kQ5_1, 3.0e-2, 4.6e-2},    // 3.86e-2
    {QuantType::kQ5_K, 3.0e-2, 4.5e-2},    // 3.76e-2
    {QuantType::kQ4_0, 7.2e-2, 1.09e-1},   // 9.07e-2
    {QuantType::kQ4_1, 6.4e-2, 9.7e-2},    // 8.05e-2
    {QuantType::kQ4_K, 6.0e-2, 8.9e-2},    // 7.46e-2
};

TEST(QuantRoundTrip, ErrorWithinExpectedWindowForBitWidth) {
  const std::vector<float> x = random_row(1234, kN);
  for (const ErrorWindow& w : kWindows) {
    const QuantTypeTraits* t = quant_type_traits(w.type);
    ASSERT_NE(t, nullptr);
    const std::vector<float> y = dequantize(*t, quantize(*t, x), kN);
    const double err = rel_rms_error(x, y);
    EXPECT_GE(err, w.lower) << t->name;
    EXPECT_LE(err, w.upper) << t->name;
    // The all-zero block must come back exactly zero.
    for (int i = 2048; i < 2048 + 256; ++i) ASSERT_EQ(y[static_cast<size_t>(i)], 0.0f) << t->name;
  }
}

TEST(QuantRoundTrip, QuantizeIsDeterministicAndIdempotentOnItsOwnGrid) {
  const std::vector<float> x = random_row(99, kN);
  for (const ErrorWindow& w : kWindows) {
    const QuantTypeTraits* t = quant_type_traits(w.type);
    const std::vector<uint8_t> a = quantize(*t, x);
    const std::vector<uint8_t> b = quantize(*t, x);
    EXPECT_EQ(a, b) << t->name;
  }
}

TEST(QuantRoundTrip, ScaledInputGivesProportionalError) {
  // Scale-equivariance: quantizing 1000 * x has the same relative error (within fp16 effects),
  // which fails if any scale is clamped or stored in the wrong precision.
  std::vector<float> x = random_row(7, kN);
  std::vector<float> xs(x);
  for (float& v : xs) v *= 1000.0f;
  for (const ErrorWindow& w : kWindows) {
    const QuantTypeTraits* t = quant_type_traits(w.type);
    if (!t->is_quantized) continue;
    const double e1 = rel_rms_error(x, dequantize(*t, quantize(*t, x), kN));
    const double e2 = rel_rms_error(xs, dequantize(*t, quantize(*t, xs), kN));
    EXPECT_NEAR(e1, e2, 0.05 * e1 + 1e-4) << t->name;
  }
}

TEST(QuantVecDot, MatchesFloatDotOfDequantizedOperands) {
  const std::vector<float> w = random_row(11, kN);
  std::vector<float> act = random_row(12, kN);
  for (float& v : act) v = v * 0.5f + 0.25f;  // activations with a mean, to exercise min terms
  for (const ErrorWindow& win : kWindows) {
    const QuantTypeTraits* t = quant_type_traits(win.type);
    if (t->vec_dot == nullptr) continue;
    const QuantTypeTraits* at = quant_type_traits(t->dot_type);
    ASSERT_NE(at, nullptr) << t->name;
    const std::vector<uint8_t> wq = quantize(*t, w);
    const std::vector<uint8_t> aq = quantize(*at, act);
    const std::vector<float> wd = dequantize(*t, wq, kN);
    const std::vector<float> ad = dequantize(*at, aq, kN);
    double ref = 0, mag = 0, exact = 0;
    for (int64_t i = 0; i < kN; ++i) {
      ref += static_cast<double>(wd[static_cast<size_t>(i)]) * ad[static_cast<size_t>(i)];
      mag += std::fabs(static_cast<double>(wd[static_cast<size_t>(i)]) * ad[static_cast<size_t>(i)]);
      exact += static_cast<double>(w[static_cast<size_t>(i)]) * act[static_cast<size_t>(i)];
    }
    const float got = t->vec_dot(kN, wq.data(), aq.data());
    // Q8_1's s field is fp16-rounded d*sum(q), so affine formats may differ by ~1e-3 relative.
    const double tol = (at->type == QuantType::kQ8_1 ? 2e-3 : 1e-5) * mag + 1e-4;
    EXPECT_NEAR(got, ref, tol) << t->name;
    // And it approximates the true float dot at the bit width's accuracy.
    EXPECT_NEAR(got, exact, 0.2 * mag * win.upper + 1e-3) << t->name;
  }
}

}  // namespace
}  // namespace primer
