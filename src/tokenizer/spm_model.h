// SentencePiece-style BPE over vocabulary scores (GGUF `tokenizer.ggml.model == "llama"`).
//
// A pre-token (already normalized: spaces are "▁", the dummy prefix is prepended by the
// normalizer) is cut into UTF-8 characters; then, repeatedly, the adjacent pair whose
// concatenation is a mergeable vocab piece with the highest score is merged, the leftmost pair
// winning ties, until no adjacent pair forms a piece. Each final symbol is its piece's id; a
// single character that is not a piece becomes its UTF-8 bytes as <0xNN> byte tokens, or one
// unk when some byte token is missing (and nothing when there is no unk either).
//
// Mergeable pieces are those with attr kNormal or kUserDefined: control, unknown, unused and
// byte pieces never come out of merging (as in sentencepiece; llama.cpp also matches them,
// which only differs for text that spells a control token such as "<s>").
//
// Cost: O(n log n) per pre-token of n characters (a heap of candidate pairs; stale entries are
// skipped when popped). Symbols are spans of the input, so lookups never allocate strings.
// Thread-safety: immutable after construction; tokenize() uses only local state.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {

class SpmModel final : public Model {
 public:
  // `vocab` needs pieces, attrs and scores (scores may be empty: all 0, i.e. ties resolved
  // leftmost). The model keeps its own index.
  SpmModel(const Vocab& vocab, std::optional<TokenId> unk);

  void tokenize(std::string_view pre_token, std::vector<TokenId>& out) const override;
  std::string kind() const override { return "SentencePiece BPE"; }

 private:
  struct Entry {
    TokenId id;
    float score;
  };
  const Entry* find(std::string_view piece) const;
  void emit_unknown_char(std::string_view ch, std::vector<TokenId>& out) const;

  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> pieces_;  // mergeable only
  std::array<TokenId, 256> byte_ids_{};  // <0xNN> ids, -1 when absent
  std::optional<TokenId> unk_;
};

}  // namespace primer::tok
