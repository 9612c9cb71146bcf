// Measured memory bandwidth of this machine: the yardstick for the decode roofline
// (a decode step streams every weight once, so tokens/s <= bandwidth / bytes per token).
#pragma once

#include <cstddef>
#include <cstdint>

#include "primer/thread_pool.h"

namespace primer::cli {

struct MemBandwidth {
  double gb_per_s = 0;      // best of the repetitions, 1 GB = 1e9 bytes
  size_t buffer_bytes = 0;
  int threads = 0;
};

// Streams a buffer of `bytes` (choose >> last-level cache) with every thread of `pool`, each
// reading its own contiguous slice, `reps` times after one warm-up pass; reports the best pass.
// The buffer is allocated, touched and freed inside.
MemBandwidth measure_read_bandwidth(ThreadPool& pool, size_t bytes, int reps = 5);

// Peak arithmetic throughput: every thread of `pool` runs `probe` (a KernelSet PeakProbes entry:
// independent multiply-add chains, no memory traffic) for about `seconds`; returns G operations/s
// (2 per multiply-add), best of 3.
double measure_peak_gops(ThreadPool& pool, double (*probe)(int64_t n_iter), double seconds = 0.2);

}  // namespace primer::cli
