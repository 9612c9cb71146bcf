// Matching added tokens (special/control and user-defined) inside text, before the model runs.
//
// Semantics follow Hugging Face's AddedVocabulary: scanning left to right, at the leftmost
// position where some enabled token matches, the longest such token wins; the scan resumes
// after it. Per-token options:
//   lstrip/rstrip  the match extends over Unicode whitespace to its left/right (that whitespace
//                  is consumed, never tokenized);
//   single_word    the match is rejected when the character before it or after it is
//                  alphanumeric (Unicode) — the scan then moves on one character.
// With parse_special == false, special tokens are not matched at all (they are plain text), while
// non-special added tokens (Qwen's <think>, Gemma's <unused0>) still are: this is HF's
// `encode_special_tokens` / llama.cpp's parse_special=false behaviour. (The JS reference runtime
// @huggingface/tokenizers has no such switch; it always matches every added token.)
//
// Cost: a byte trie; each text position costs one root lookup (a 256-bit first-byte filter)
// plus one step per matched byte. Immutable after build(); safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "primer/tokenizer.h"

namespace primer::tok {

struct AddedToken;

// A piece of the input: either plain text [begin, end) or an added token (id >= 0) whose match,
// including stripped whitespace, covered [begin, end).
struct TextSegment {
  size_t begin = 0;
  size_t end = 0;
  TokenId id = -1;  // -1: plain text
};

class AddedTokenMatcher {
 public:
  // `contents[i]` is the string to find for tokens[i] (the raw content, or its normalized form
  // for normalized tokens). Empty contents are ignored.
  void build(const std::vector<AddedToken>& tokens, const std::vector<std::string>& contents);
  bool empty() const { return entries_.empty(); }

  // Appends the segments of `text` to `out`, in order. Plain-text segments are never empty and
  // never adjacent; an empty text yields no segments.
  void split(std::string_view text, bool parse_special, std::vector<TextSegment>& out) const;

 private:
  struct Entry {
    TokenId id;
    uint32_t length;
    bool special, lstrip, rstrip, single_word;
  };
  // Longest enabled entry matching at text[pos], or -1.
  int32_t longest_at(std::string_view text, size_t pos, bool parse_special) const;

  std::vector<Entry> entries_;
  // Trie: node 0 is the root. child_ maps (node << 8 | byte) -> node; terminal_[node] is the
  // entry index ending at that node or -1.
  std::unordered_map<uint64_t, uint32_t> child_;
  std::vector<int32_t> terminal_;
  uint64_t first_byte_[4] = {0, 0, 0, 0};  // bitset of bytes that start some entry
};

}  // namespace primer::tok
