// TokenTexts: each token's raw bytes (no UTF-8 repair: byte-level BPE and byte-fallback tokens
// may hold part of a character) and the byte trie GrammarMatcher::mask walks.
//
// The bytes come from the tokenizer's decoder chain (tokenizer_impl.h decode_to_bytes), decoded
// after the tokenizer's stream anchor (one plain character) when it has one, exactly as
// StreamDecoder does mid-stream: start-of-text rules (SentencePiece's leading "▁" -> no space)
// then do not apply, so "▁the" reads " the" as it does after other text.
#include <algorithm>
#include <numeric>

#include "model/grammar_impl.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer {
namespace {

constexpr uint8_t kFlagEog = 1;
constexpr uint8_t kFlagControl = 2;

std::string token_bytes(const TokenizerImpl& impl, TokenId id) {
  if (impl.stream_anchor && impl.decoder) {
    TokenId ids[2] = {*impl.stream_anchor, id};
    std::string s = decode_to_bytes(impl, ids, 2, false);
    return s.empty() ? s : s.substr(1);  // the anchor decodes to exactly one leading byte
  }
  return decode_to_bytes(impl, &id, 1, false);
}

}  // namespace

TokenTexts::TokenTexts(const Tokenizer& tok) {
  const TokenizerImpl& impl = tok.impl();
  size_t n = tok.vocab_size();
  offsets_.reserve(n + 1);
  flags_.assign(n, 0);
  offsets_.push_back(0);
  for (size_t i = 0; i < n; ++i) {
    TokenId id = static_cast<TokenId>(i);
    bool control = tok.attr(id) == TokenAttr::kControl || (i < impl.is_special.size() && impl.is_special[i]);
    if (control) {
      flags_[i] |= kFlagControl;
    } else {
      bytes_ += token_bytes(impl, id);
    }
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  for (TokenId id : tok.eos_ids()) {
    if (id >= 0 && static_cast<size_t>(id) < n) flags_[id] |= kFlagEog;
  }
  build_trie();
}

std::string_view TokenTexts::text(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= size()) return {};
  return std::string_view(bytes_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
}

bool TokenTexts::is_eog(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < size() && (flags_[id] & kFlagEog);
}

bool TokenTexts::is_control(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < size() && (flags_[id] & kFlagControl);
}

// Preorder construction over the token ids sorted by text: a node's tokens sharing its prefix
// are one contiguous run of the sorted order; the run splits by the byte at `depth`.
void TokenTexts::build_trie() {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < size(); ++i) {
    std::string_view t = text(static_cast<int32_t>(i));
    if (t.empty() || is_control(static_cast<int32_t>(i))) continue;
    if (t.size() > kMaxTrieDepth) {
      long_tokens_.push_back(static_cast<int32_t>(i));
      continue;
    }
    ids.push_back(static_cast<int32_t>(i));
  }
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
    std::string_view ta = text(a), tb = text(b);
    return ta != tb ? ta < tb : a < b;
  });
  trie_tokens_.reserve(ids.size());
  // Explicit stack of open nodes: (node index, run end in ids). Depth <= kMaxTrieDepth.
  struct Open { uint32_t node; size_t end; };
  std::vector<Open> open;
  auto start_node = [&](size_t lo, size_t hi, uint16_t depth, uint8_t byte) -> size_t {
    uint32_t idx = static_cast<uint32_t>(trie_.size());
    TrieNode node{0, static_cast<uint32_t>(trie_tokens_.size()), 0, depth, byte};
    size_t k = lo;
    while (k < hi && text(ids[k]).size() == depth) trie_tokens_.push_back(ids[k++]);
    node.tok_end = static_cast<uint32_t>(trie_tokens_.size());
    trie_.push_back(node);
    open.push_back({idx, hi});
    return k;  // first id of the children's runs
  };
  std::vector<size_t> cursor;  // per open node: next id to place in a child
  cursor.push_back(start_node(0, ids.size(), 0, 0));
  while (!open.empty()) {
    Open& top = open.back();
    size_t k = cursor.back();
    if (k >= top.end) {
      trie_[top.node].subtree_end = static_cast<uint32_t>(trie_.size());
      open.pop_back();
      cursor.pop_back();
      continue;
    }
    uint16_t depth = static_cast<uint16_t>(trie_[top.node].depth + 1);
    uint8_t b = static_cast<uint8_t>(text(ids[k])[depth - 1]);
    size_t j = k;
    while (j < top.end && static_cast<uint8_t>(text(ids[j])[depth - 1]) == b) ++j;
    cursor.back() = j;
    cursor.push_back(start_node(k, j, depth, b));
  }
}

}  // namespace primer
