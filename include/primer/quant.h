#pragma once
// Quant-format type traits: one row per tensor element type, so adding a format is adding a row.
//
// Every type stores a row of n elements as n / block_size consecutive blocks of type_size bytes,
// bit-compatible with ggml (GGUF tensor data can be used in place). Block layouts are documented
// in src/kernels/blocks.h. The ids equal ggml's `enum ggml_type` values (and formats' GgmlType).
//
// Internal types (ids >= kFirstInternalTypeId) are not GGUF types: they are never read from or
// written to files (the GGUF reader only accepts ggml's ids) and exist only in memory, made at
// load time from a GGUF type for faster kernels (include/primer/repack.h):
//   kQ5_0R  Q5_0 repacked row-wise: the same 22 bytes per 32 elements (row_bytes unchanged), but
//           a row is [nb fp16 scales][qh][qs] with each pair of blocks' bits permuted for one
//           512-bit unpack (layout in src/kernels/blocks.h). Its to_float and vec_dot take whole
//           rows only (n = the row length the row was repacked with); dot type Q8_0. Its
//           from_float_ref quantizes exactly as Q5_0 and stores the repacked layout.
//
// Contract for every function pointer below: n is a multiple of block_size (checked; a violation
// is a programming error, not bad input — callers validate tensor shapes when loading), pointers
// are non-null and do not alias. Functions are pure, thread-safe and do not allocate.

#include <cstdint>

namespace primer {

enum class QuantType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15, kBF16 = 30,
  kQ5_0R = 1006,  // internal (see above): Q5_0 (6) repacked
};

inline constexpr uint32_t kFirstInternalTypeId = 1000;

// x[0..n) -> y[0..n) floats. x holds n / block_size blocks.
using ToFloatFn = void (*)(const void* x, float* y, int64_t n);
// Reference (scalar, ggml-identical) quantizer: x[0..n) floats -> y, n / block_size blocks.
// Inputs must be finite (as in ggml; NaN/Inf give unspecified codes). Writes every byte of y.
using FromFloatFn = void (*)(const float* x, void* y, int64_t n);
// Dot product of one weight row w (n elements of this type) with an activation row a that was
// quantized to this type's dot_type. Result matches ggml's scalar vec_dot up to float rounding.
using VecDotFn = float (*)(int64_t n, const void* w, const void* a);

struct QuantTypeTraits {
  QuantType type;
  const char* name;          // ggml's name, e.g. "q4_K"
  uint32_t block_size;       // elements per block
  uint32_t type_size;        // bytes per block
  bool is_quantized;
  ToFloatFn to_float;
  FromFloatFn from_float_ref;
  VecDotFn vec_dot;          // null for activation-only types (Q8_1, Q8_K)
  QuantType dot_type;        // what the activation row must be quantized to for vec_dot
};

// The row for `type`, or null if Primer's kernels do not support that type id.
const QuantTypeTraits* quant_type_traits(QuantType type);
const QuantTypeTraits* quant_type_traits(uint32_t type_id);

// Bytes needed to store n elements of `traits` (n must be a multiple of block_size).
inline uint64_t quant_row_bytes(const QuantTypeTraits& traits, uint64_t n) {
  return n / traits.block_size * traits.type_size;
}

}  // namespace primer
