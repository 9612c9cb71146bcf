// WordPiece over a GGUF ("▁"-prefixed) vocabulary (contract in wordpiece_model.h).
#include "tokenizer/wordpiece_model.h"

#include "primer/utf8.h"

namespace primer::tok {

namespace {
constexpr std::string_view kWordStart = "\xE2\x96\x81";  // ▁
}  // namespace

WordPieceModel::WordPieceModel(const Vocab& vocab, std::optional<TokenId> unk) : unk_(unk) {
  index_.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    if (!vocab.pieces[id].empty()) index_.emplace(vocab.pieces[id], static_cast<TokenId>(id));
  }
}

void WordPieceModel::tokenize(std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  // Character boundaries (byte offsets), so matches shrink one character at a time.
  std::vector<size_t> bounds;
  bounds.reserve(word.size() + 1);
  for (size_t pos = 0; pos < word.size();) {
    bounds.push_back(pos);
    size_t n = utf8::next(word, pos);
    pos += n == 0 ? 1 : n;
  }
  bounds.push_back(word.size());
  size_t n_chars = bounds.size() - 1;
  auto unknown = [&] {
    if (unk_) out.push_back(*unk_);
  };
  if (n_chars > kMaxWordChars) return unknown();

  size_t first_out = out.size();
  std::string key;
  for (size_t start = 0; start < n_chars;) {
    size_t end = n_chars;
    std::optional<TokenId> found;
    for (; end > start; --end) {
      std::string_view part = word.substr(bounds[start], bounds[end] - bounds[start]);
      if (start == 0) {
        key.assign(kWordStart);
        key.append(part);
        auto it = index_.find(key);
        if (it != index_.end()) found = it->second;
      } else {
        auto it = index_.find(part);
        if (it != index_.end()) found = it->second;
      }
      if (found) break;
    }
    if (!found) {
      out.resize(first_out);
      return unknown();
    }
    out.push_back(*found);
    start = end;
  }
}

}  // namespace primer::tok
