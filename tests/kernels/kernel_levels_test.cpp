// Every optimized level (avx2, avx512 where this CPU has them) against the scalar level, the
// truth: vec_dot and gemm_tile per weight type on odd shapes and strided rows, activation
// quantizers against the reference quantizers, to_float identical. The scalar level's own
// gemm_tile is checked against its vec_dot too.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "primer/kernels.h"

namespace primer {
namespace {

using kernel_test::dot_magnitude;
using kernel_test::gaussian;
using kernel_test::kSanitized;
using kernel_test::kWeightTypes;
using kernel_test::quantize_rows;
using kernel_test::traits;

const KernelSet& scalar() { return *kernels_for(CpuLevel::kScalar); }

// Row lengths for a type: 1 block, 3 blocks, and the model widths (896, 4864) where valid.
std::vector<int64_t> lengths(QuantType type) {
  const int64_t bs = traits(type).block_size;
  std::vector<int64_t> out = {bs, 3 * bs};
  if (bs == 1) out = {1, 7, 8, 9, 33, 100};  // float types: tails of every length
  for (int64_t n : {int64_t{256}, int64_t{896}, int64_t{4864}}) {
    if (n % bs == 0 && (!kSanitized || n < 4864)) out.push_back(n);
  }
  return out;
}

// Relative tolerance on sum |w a|: float accumulation in a different order. The scalar
// K-quant and legacy kernels sum per-block floats in order; ours use 8-lane partial sums.
constexpr double kRelTol = 2e-6;

TEST(KernelLevels, VecDotMatchesScalar) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : kWeightTypes) {
      const QuantTypeTraits& t = traits(type);
      for (int64_t n : lengths(type)) {
        SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + t.name + " n=" +
                     std::to_string(n));
        for (uint32_t seed : {1u, 2u, 3u}) {
          const auto w = quantize_rows(type, gaussian(seed, n), 1, n, quant_row_bytes(t, n));
          // Activations with a mean exercise the min / offset terms.
          const auto a = quantize_rows(t.dot_type, gaussian(seed + 100, n, 0.3f), 1, n,
                                       quant_row_bytes(traits(t.dot_type), n));
          const float want = scalar().of(type).vec_dot(n, w.data(), a.data());
          const float got = level->of(type).vec_dot(n, w.data(), a.data());
          const double mag = dot_magnitude(type, w.data(), t.dot_type, a.data(), n);
          EXPECT_NEAR(got, want, kRelTol * mag + 1e-30) << "seed " << seed;
        }
      }
    }
  }
}

// gemm_tile(nr x nc) with padded strides equals vec_dot for each pair, and writes nothing
// outside the nr x nc block of `out`.
void check_gemm(const KernelSet& level, QuantType type, int64_t n, int nr, int nc) {
  const QuantTypeTraits& t = traits(type);
  const QuantTypeTraits& at = traits(t.dot_type);
  const size_t w_stride = quant_row_bytes(t, n) + 12;  // keeps 4-byte alignment of fields
  const size_t a_stride = quant_row_bytes(at, n) + 20;
  const auto w = quantize_rows(type, gaussian(static_cast<uint32_t>(nr * 10 + nc), nr * n), nr,
                               n, w_stride);
  const auto a = quantize_rows(t.dot_type, gaussian(static_cast<uint32_t>(nr + 77), nc * n, 0.2f),
                               nc, n, a_stride);
  const size_t out_stride = static_cast<size_t>(nc) + 3;
  constexpr float kSentinel = -12345.0f;
  std::vector<float> out(out_stride * static_cast<size_t>(nr) + 1, kSentinel);
  level.of(type).gemm_tile(n, w.data(), w_stride, nr, a.data(), a_stride, nc, out.data(),
                           out_stride);
  for (int r = 0; r < nr; ++r) {
    for (size_t c = 0; c < out_stride; ++c) {
      const float got = out[static_cast<size_t>(r) * out_stride + c];
      if (c >= static_cast<size_t>(nc)) {
        ASSERT_EQ(got, kSentinel) << "wrote outside the tile at r=" << r << " c=" << c;
        continue;
      }
      const uint8_t* wr = w.data() + static_cast<size_t>(r) * w_stride;
      const uint8_t* ar = a.data() + c * a_stride;
      const float want = scalar().of(type).vec_dot(n, wr, ar);
      const double mag = dot_magnitude(type, wr, t.dot_type, ar, n);
      ASSERT_NEAR(got, want, kRelTol * mag + 1e-30) << "r=" << r << " c=" << c;
    }
  }
  ASSERT_EQ(out.back(), kSentinel);
}

TEST(KernelLevels, GemmTileMatchesVecDotForEveryTileShape) {
  std::vector<const KernelSet*> levels = kernel_test::optimized_levels();
  levels.push_back(&scalar());
  for (const KernelSet* level : levels) {
    for (QuantType type : kWeightTypes) {
      const QuantTypeTraits& t = traits(type);
      const int64_t n = t.block_size == 1 ? 37 : 2 * static_cast<int64_t>(t.block_size);
      const int max_dim = kSanitized ? 5 : 7;
      for (int nr = 1; nr <= max_dim; ++nr) {
        for (int nc = 1; nc <= max_dim; ++nc) {
          SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + t.name + " " +
                       std::to_string(nr) + "x" + std::to_string(nc));
          check_gemm(*level, type, n, nr, nc);
        }
      }
    }
  }
}

TEST(KernelLevels, GemmTileOnModelWidths) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : {QuantType::kQ8_0, QuantType::kQ5_0, QuantType::kQ5_0R, QuantType::kF16,
                           QuantType::kF32}) {
      SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + traits(type).name);
      check_gemm(*level, type, 896, 5, 6);
    }
    for (QuantType type : {QuantType::kQ4_K, QuantType::kQ6_K}) {
      SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + traits(type).name);
      check_gemm(*level, type, kSanitized ? 512 : 1536, 3, 5);
    }
  }
}

// Odd block counts: the AVX-512 legacy kernels take two 32-element blocks per vector and finish
// an odd last block alone; every tile edge shape around that.
TEST(KernelLevels, GemmTileOddBlockCounts) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : {QuantType::kQ8_0, QuantType::kQ4_0, QuantType::kQ5_0, QuantType::kQ5_0R,
                           QuantType::kQ4_1, QuantType::kQ5_1}) {
      for (int64_t n : {int64_t{32}, int64_t{96}, int64_t{160}, int64_t{928}}) {
        for (auto [nr, nc] : {std::pair{1, 1}, std::pair{4, 4}, std::pair{5, 7}, std::pair{9, 3}}) {
          SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + traits(type).name +
                       " n=" + std::to_string(n) + " " + std::to_string(nr) + "x" +
                       std::to_string(nc));
          check_gemm(*level, type, n, nr, nc);
        }
      }
    }
  }
}

// Q8_0 weight codes may be -128 in files written by other tools (our quantizer stays in
// [-127, 127]); every level must still compute the exact integer dot.
TEST(KernelLevels, Q8_0WeightCodeMinus128) {
  constexpr int64_t kN = 160;
  const QuantTypeTraits& t = traits(QuantType::kQ8_0);
  const size_t rb = quant_row_bytes(t, kN);
  auto w = quantize_rows(QuantType::kQ8_0, gaussian(9, kN), 1, kN, rb);
  for (int64_t ib = 0; ib < kN / 32; ++ib) {
    for (int i = 0; i < 32; i += 3) w[static_cast<size_t>(ib) * 34 + 2 + i] = 0x80;
  }
  const auto a = quantize_rows(QuantType::kQ8_0, gaussian(10, kN, 0.3f), 1, kN, rb);
  const float want = scalar().of(QuantType::kQ8_0).vec_dot(kN, w.data(), a.data());
  const double mag = dot_magnitude(QuantType::kQ8_0, w.data(), QuantType::kQ8_0, a.data(), kN);
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    SCOPED_TRACE(cpu_level_name(level->level));
    EXPECT_NEAR(level->of(QuantType::kQ8_0).vec_dot(kN, w.data(), a.data()), want,
                kRelTol * mag + 1e-30);
    float out = 0.0f;
    level->of(QuantType::kQ8_0).gemm_tile(kN, w.data(), rb, 1, a.data(), rb, 1, &out, 1);
    EXPECT_NEAR(out, want, kRelTol * mag + 1e-30);
  }
}

// Inputs that hit every rounding tie: with amax = 127 the Q8_0 scale is exactly 1, so halves
// are exact ties (Q8_0 / Q8_1 round them away from zero); with max = -127 the Q8_K inverse
// scale is exactly 1 (ties to even). Plus zero blocks, tiny and huge magnitudes.
std::vector<float> quantizer_input(int64_t n, uint32_t seed) {
  std::vector<float> x = gaussian(seed, n, 0.1f, 2.0f);
  for (int64_t i = 0; i < 32 && i < n; ++i) {
    x[static_cast<size_t>(i)] = i == 0 ? 127.0f : static_cast<float>(i % 9) - 4.5f;
  }
  if (n >= 512) {
    for (int64_t i = 256; i < 512; ++i) {
      x[static_cast<size_t>(i)] = i == 300 ? -127.0f : static_cast<float>(i % 17) * 0.5f - 4.0f;
    }
  }
  if (n >= 768) {
    for (int64_t i = 512; i < 768; ++i) x[static_cast<size_t>(i)] = 0.0f;
  }
  if (n >= 1024) {
    for (int64_t i = 768; i < 800; ++i) x[static_cast<size_t>(i)] *= 1e-30f;
    for (int64_t i = 800; i < 832; ++i) x[static_cast<size_t>(i)] *= 1e30f;
    x[900] = 50.0f;  // equal magnitudes of both signs: the first one sets Q8_K's sign
    x[901] = -50.0f;
  }
  return x;
}

TEST(KernelLevels, ActivationQuantizersReproduceReferenceBytes) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : {QuantType::kQ8_0, QuantType::kQ8_1, QuantType::kQ8_K}) {
      const QuantTypeTraits& t = traits(type);
      for (int64_t n : {int64_t{256}, int64_t{1024}, int64_t{4864}}) {
        SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " " + t.name + " n=" +
                     std::to_string(n));
        for (uint32_t seed : {5u, 6u}) {
          const std::vector<float> x = quantizer_input(n, seed);
          std::vector<uint8_t> want(quant_row_bytes(t, n), 0xCD), got(want.size(), 0x5A);
          t.from_float_ref(x.data(), want.data(), n);
          level->of(type).from_float(x.data(), got.data(), n);
          // Stricter than the kernels.h contract (codes within 1): our SIMD quantizers use the
          // reference's rounding, so every byte must match.
          ASSERT_EQ(got, want) << "seed " << seed;
        }
      }
    }
  }
}

TEST(KernelLevels, ToFloatIsIdentical) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : kWeightTypes) {
      const QuantTypeTraits& t = traits(type);
      const int64_t n = 4 * 256;
      const auto q = quantize_rows(type, gaussian(9, n), 1, n, quant_row_bytes(t, n));
      std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
      scalar().of(type).to_float(q.data(), want.data(), n);
      level->of(type).to_float(q.data(), got.data(), n);
      EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0) << t.name;
    }
  }
}

// End to end: each level's quantized dot approximates the float dot of the original rows
// (independent of the scalar level, so a shared misreading of a format would show here).
TEST(KernelLevels, QuantizedDotTracksFloatDot) {
  for (const KernelSet* level : kernel_test::optimized_levels()) {
    for (QuantType type : kWeightTypes) {
      const QuantTypeTraits& t = traits(type);
      const int64_t n = 1024;
      const std::vector<float> wf = gaussian(21, n), af = gaussian(22, n, 0.25f);
      const auto w = quantize_rows(type, wf, 1, n, quant_row_bytes(t, n));
      const auto a = quantize_rows(t.dot_type, af, 1, n, quant_row_bytes(traits(t.dot_type), n));
      double exact = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i) {
        exact += static_cast<double>(wf[static_cast<size_t>(i)]) * af[static_cast<size_t>(i)];
        mag += std::fabs(static_cast<double>(wf[static_cast<size_t>(i)]) * af[static_cast<size_t>(i)]);
      }
      const float got = level->of(type).vec_dot(n, w.data(), a.data());
      // The quantization error of ~4-bit formats is < 8% per element; random signs average it.
      EXPECT_NEAR(got, exact, 0.02 * mag) << cpu_level_name(level->level) << " " << t.name;
    }
  }
}

}  // namespace
}  // namespace primer
