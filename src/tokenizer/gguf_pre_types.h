// GGUF `tokenizer.ggml.pre` -> the byte-level BPE pre-tokenizer of that model family.
//
// GGUF files do not carry the pre-tokenizer itself, only a name that llama.cpp's converter
// derives from a hash of the tokenizer's output. This table gives each known name the split
// regexes of the model's own tokenizer.json (Hugging Face syntax; tokenizer_impl compiles them
// with PCRE2 after hf_regex_to_pcre2). The regexes run in order, each cutting every piece the
// previous one produced into matches and the text between them (HF Split, behavior Isolated);
// the pieces are then mapped to GPT-2's byte alphabet and handed to BPE.
#pragma once

#include <array>
#include <string_view>

namespace primer::tok {

enum class IgnoreMerges { kNo, kYes };  // emit a pre-token that is a whole vocab piece as is
enum class DefaultAddBos { kNo, kYes };  // when tokenizer.ggml.add_bos_token is absent

struct GgufPreType {
  std::string_view family;                      // e.g. "llama3" (for describe())
  std::string_view names;                       // space-separated tokenizer.ggml.pre values
  std::array<const char*, 6> regexes;           // in order; unused slots are nullptr
  IgnoreMerges ignore_merges;
  DefaultAddBos add_bos;
};

// The row for `pre`, or nullptr for a name the table does not know.
const GgufPreType* find_gguf_pre_type(std::string_view pre);
// The row used when tokenizer.ggml.pre is absent (old files): "default", as llama.cpp does.
const GgufPreType& default_gguf_pre_type();

}  // namespace primer::tok
