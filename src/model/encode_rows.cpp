// Parallel row encoding (contract in encode_rows.h).
#include "model/encode_rows.h"

#include <algorithm>

#include "primer/error.h"

namespace primer::model {

std::vector<uint8_t> encode_rows(QuantType type, int64_t n_rows, int64_t n_cols, ThreadPool& pool,
                                 const std::function<void(int64_t row, float* out)>& fill) {
  const QuantTypeTraits* traits = quant_type_traits(type);
  PRIMER_CHECK(traits != nullptr && n_cols % traits->block_size == 0 && n_rows >= 0);
  const size_t row_bytes = quant_row_bytes(*traits, static_cast<uint64_t>(n_cols));
  std::vector<uint8_t> out(static_cast<size_t>(n_rows) * row_bytes);
  // ~1 MiB of floats per chunk keeps scheduling overhead small for wide and narrow matrices.
  const size_t grain = std::max<size_t>(1, (size_t{1} << 18) / static_cast<size_t>(std::max<int64_t>(n_cols, 1)));
  pool.parallel_for(static_cast<size_t>(n_rows), grain, [&](size_t begin, size_t end, int) {
    std::vector<float> row(static_cast<size_t>(n_cols));
    for (size_t r = begin; r < end; ++r) {
      fill(static_cast<int64_t>(r), row.data());
      traits->from_float_ref(row.data(), out.data() + r * row_bytes, n_cols);
    }
  });
  return out;
}

}  // namespace primer::model
