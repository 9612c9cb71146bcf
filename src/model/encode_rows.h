#pragma once
// Encoding a matrix into a tensor type row by row, in parallel: shared by gen-model (rows of
// random values) and quantize (rows dequantized from the input file).
#include <cstdint>
#include <functional>
#include <vector>

#include "primer/quant.h"
#include "primer/thread_pool.h"

namespace primer::model {

// Calls fill(row, out) for each row (out: n_cols floats, one scratch buffer per thread) and
// encodes the row with `type`'s reference quantizer. Returns n_rows * row_bytes bytes.
// n_cols must be a multiple of the type's block size (checked). fill must be thread-safe.
std::vector<uint8_t> encode_rows(QuantType type, int64_t n_rows, int64_t n_cols, ThreadPool& pool,
                                 const std::function<void(int64_t row, float* out)>& fill);

}  // namespace primer::model
