// FloatKernels of every level against double-precision oracles (and fp16 conversions against
// the bit-exact scalar converters in kernels/half.h), on lengths that exercise vector tails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/half.h"
#include "primer/kernels.h"

namespace primer {
namespace {

using kernel_test::gaussian;

constexpr int64_t kLengths[] = {1, 3, 7, 8, 9, 16, 31, 33, 64, 100, 896, 4097};

std::vector<const KernelSet*> all_levels() {
  std::vector<const KernelSet*> out = {kernels_for(CpuLevel::kScalar)};
  for (const KernelSet* k : kernel_test::optimized_levels()) out.push_back(k);
  return out;
}

std::vector<uint16_t> to_half(const std::vector<float>& x) {
  std::vector<uint16_t> h(x.size());
  for (size_t i = 0; i < x.size(); ++i) h[i] = kern::fp32_to_fp16(x[i]);
  return h;
}

TEST(FloatKernels, DotProducts) {
  for (const KernelSet* k : all_levels()) {
    for (int64_t n : kLengths) {
      SCOPED_TRACE(std::string(cpu_level_name(k->level)) + " n=" + std::to_string(n));
      const auto a = gaussian(1, n), b = gaussian(2, n, 0.5f);
      const auto ah = to_half(a);
      double want = 0, want_h = 0, mag = 0, mag_h = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        want += static_cast<double>(a[i]) * b[i];
        mag += std::fabs(static_cast<double>(a[i]) * b[i]);
        const double ha = kern::fp16_to_fp32(ah[i]);
        want_h += ha * b[i];
        mag_h += std::fabs(ha * b[i]);
      }
      EXPECT_NEAR(k->f.dot_f32(n, a.data(), b.data()), want, 1e-6 * mag + 1e-30);
      EXPECT_NEAR(k->f.dot_f16_f32(n, ah.data(), b.data()), want_h, 1e-6 * mag_h + 1e-30);
    }
  }
}

TEST(FloatKernels, Axpy) {
  for (const KernelSet* k : all_levels()) {
    for (int64_t n : kLengths) {
      SCOPED_TRACE(std::string(cpu_level_name(k->level)) + " n=" + std::to_string(n));
      const auto x = gaussian(3, n), y0 = gaussian(4, n);
      const auto xh = to_half(x);
      const float alpha = -0.75f;
      std::vector<float> y = y0, yh = y0;
      y.push_back(99.0f);  // guard element: must stay untouched
      yh.push_back(99.0f);
      k->f.axpy_f32(n, alpha, x.data(), y.data());
      k->f.axpy_f16(n, alpha, xh.data(), yh.data());
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = y0[i] + static_cast<double>(alpha) * x[i];
        const double tol = 2.4e-7 * (std::fabs(y0[i]) + std::fabs(alpha * x[i]));
        ASSERT_NEAR(y[i], want, tol) << i;
        const double want_h = y0[i] + static_cast<double>(alpha) * kern::fp16_to_fp32(xh[i]);
        ASSERT_NEAR(yh[i], want_h, tol) << i;
      }
      EXPECT_EQ(y.back(), 99.0f);
      EXPECT_EQ(yh.back(), 99.0f);
    }
  }
}

TEST(FloatKernels, HalfConversionsAreBitExact) {
  // Every half value to float, and back.
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  // Floats around every rounding boundary: ties, subnormals, overflow, NaN, Inf.
  std::vector<float> xs = gaussian(5, 1000, 0.0f, 100.0f);
  for (uint32_t h = 0; h < 65536; h += 7) {
    const float f = kern::fp16_to_fp32(static_cast<uint16_t>(h));
    if (!std::isfinite(f)) continue;
    xs.push_back(f);
    xs.push_back(std::nextafter(f, 1e9f));
    xs.push_back(std::nextafter(f, -1e9f));
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits += 0x1000;  // half-way to the next half (a tie for normals)
    float tie;
    std::memcpy(&tie, &bits, 4);
    xs.push_back(tie);
  }
  for (float v : {65504.0f, 65519.0f, 65520.0f, 1e10f, -1e10f, 5.96e-8f, 2.98e-8f, 2.9802322e-8f,
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN(), -0.0f, 1e-45f}) {
    xs.push_back(v);
  }
  for (const KernelSet* k : all_levels()) {
    SCOPED_TRACE(cpu_level_name(k->level));
    std::vector<float> f(all.size());
    k->f.f16_to_f32(all.data(), f.data(), static_cast<int64_t>(all.size()));
    for (size_t i = 0; i < all.size(); ++i) {
      const float want = kern::fp16_to_fp32(all[i]);
      if (std::isnan(want)) {  // F16C quiets signaling NaNs; only NaN-ness and sign must hold
        ASSERT_TRUE(std::isnan(f[i]) && std::signbit(f[i]) == std::signbit(want)) << i;
        continue;
      }
      ASSERT_EQ(std::memcmp(&f[i], &want, 4), 0) << "half 0x" << std::hex << i;
    }
    std::vector<uint16_t> h(xs.size());
    k->f.f32_to_f16(xs.data(), h.data(), static_cast<int64_t>(xs.size()));
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(h[i], kern::fp32_to_fp16(xs[i])) << "float " << xs[i];
    }
  }
}

TEST(FloatKernels, RmsNorm) {
  for (const KernelSet* k : all_levels()) {
    for (int64_t n : kLengths) {
      SCOPED_TRACE(std::string(cpu_level_name(k->level)) + " n=" + std::to_string(n));
      const auto x = gaussian(6, n, 0.2f, 3.0f), w = gaussian(7, n, 1.0f, 0.1f);
      const float eps = 1e-6f;
      double ss = 0;
      for (float v : x) ss += static_cast<double>(v) * v;
      const double scale = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps);
      std::vector<float> y(x.size()), y_nw(x.size()), in_place = x;
      k->f.rms_norm(n, x.data(), w.data(), eps, y.data());
      k->f.rms_norm(n, x.data(), nullptr, eps, y_nw.data());
      k->f.rms_norm(n, in_place.data(), w.data(), eps, in_place.data());
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = x[i] * scale * w[i];
        ASSERT_NEAR(y[i], want, 1e-6 * std::fabs(want) + 1e-30) << i;
        ASSERT_EQ(in_place[i], y[i]) << i;
        ASSERT_NEAR(y_nw[i], x[i] * scale, 1e-6 * std::fabs(x[i] * scale) + 1e-30) << i;
      }
    }
  }
}

TEST(FloatKernels, SiluMul) {
  for (const KernelSet* k : all_levels()) {
    for (int64_t n : kLengths) {
      SCOPED_TRACE(std::string(cpu_level_name(k->level)) + " n=" + std::to_string(n));
      auto g = gaussian(8, n, 0.0f, 4.0f);
      const auto u = gaussian(9, n);
      if (n > 4) {  // saturated gates: exp(-g) overflows float / underflows to 0
        g[0] = -100.0f;
        g[1] = 100.0f;
        g[2] = -88.5f;
        g[3] = 0.0f;
      }
      std::vector<float> y(g.size()), in_place = g;
      k->f.silu_mul(n, g.data(), u.data(), y.data());
      k->f.silu_mul(n, in_place.data(), u.data(), in_place.data());
      for (size_t i = 0; i < g.size(); ++i) {
        const double gi = g[i];
        const double want = gi / (1.0 + std::exp(-gi)) * u[i];
        ASSERT_NEAR(y[i], want, 1e-6 * std::fabs(want) + 1e-35) << "g=" << g[i];
        ASSERT_EQ(in_place[i], y[i]) << i;
      }
    }
  }
}

TEST(FloatKernels, SoftmaxWithinOneMillionthOfDouble) {
  for (const KernelSet* k : all_levels()) {
    for (int64_t n : kLengths) {
      SCOPED_TRACE(std::string(cpu_level_name(k->level)) + " n=" + std::to_string(n));
      auto x = gaussian(10, n, 0.0f, 8.0f);
      if (n > 8) {
        x[1] = -std::numeric_limits<float>::infinity();  // masked attention position
        x[2] = x[0] - 86.0f;                              // near exp's underflow
        x[3] = x[0] - 120.0f;                             // underflows to 0
      }
      std::vector<float> y = x;
      k->f.softmax(n, y.data());
      double mx = -INFINITY, sum = 0;
      for (float v : x) mx = std::max(mx, static_cast<double>(v));
      for (float v : x) sum += std::exp(v - mx);
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = std::exp(x[i] - mx) / sum;
        if (want > 1e-30) {
          ASSERT_NEAR(y[i], want, 1e-6 * want) << "x=" << x[i] << " i=" << i;
        } else {
          ASSERT_NEAR(y[i], want, 1e-30) << "x=" << x[i] << " i=" << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace primer
