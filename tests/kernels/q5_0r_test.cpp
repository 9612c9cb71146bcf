// Q5_0R, the internal row-wise repacking of Q5_0 (include/primer/repack.h, blocks.h): repacking
// round-trips bit-exactly, keeps the row size, is not a GGUF type, and every level's kernels on
// repacked rows compute what Q5_0's scalar reference computes on the original rows (the scalar
// Q5_0R kernels bit-identically).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "primer/gguf.h"
#include "primer/kernels.h"
#include "primer/repack.h"

namespace primer {
namespace {

using kernel_test::dot_magnitude;
using kernel_test::gaussian;
using kernel_test::quantize_rows;
using kernel_test::traits;

constexpr QuantType kQ5 = QuantType::kQ5_0, kQ5R = QuantType::kQ5_0R;

// Q5_0 rows with every fifth bit pattern: random data plus rows of all-high / no-high codes.
std::vector<uint8_t> q5_rows(int rows, int64_t n, uint32_t seed) {
  std::vector<float> x = gaussian(seed, rows * n);
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = i % 7 == 0 ? -3.0f : 1.0f;
  return quantize_rows(kQ5, x, rows, n, quant_row_bytes(traits(kQ5), n));
}

std::vector<uint8_t> repacked(const std::vector<uint8_t>& q5, int rows, int64_t n) {
  std::vector<uint8_t> out(q5.size(), 0xEE);
  repack_q5_0_rows(q5.data(), out.data(), rows, n);
  return out;
}

TEST(Q5_0R, InternalTypeKeepsRowBytesAndIsNoGgufType) {
  const QuantTypeTraits& r = traits(kQ5R);
  EXPECT_EQ(r.block_size, 32u);
  EXPECT_EQ(r.type_size, 22u);
  EXPECT_EQ(r.dot_type, QuantType::kQ8_0);
  EXPECT_GE(static_cast<uint32_t>(kQ5R), kFirstInternalTypeId);
  EXPECT_EQ(ggml_type_info(static_cast<uint32_t>(kQ5R)), nullptr);
  EXPECT_EQ(quant_row_bytes(r, 896), quant_row_bytes(traits(kQ5), 896));
  EXPECT_EQ(KernelSet::slot(kQ5R), KernelSet::kMaxTypeId + 6);
  EXPECT_EQ(KernelSet::slot(static_cast<QuantType>(999)), -1);
}

TEST(Q5_0R, RepackRoundTripsAndMovesEveryField) {
  for (int64_t n : {int64_t{32}, int64_t{64}, int64_t{96}, int64_t{896}, int64_t{928}}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    constexpr int kRows = 3;
    const auto q5 = q5_rows(kRows, n, static_cast<uint32_t>(n));
    const auto r = repacked(q5, kRows, n);
    if (n > 32) {
      EXPECT_NE(r, q5);  // (one block: the layouts coincide)
    }
    std::vector<uint8_t> back(q5.size(), 0x11);
    unpack_q5_0r_rows(r.data(), back.data(), kRows, n);
    EXPECT_EQ(back, q5);
    // The documented layout, checked independently of the block movers.
    const int64_t nb = n / 32;
    const auto* b = reinterpret_cast<const kern::BlockQ5_0*>(q5.data());
    uint16_t d;
    std::memcpy(&d, r.data() + 2 * (nb - 1), 2);
    EXPECT_EQ(d, b[nb - 1].d);
    if (nb % 2 == 1) {  // the single last block is stored unchanged
      EXPECT_EQ(std::memcmp(r.data() + 6 * nb + 16 * (nb - 1), b[nb - 1].qs, 16), 0);
      EXPECT_EQ(std::memcmp(r.data() + 2 * nb + 4 * (nb - 1), b[nb - 1].qh, 4), 0);
    }
    if (nb >= 2) {  // first pair: position k holds element (k / 8) * 4 + k % 4 of block (k / 4) % 2
      uint64_t word;
      std::memcpy(&word, r.data() + 2 * nb, 8);
      const uint8_t* qs = r.data() + 6 * nb;
      for (int k = 0; k < 64; ++k) {
        const kern::BlockQ5_0& blk = b[(k / 4) % 2];
        const int e = (k / 8) * 4 + k % 4;
        uint32_t h;
        std::memcpy(&h, blk.qh, 4);
        const int code = (e < 16 ? blk.qs[e] & 15 : blk.qs[e - 16] >> 4) | ((h >> e) & 1) << 4;
        const int got = (k < 32 ? qs[k] & 15 : qs[k - 32] >> 4) | static_cast<int>((word >> k) & 1) << 4;
        ASSERT_EQ(got, code) << "position " << k;
      }
    }
  }
}

TEST(Q5_0R, ReferenceQuantizerEqualsRepackedQ5_0) {
  for (int64_t n : {int64_t{32}, int64_t{96}, int64_t{896}}) {
    const std::vector<float> x = gaussian(7, n);
    std::vector<uint8_t> q5(quant_row_bytes(traits(kQ5), n)), want(q5.size()), got(q5.size(), 0xAB);
    traits(kQ5).from_float_ref(x.data(), q5.data(), n);
    repack_q5_0_rows(q5.data(), want.data(), 1, n);
    traits(kQ5R).from_float_ref(x.data(), got.data(), n);
    EXPECT_EQ(got, want) << n;
  }
}

// Scalar Q5_0R == scalar Q5_0 bit for bit (to_float and vec_dot); every level within float
// rounding of it (vec_dot and gemm_tile over odd block counts and tile edges).
TEST(Q5_0R, EveryLevelMatchesQ5_0Reference) {
  const KernelSet& scalar = *kernels_for(CpuLevel::kScalar);
  std::vector<const KernelSet*> levels = kernel_test::optimized_levels();
  levels.push_back(&scalar);
  for (int64_t n : {int64_t{32}, int64_t{64}, int64_t{96}, int64_t{160}, int64_t{896}, int64_t{928}}) {
    constexpr int kRows = 7, kCols = 5;
    const size_t rb = quant_row_bytes(traits(kQ5), n);
    const size_t ab = quant_row_bytes(traits(QuantType::kQ8_0), n);
    const auto q5 = q5_rows(kRows, n, 40 + static_cast<uint32_t>(n));
    const auto r = repacked(q5, kRows, n);
    const auto a = quantize_rows(QuantType::kQ8_0, gaussian(3, kCols * n, 0.3f), kCols, n, ab);
    for (int row = 0; row < kRows; ++row) {
      std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
      scalar.of(kQ5).to_float(q5.data() + row * rb, want.data(), n);
      scalar.of(kQ5R).to_float(r.data() + row * rb, got.data(), n);
      ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0) << n;
    }
    for (const KernelSet* level : levels) {
      SCOPED_TRACE(std::string(cpu_level_name(level->level)) + " n=" + std::to_string(n));
      for (auto [nr, nc] : {std::pair{1, 1}, std::pair{7, 1}, std::pair{5, 4}, std::pair{6, 5}}) {
        std::vector<float> out(static_cast<size_t>(nr * nc), -1.0f);
        level->of(kQ5R).gemm_tile(n, r.data(), rb, nr, a.data(), ab, nc, out.data(),
                                  static_cast<size_t>(nc));
        for (int i = 0; i < nr; ++i) {
          for (int c = 0; c < nc; ++c) {
            const uint8_t* w5 = q5.data() + static_cast<size_t>(i) * rb;
            const uint8_t* ac = a.data() + static_cast<size_t>(c) * ab;
            const float want = scalar.of(kQ5).vec_dot(n, w5, ac);
            const double tol = 2e-6 * dot_magnitude(kQ5, w5, QuantType::kQ8_0, ac, n) + 1e-30;
            ASSERT_NEAR(out[static_cast<size_t>(i * nc + c)], want, tol) << nr << "x" << nc;
            const float dot = level->of(kQ5R).vec_dot(n, r.data() + static_cast<size_t>(i) * rb, ac);
            if (level == &scalar) {
              ASSERT_EQ(dot, want);
            } else {
              ASSERT_NEAR(dot, want, tol);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace primer
