// The dispatch point: feature detection is consistent with the levels offered, every level's
// table is complete (no null entries), and PRIMER_CPU caps the level kernels() returns.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "kernel_test_util.h"
#include "primer/kernels.h"

namespace primer {
namespace {

using kernel_test::traits;

TEST(KernelDispatch, LevelsMatchCpuFeatures) {
  const CpuFeatures& f = cpu_features();
  ASSERT_NE(kernels_for(CpuLevel::kScalar), nullptr);
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  EXPECT_EQ(kernels_for(CpuLevel::kAvx2) != nullptr, avx2);
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  EXPECT_EQ(kernels_for(CpuLevel::kAvx512) != nullptr, avx512);
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (const KernelSet* k = kernels_for(l)) {
      EXPECT_EQ(k->level, l);
    }
  }
  EXPECT_STREQ(cpu_level_name(CpuLevel::kScalar), "scalar");
  EXPECT_STREQ(cpu_level_name(CpuLevel::kAvx2), "avx2");
  EXPECT_STREQ(cpu_level_name(CpuLevel::kAvx512), "avx512");
}

TEST(KernelDispatch, KernelsReturnsBestLevelUnlessCapped) {
  const char* env = std::getenv("PRIMER_CPU");
  int cap = 2;
  for (int i = 0; env != nullptr && i < 3; ++i) {
    if (std::strcmp(env, cpu_level_name(static_cast<CpuLevel>(i))) == 0) cap = i;
  }
  int best = 0;
  for (int i = 0; i <= cap; ++i) {
    if (kernels_for(static_cast<CpuLevel>(i)) != nullptr) best = i;
  }
  EXPECT_EQ(static_cast<int>(kernels().level), best);
  EXPECT_EQ(&kernels(), kernels_for(static_cast<CpuLevel>(best)));
}

TEST(KernelDispatch, EveryLevelHasCompleteTables) {
  const QuantType all[] = {QuantType::kF32,  QuantType::kF16,  QuantType::kBF16, QuantType::kQ4_0,
                           QuantType::kQ4_1, QuantType::kQ5_0, QuantType::kQ5_1, QuantType::kQ8_0,
                           QuantType::kQ8_1, QuantType::kQ4_K, QuantType::kQ5_K, QuantType::kQ6_K,
                           QuantType::kQ8_K, QuantType::kQ5_0R};
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    const KernelSet* k = kernels_for(l);
    if (k == nullptr) continue;
    SCOPED_TRACE(cpu_level_name(l));
    for (QuantType t : all) {
      const TypeKernels& tk = k->of(t);
      EXPECT_TRUE(tk.supported) << traits(t).name;
      EXPECT_NE(tk.from_float, nullptr) << traits(t).name;
      EXPECT_NE(tk.to_float, nullptr) << traits(t).name;
      const bool activation_only = traits(t).vec_dot == nullptr;
      EXPECT_EQ(tk.vec_dot == nullptr, activation_only) << traits(t).name;
      EXPECT_EQ(tk.gemm_tile == nullptr, activation_only) << traits(t).name;
      EXPECT_GE(tk.tile_rows, 1);
      EXPECT_GE(tk.tile_cols, 1);
    }
    int n_supported = 0;
    for (const TypeKernels& tk : k->types) n_supported += tk.supported ? 1 : 0;
    EXPECT_EQ(n_supported, 14);
    const FloatKernels& f = k->f;
    EXPECT_TRUE(f.dot_f32 && f.dot_f16_f32 && f.axpy_f32 && f.axpy_f16 && f.f32_to_f16 &&
                f.f16_to_f32 && f.rms_norm && f.silu_mul && f.softmax);
  }
}

TEST(KernelDispatch, UnsupportedTypeIsAProgrammingError) {
  EXPECT_DEATH(kernels().of(static_cast<QuantType>(4)), "CHECK failed");  // ggml's removed Q4_2
}

// kernels() is built once per process, so each cap is checked in a fresh child process
// (death-test "threadsafe" style re-executes the binary). Nothing before EXPECT_EXIT may build
// the kernel sets, so the expected level comes from cpu_features() alone.
CpuLevel best_level_up_to(CpuLevel cap) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  if (cap == CpuLevel::kAvx512 && avx512) return CpuLevel::kAvx512;
  if (cap != CpuLevel::kScalar && avx2) return CpuLevel::kAvx2;
  return CpuLevel::kScalar;
}

void expect_cap(const char* value, CpuLevel expected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("PRIMER_CPU", value, 1);
        std::exit(kernels().level == expected ? 0 : 1);
      },
      testing::ExitedWithCode(0), "")
      << "PRIMER_CPU=" << value;
}

TEST(KernelDispatch, PrimerCpuScalar) { expect_cap("scalar", CpuLevel::kScalar); }
TEST(KernelDispatch, PrimerCpuAvx2) { expect_cap("avx2", best_level_up_to(CpuLevel::kAvx2)); }
TEST(KernelDispatch, PrimerCpuAvx512) {
  expect_cap("avx512", best_level_up_to(CpuLevel::kAvx512));
}
TEST(KernelDispatch, PrimerCpuUnknownValueDoesNotCap) {
  expect_cap("bogus", best_level_up_to(CpuLevel::kAvx512));
}

// The peak probes exist at every level and report the operations their loops perform
// (2 per multiply-add x lanes x chains x iterations), a multiple of the iteration count.
TEST(KernelDispatch, PeakProbesCountTheirOperations) {
  for (CpuLevel l : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    const KernelSet* k = kernels_for(l);
    if (k == nullptr) continue;
    ASSERT_NE(k->peak.fma_f32, nullptr) << cpu_level_name(l);
    ASSERT_NE(k->peak.dot_int8, nullptr) << cpu_level_name(l);
    const double f1 = k->peak.fma_f32(10), f2 = k->peak.fma_f32(20);
    const double i1 = k->peak.dot_int8(10), i2 = k->peak.dot_int8(20);
    EXPECT_GT(f1, 0);
    EXPECT_DOUBLE_EQ(f2, 2 * f1) << cpu_level_name(l);
    EXPECT_GT(i1, 0);
    EXPECT_DOUBLE_EQ(i2, 2 * i1) << cpu_level_name(l);
  }
  // Wider levels do more work per iteration (more lanes).
  if (const KernelSet* k = kernels_for(CpuLevel::kAvx2)) {
    EXPECT_GT(k->peak.fma_f32(1), kernels_for(CpuLevel::kScalar)->peak.fma_f32(1));
  }
}

}  // namespace
}  // namespace primer
