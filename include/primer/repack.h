#pragma once
// Load-time repacking of weight matrices into internal layouts (the internal QuantTypes of
// quant.h), for kernels faster than the file layout allows. Repacking keeps the bytes per row,
// so a repacked matrix has the same row_bytes and size as the file's.
//
// Pure functions; src and dst must not overlap. n_cols must be a multiple of 32.

#include <cstdint>

namespace primer {

// Q5_0 rows (file layout) -> Q5_0R rows: n_rows rows of n_cols elements, n_cols / 32 * 22 bytes
// each, row r at src / dst + r * row_bytes. Cost: one pass over the bytes (memory-bound).
void repack_q5_0_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, int64_t n_cols);
// The inverse (Q5_0R -> Q5_0), bit-exact: unpack_q5_0r_rows(repack(x)) == x.
void unpack_q5_0r_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, int64_t n_cols);

}  // namespace primer
