#pragma once
// Tokenizer metadata for files gen-model writes (the `tokenizer.*` GGUF keys, llama.cpp's
// conventions; see src/tokenizer/gguf_vocab.h for the key list).
#include <cstdint>
#include <string>

#include "primer/error.h"
#include "primer/gguf.h"

namespace primer::model {

// Adds the tokenizer keys of `path` to `writer` and returns the number of tokens:
//   *.gguf           every tokenizer.* key is copied as is;
//   tokenizer.json   (Hugging Face, byte-level BPE only; tokenizer_config.json beside it is read
//                    when present) converted to GGUF metadata: model "gpt2", pre from the
//                    pre-tokenizer regexes (gguf_pre_types.h), tokens (id gaps filled with
//                    "[PAD<id>]", type unused), token_type (special added tokens control, other
//                    added tokens user-defined), merges, bos/eos/padding ids, add_bos/add_eos as
//                    the post-processor adds them, chat_template.
// The result loads with Tokenizer::from_gguf and encodes like Tokenizer::from_hf_files on the
// same json for NFC text (GGUF has no normalizer: Qwen's NFC step is dropped, as in llama.cpp).
Result<int64_t> add_vocab_from(const std::string& path, GgufWriter& writer);

// A synthetic byte-level BPE vocabulary of exactly n_vocab tokens (n_vocab >= 259): the 256
// byte tokens, merges of lowercase letter pairs ("t h" -> "th"), "<|extra_N|>" fillers, and
// three control tokens at the end: <|endoftext|> (bos, padding), <|im_start|>, <|im_end|> (eos),
// with a ChatML chat template. add_bos_token false.
Status add_synthetic_vocab(int64_t n_vocab, GgufWriter& writer);
inline constexpr int64_t kMinSyntheticVocab = 259;

// Qwen2-style ChatML: <|im_start|>role\ncontent<|im_end|>\n per message, and the assistant header
// when add_generation_prompt (the synthetic vocabulary's and trained tokenizers' template).
const char* chatml_template();

}  // namespace primer::model
