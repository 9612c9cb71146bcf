#pragma once
// The per-tensor type choice shared by gen-model and quantize: a FileType names a default type
// and, for the k-quant mixtures, llama.cpp's exceptions (llama_tensor_get_type in
// llama-quant.cpp), so Primer's Q4_K_M file has the same types tensor for tensor as llama.cpp's.
#include <cstdint>
#include <string_view>

#include "primer/model_factory.h"
#include "primer/quant.h"

namespace primer::model {

// What the choice depends on.
struct TensorTypeQuery {
  std::string_view name;        // GGUF tensor name, e.g. "blk.3.ffn_down.weight"
  int64_t n_cols = 0;           // ne0 (row length)
  bool matrix = false;          // 2-D; vectors always stay F32
  bool has_output = false;      // the file has output.weight (else token_embd is the output)
  int64_t n_layer = 0;          // {arch}.block_count
  std::string_view arch;        // general.architecture
};

// The type most tensors get: Q4_K for Q4_K_M, F16 for F16, ...
QuantType default_tensor_type(FileType type);
// The type of one tensor in a file of `type`, with llama.cpp's mixture rules and the
// 256-divisibility fallbacks (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16).
QuantType choose_tensor_type(FileType type, const TensorTypeQuery& t);
// llama.cpp's general.file_type value (enum llama_ftype): F32 0, F16 1, Q4_0 2, ..., BF16 32.
uint32_t llama_ftype_id(FileType type);

}  // namespace primer::model
