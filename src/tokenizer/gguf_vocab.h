// Reading and validating the `tokenizer.ggml.*` metadata of a GGUF file (llama.cpp's keys):
//   tokenizer.ggml.model              string  "llama" (SentencePiece), "gpt2" (byte-level BPE),
//                                             "bert", "t5", ...
//   tokenizer.ggml.pre                string  pre-tokenizer family for gpt2 (gguf_pre_types.h)
//   tokenizer.ggml.tokens             [string] id -> piece
//   tokenizer.ggml.scores             [f32]   id -> SentencePiece score (optional)
//   tokenizer.ggml.token_type         [i32]   id -> 1 normal, 2 unknown, 3 control,
//                                             4 user-defined, 5 unused, 6 byte (0: normal)
//   tokenizer.ggml.merges             [string] "left right" in rank order (gpt2)
//   tokenizer.ggml.{bos,eos,unknown,seperator,padding,cls,eot,eom}_token_id   u32 (optional;
//                                             "seperator" is llama.cpp's spelling)
//   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix        bool (optional)
//   tokenizer.chat_template           string  (optional)
// Strings are views into the GgufFile, which must outlive the result.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "primer/gguf.h"
#include "primer/tokenizer.h"

namespace primer::tok {

struct GgufTokenizerMeta {
  std::string_view model;
  std::optional<std::string_view> pre;
  std::vector<std::string_view> tokens;  // views into the GgufFile's mapping
  std::vector<float> scores;     // empty when absent, else tokens.size()
  std::vector<TokenAttr> attrs;  // tokens.size(); kNormal when token_type is absent
  // Merge i is "left right" = merge_strings[i] split at merge_space[i] (both sides are tokens);
  // kept as the file's strings plus 4 bytes a merge rather than a list of pairs.
  std::vector<std::string_view> merge_strings;
  std::vector<uint32_t> merge_space;
  size_t n_merges() const { return merge_space.size(); }
  std::pair<std::string_view, std::string_view> merge(size_t i) const {
    std::string_view s = merge_strings[i];
    return {s.substr(0, merge_space[i]), s.substr(merge_space[i] + 1)};
  }
  bool has_merges = false;
  std::optional<TokenId> bos, eos, unk, sep, pad, cls, eot, eom;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
  std::string_view chat_template;
};

// Every array length agrees with tokenizer.ggml.tokens, token types are known, ids are in
// range, merges name existing tokens, no piece appears twice. Errors read
// "[tokenizer.gguf] <file>: tokenizer.ggml.merges[12]: 'a x': 'x' is not a token".
Result<GgufTokenizerMeta> read_gguf_tokenizer_meta(const GgufFile& gguf);

// "[tokenizer.gguf] <file>: <what>"
Error gguf_tokenizer_error(const GgufFile& gguf, const std::string& what);

}  // namespace primer::tok
