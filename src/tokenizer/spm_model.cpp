// SentencePiece-style score-based BPE (contract in spm_model.h).
#include "tokenizer/spm_model.h"

#include <queue>

namespace primer::tok {

namespace {

// Bytes in the UTF-8 sequence led by `lead` (1 for stray continuation bytes; the text reaching
// the model is valid UTF-8, this only keeps the scan bounded).
size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// A run of the input [begin, begin + len) linked to its live neighbours; len == 0 once merged
// into its left neighbour.
struct Symbol {
  uint32_t begin;
  uint32_t len;
  int32_t prev;
  int32_t next;
  TokenId id;  // piece id, or -1 for a single character that is not a piece
};

// "<0xNN>" (hex digits, either case) -> NN, else -1.
int byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

struct Candidate {
  float score;
  int32_t left;
  int32_t right;
  uint32_t len;  // left.len + right.len when pushed; a mismatch later marks it stale
  TokenId id;
};

// Highest score first; on equal scores the leftmost pair first.
struct Lower {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  }
};

}  // namespace

SpmModel::SpmModel(const Vocab& vocab, std::optional<TokenId> unk) : unk_(unk) {
  byte_ids_.fill(-1);
  pieces_.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    const std::string& piece = vocab.pieces[id];
    TokenAttr attr = id < vocab.attrs.size() ? vocab.attrs[id] : TokenAttr::kNormal;
    int byte = byte_piece_value(piece);
    if (byte >= 0 && byte_ids_[byte] < 0) byte_ids_[byte] = static_cast<TokenId>(id);
    if (attr != TokenAttr::kNormal && attr != TokenAttr::kUserDefined) continue;
    if (piece.empty()) continue;
    float score = id < vocab.scores.size() ? vocab.scores[id] : 0.0f;
    pieces_.emplace(piece, Entry{static_cast<TokenId>(id), score});  // first id wins
  }
}

const SpmModel::Entry* SpmModel::find(std::string_view piece) const {
  auto it = pieces_.find(piece);
  return it == pieces_.end() ? nullptr : &it->second;
}

void SpmModel::emit_unknown_char(std::string_view ch, std::vector<TokenId>& out) const {
  bool all_bytes = true;
  for (char c : ch) all_bytes = all_bytes && byte_ids_[static_cast<unsigned char>(c)] >= 0;
  if (all_bytes) {
    for (char c : ch) out.push_back(byte_ids_[static_cast<unsigned char>(c)]);
  } else if (unk_) {
    out.push_back(*unk_);
  }
}

void SpmModel::tokenize(std::string_view text, std::vector<TokenId>& out) const {
  if (text.empty()) return;
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t n = std::min(utf8_len(static_cast<unsigned char>(text[pos])), text.size() - pos);
    const Entry* e = find(text.substr(pos, n));
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(n), index - 1, index + 1,
                       e ? e->id : -1});
    pos += n;
  }
  symbols.back().next = -1;

  std::priority_queue<Candidate, std::vector<Candidate>, Lower> queue;
  auto try_pair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const Entry* e = find(text.substr(l.begin, l.len + r.len));
    if (e != nullptr) queue.push({e->score, left, right, l.len + r.len, e->id});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_pair(i - 1, i);

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol& l = symbols[c.left];
    Symbol& r = symbols[c.right];
    // Stale: either side was merged away, or grew (lengths only grow, so equality is exact).
    if (l.len == 0 || r.len == 0 || l.len + r.len != c.len) continue;
    l.len += r.len;
    l.id = c.id;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = c.left;
    try_pair(l.prev, c.left);
    try_pair(c.left, l.next);
  }

  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    if (s.id >= 0) {
      out.push_back(s.id);
    } else {
      emit_unknown_char(text.substr(s.begin, s.len), out);
    }
  }
}

}  // namespace primer::tok
