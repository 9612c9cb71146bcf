// Measured memory bandwidth of this machine: the yardstick for the decode roofline
// (a decode step streams every weight once, so tokens/s <= bandwidth / bytes per token).
#pragma once

#include <cstddef>

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

}  // namespace primer::cli
