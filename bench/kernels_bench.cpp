// Kernel throughput per type and level, for BENCHMARKS.md:
//   BM_MatVec  decode: gemm_tile with one activation row over a weight matrix larger than the
//              caches (64 MiB, streamed from DRAM): GB/s of weight bytes is the roofline figure.
//   BM_MatVecL2  the same over 256 KiB of weights that stay in L2: the kernel's compute ceiling.
//   BM_Gemm    prefill: gemm_tile with 64 activation rows over a 896 x 4864-ish matrix (the
//              Qwen2.5-0.5B FFN shape), GFLOP/s (2 flops per multiply-add).
//   BM_Quantize, BM_Float*: activation quantizers and float kernels on model widths.
// Single-threaded. Levels this CPU lacks are skipped. Run e.g.
//   bench_kernels --benchmark_min_time=0.2s --benchmark_filter='MatVec|Gemm'
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "primer/kernels.h"
#include "primer/quant.h"

namespace primer {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

// n_cols of a weight row: the FFN input width (896) where the block size allows it, else the
// down-projection width (4864 = 19 * 256) for the K-quants.
int64_t row_length(const QuantTypeTraits& t) { return 896 % t.block_size == 0 ? 896 : 4864; }

// rows x n weights: one row quantized once and copied (the content does not change the speed).
std::vector<uint8_t> weights(const QuantTypeTraits& t, int64_t n, int64_t rows) {
  const std::vector<float> x = gaussian(static_cast<size_t>(n), 1);
  const uint64_t rb = quant_row_bytes(t, static_cast<uint64_t>(n));
  std::vector<uint8_t> w(rb * static_cast<uint64_t>(rows));
  t.from_float_ref(x.data(), w.data(), n);
  for (int64_t r = 1; r < rows; ++r) std::copy(w.begin(), w.begin() + rb, w.begin() + r * rb);
  return w;
}

std::vector<uint8_t> activations(const QuantTypeTraits& t, int64_t n, int rows) {
  const QuantTypeTraits& at = *quant_type_traits(t.dot_type);
  const uint64_t rb = quant_row_bytes(at, static_cast<uint64_t>(n));
  std::vector<uint8_t> a(rb * static_cast<uint64_t>(rows));
  for (int r = 0; r < rows; ++r) {
    const std::vector<float> x = gaussian(static_cast<size_t>(n), 100 + r);
    at.from_float_ref(x.data(), a.data() + rb * static_cast<uint64_t>(r), n);
  }
  return a;
}

void mat_vec(benchmark::State& state, CpuLevel level, QuantType type, uint64_t weight_bytes) {
  const KernelSet* ks = kernels_for(level);
  if (ks == nullptr) return state.SkipWithError("level not supported by this CPU");
  const QuantTypeTraits& t = *quant_type_traits(type);
  const int64_t n = row_length(t);
  const uint64_t rb = quant_row_bytes(t, static_cast<uint64_t>(n));
  const int64_t rows = static_cast<int64_t>(weight_bytes / rb);
  const std::vector<uint8_t> w = weights(t, n, rows);
  const std::vector<uint8_t> a = activations(t, n, 1);
  std::vector<float> out(static_cast<size_t>(rows));
  const GemmTileFn tile = ks->of(type).gemm_tile;
  constexpr int kBlockRows = 64;  // as the engine's row blocks
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; r += kBlockRows) {
      const int nr = static_cast<int>(std::min<int64_t>(kBlockRows, rows - r));
      tile(n, w.data() + static_cast<uint64_t>(r) * rb, rb, nr, a.data(), 0, 1,
           out.data() + r, 1);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.size()));
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(rows) * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

// Weights streamed from memory (64 MiB) and from L2 (256 KiB: the kernel's compute ceiling).
void BM_MatVec(benchmark::State& state, CpuLevel level, QuantType type) {
  mat_vec(state, level, type, 64ull << 20);
}
void BM_MatVecL2(benchmark::State& state, CpuLevel level, QuantType type) {
  mat_vec(state, level, type, 256ull << 10);
}

void BM_Gemm(benchmark::State& state, CpuLevel level, QuantType type) {
  const KernelSet* ks = kernels_for(level);
  if (ks == nullptr) return state.SkipWithError("level not supported by this CPU");
  const QuantTypeTraits& t = *quant_type_traits(type);
  const int64_t n = row_length(t);
  const int64_t rows = n == 896 ? 4864 : 896;
  constexpr int kTokens = 64, kBlockRows = 64;
  const uint64_t rb = quant_row_bytes(t, static_cast<uint64_t>(n));
  const uint64_t ab = quant_row_bytes(*quant_type_traits(t.dot_type), static_cast<uint64_t>(n));
  const std::vector<uint8_t> w = weights(t, n, rows);
  const std::vector<uint8_t> a = activations(t, n, kTokens);
  std::vector<float> out(static_cast<size_t>(kBlockRows * kTokens));
  const GemmTileFn tile = ks->of(type).gemm_tile;
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; r += kBlockRows) {
      const int nr = static_cast<int>(std::min<int64_t>(kBlockRows, rows - r));
      tile(n, w.data() + static_cast<uint64_t>(r) * rb, rb, nr, a.data(), ab, kTokens, out.data(),
           kTokens);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(rows) * static_cast<double>(n) * kTokens,
      benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void BM_Quantize(benchmark::State& state, CpuLevel level, QuantType type) {
  const KernelSet* ks = kernels_for(level);
  if (ks == nullptr) return state.SkipWithError("level not supported by this CPU");
  const QuantTypeTraits& t = *quant_type_traits(type);
  constexpr int64_t kN = 4864;
  const std::vector<float> x = gaussian(kN, 3);
  std::vector<uint8_t> q(quant_row_bytes(t, kN));
  const FromFloatFn f = ks->of(type).from_float;
  for (auto _ : state) {
    f(x.data(), q.data(), kN);
    benchmark::DoNotOptimize(q.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kN);
}

void BM_FloatOps(benchmark::State& state, CpuLevel level) {
  const KernelSet* ks = kernels_for(level);
  if (ks == nullptr) return state.SkipWithError("level not supported by this CPU");
  constexpr int64_t kN = 4864;
  std::vector<float> x = gaussian(kN, 4), g = gaussian(kN, 5), y(kN);
  for (auto _ : state) {  // one FFN activation + norm + a 1024-wide softmax
    ks->f.silu_mul(kN, g.data(), x.data(), y.data());
    ks->f.rms_norm(896, x.data(), g.data(), 1e-6f, y.data());
    std::copy(x.begin(), x.begin() + 1024, y.begin());
    ks->f.softmax(1024, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * (kN + 896 + 1024));
}

void register_all() {
  const QuantType types[] = {QuantType::kQ8_0, QuantType::kQ4_K, QuantType::kQ6_K,
                             QuantType::kQ5_0, QuantType::kQ5_0R, QuantType::kF16, QuantType::kF32,
                             QuantType::kQ4_0, QuantType::kQ4_1, QuantType::kQ5_1,
                             QuantType::kQ5_K, QuantType::kBF16};
  for (CpuLevel level : {CpuLevel::kScalar, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (kernels_for(level) == nullptr) continue;
    const std::string ln = cpu_level_name(level);
    for (QuantType type : types) {
      const std::string tn = quant_type_traits(type)->name;
      benchmark::RegisterBenchmark(("BM_MatVec/" + tn + "/" + ln).c_str(), BM_MatVec, level, type)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BM_MatVecL2/" + tn + "/" + ln).c_str(), BM_MatVecL2, level,
                                   type);
      benchmark::RegisterBenchmark(("BM_Gemm/" + tn + "/" + ln).c_str(), BM_Gemm, level, type)
          ->Unit(benchmark::kMillisecond);
    }
    for (QuantType type : {QuantType::kQ8_0, QuantType::kQ8_1, QuantType::kQ8_K}) {
      const std::string tn = quant_type_traits(type)->name;
      benchmark::RegisterBenchmark(("BM_Quantize/" + tn + "/" + ln).c_str(), BM_Quantize, level,
                                   type);
    }
    benchmark::RegisterBenchmark(("BM_FloatOps/" + ln).c_str(), BM_FloatOps, level);
  }
}

}  // namespace
}  // namespace primer

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  primer::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
