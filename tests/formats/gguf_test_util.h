// Sample GGUF files shared by the GGUF tests and the fuzz seed-corpus generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "primer/gguf.h"

namespace primer::testing {

// Deterministic bytes for tensor payloads.
inline std::vector<uint8_t> pattern_bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 31);
  return v;
}

// Bytes a tensor of `type` and `dims` occupies.
inline size_t tensor_bytes(GgmlType type, const std::vector<uint64_t>& dims) {
  const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  return n / info->block_size * info->type_size;
}

inline void add_pattern_tensor(GgufWriter* w, const std::string& name, GgmlType type,
                               const std::vector<uint64_t>& dims, uint8_t seed) {
  auto data = pattern_bytes(tensor_bytes(type, dims), seed);
  w->add_tensor(name, type, dims, data);
}

// A small file with a few kvs and two tensors: the base of the hostile-file suite. Its layout
// is fixed (tests compute field offsets from it): header (24 bytes), then kvs in this order.
inline GgufWriter small_writer() {
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_uint32("llama.block_count", 2);
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b", "c"});
  w.add_float32_array("tokenizer.ggml.scores", {0.5f, -1.0f, 2.0f});
  add_pattern_tensor(&w, "tok_embd.weight", GgmlType::kF32, {4, 3}, 1);
  add_pattern_tensor(&w, "blk.0.attn_q.weight", GgmlType::kQ8_0, {32, 2}, 7);
  return w;
}

}  // namespace primer::testing
