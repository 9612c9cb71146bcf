// WordPiece (BERT) over a GGUF vocabulary (`tokenizer.ggml.model == "bert"`).
//
// llama.cpp's converter rewrites BERT's vocab.txt: a word-initial piece "hello" is stored as
// "▁hello" and a continuation "##lo" as "lo"; special tokens ("[CLS]") are unchanged. For each
// word (one pre-token), greedy longest-match-first as Hugging Face's WordPiece does: at the word
// start look up "▁" + prefix, after it the bare prefix, shrinking one character at a time; if
// some position has no match, or the word is longer than kMaxWordChars characters, the whole
// word becomes unk (nothing when there is no unk).
// Cost: O(n^2) lookups per word of n characters (n <= 100). Thread-safety: immutable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {

class WordPieceModel final : public Model {
 public:
  static constexpr size_t kMaxWordChars = 100;  // HF max_input_chars_per_word

  WordPieceModel(const Vocab& vocab, std::optional<TokenId> unk);

  void tokenize(std::string_view word, std::vector<TokenId>& out) const override;
  std::string kind() const override { return "WordPiece"; }

 private:
  PieceHashMap index_;
  std::optional<TokenId> unk_;
};

}  // namespace primer::tok
