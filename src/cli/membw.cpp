// Read bandwidth: each thread sums 64-bit words of its slice with 8 independent accumulators
// (enough loads in flight to saturate a core's memory pipeline; the sum keeps the compiler
// from dropping the loads).
#include "cli/membw.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace primer::cli {
namespace {

uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) a[j] += p[i + static_cast<size_t>(j)];
  }
  for (; i < n; ++i) a[0] += p[i];
  return a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
}

}  // namespace

MemBandwidth measure_read_bandwidth(ThreadPool& pool, size_t bytes, int reps) {
  const size_t n_threads = static_cast<size_t>(pool.size());
  const size_t n_words = std::max<size_t>(bytes / sizeof(uint64_t), n_threads * 8);
  std::unique_ptr<uint64_t[]> buf(new uint64_t[n_words]);
  const size_t slice = (n_words + n_threads - 1) / n_threads;
  std::vector<uint64_t> sink(n_threads, 0);
  // First touch from the thread that reads the slice later (page placement), then passes.
  pool.parallel_for(n_threads, 1, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) {
      const size_t lo = std::min(n_words, t * slice), hi = std::min(n_words, lo + slice);
      for (size_t i = lo; i < hi; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;
    }
  });
  MemBandwidth r;
  r.buffer_bytes = n_words * sizeof(uint64_t);
  r.threads = pool.size();
  for (int rep = 0; rep <= reps; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(n_threads, 1, [&](size_t b, size_t e, int) {
      for (size_t t = b; t < e; ++t) {
        const size_t lo = std::min(n_words, t * slice), hi = std::min(n_words, lo + slice);
        sink[t] += sum_words(buf.get() + lo, hi - lo);
      }
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rep > 0 && s > 0) r.gb_per_s = std::max(r.gb_per_s, static_cast<double>(r.buffer_bytes) / s / 1e9);
  }
  // Keep the sums observable.
  volatile uint64_t keep = 0;
  for (uint64_t v : sink) keep = keep + v;
  (void)keep;
  return r;
}

double measure_peak_gops(ThreadPool& pool, double (*probe)(int64_t), double seconds) {
  using Clock = std::chrono::steady_clock;
  // Calibrate on one thread: iterations for ~seconds.
  int64_t n_iter = 1 << 16;
  for (;;) {
    const auto t0 = Clock::now();
    probe(n_iter);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= seconds / 8 || n_iter > (int64_t{1} << 40)) {
      n_iter = static_cast<int64_t>(static_cast<double>(n_iter) * seconds / std::max(s, 1e-9));
      break;
    }
    n_iter *= 4;
  }
  n_iter = std::max<int64_t>(n_iter, 1);
  const size_t n_threads = static_cast<size_t>(pool.size());
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<double> ops(n_threads, 0.0);
    const auto t0 = Clock::now();
    pool.parallel_for(n_threads, 1, [&](size_t b, size_t e, int) {
      for (size_t t = b; t < e; ++t) ops[t] = probe(n_iter);
    });
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    double total = 0;
    for (double v : ops) total += v;
    if (s > 0) best = std::max(best, total / s / 1e9);
  }
  return best;
}

}  // namespace primer::cli
