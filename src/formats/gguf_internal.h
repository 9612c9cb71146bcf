// Helpers shared by the GGUF reader, getters and writer (private to src/formats).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "primer/gguf.h"

namespace primer::gguf_internal {

// ggml's tensor rank limit (GGML_MAX_DIMS).
inline constexpr uint32_t kMaxDims = 4;
// Arrays of arrays deeper than this are rejected: the spec allows nesting but no real file
// nests at all, and the limit bounds recursion on hostile input.
inline constexpr int kMaxArrayDepth = 8;
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr char kAlignmentKey[] = "general.alignment";

inline bool is_valid_value_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::kFloat64); }

// Bytes of one fixed-size value (numbers and bool); 0 for string and array.
inline size_t fixed_value_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16: case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32: case GgufValueType::kInt32: case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64: case GgufValueType::kInt64: case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString: case GgufValueType::kArray: return 0;
  }
  return 0;
}

// Smallest encoding of one array element of type t: fixed size, an empty string (u64 length),
// or an empty nested array (u32 type + u64 count). Used to reject counts before allocating.
inline size_t min_encoded_size(GgufValueType t) {
  if (t == GgufValueType::kString) return 8;
  if (t == GgufValueType::kArray) return 12;
  return fixed_value_size(t);
}

// Key or tensor name made safe for an error message: printable ASCII kept, other bytes as
// \xNN, cut at 80 characters.
std::string printable(std::string_view s);

// "[gguf] <file>: <what>"
Error gguf_error(const std::string& file, const std::string& what);

}  // namespace primer::gguf_internal
