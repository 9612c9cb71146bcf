#include "tokenizer/added_tokens.h"

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"
#include "primer/utf8.h"

namespace primer::tok {
namespace {

// The code point that ends at s[end-1] (s valid UTF-8), and its start.
char32_t codepoint_before(std::string_view s, size_t end, size_t* start) {
  size_t p = end - 1;
  while (p > 0 && (static_cast<uint8_t>(s[p]) & 0xC0) == 0x80) --p;
  char32_t cp = 0xFFFD;
  utf8::next(s, p, &cp);
  *start = p;
  return cp;
}

}  // namespace

void AddedTokenMatcher::build(const std::vector<AddedToken>& tokens,
                              const std::vector<std::string>& contents) {
  entries_.clear();
  child_.clear();
  terminal_.assign(1, -1);
  for (auto& w : first_byte_) w = 0;
  for (size_t i = 0; i < tokens.size() && i < contents.size(); ++i) {
    const std::string& s = contents[i];
    if (s.empty()) continue;
    uint32_t node = 0;
    for (char c : s) {
      uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<uint8_t>(c);
      auto it = child_.find(key);
      if (it == child_.end()) {
        uint32_t next = static_cast<uint32_t>(terminal_.size());
        terminal_.push_back(-1);
        it = child_.emplace(key, next).first;
      }
      node = it->second;
    }
    uint8_t b0 = static_cast<uint8_t>(s[0]);
    first_byte_[b0 >> 6] |= 1ull << (b0 & 63);
    if (terminal_[node] >= 0) continue;  // duplicate content: the first token wins
    const AddedToken& t = tokens[i];
    terminal_[node] = static_cast<int32_t>(entries_.size());
    entries_.push_back(Entry{t.id, static_cast<uint32_t>(s.size()), t.special, t.lstrip, t.rstrip,
                             t.single_word});
  }
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, bool parse_special) const {
  uint8_t b0 = static_cast<uint8_t>(text[pos]);
  if (!((first_byte_[b0 >> 6] >> (b0 & 63)) & 1)) return -1;
  int32_t best = -1;
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = child_.find((static_cast<uint64_t>(node) << 8) | static_cast<uint8_t>(text[i]));
    if (it == child_.end()) break;
    node = it->second;
    int32_t e = terminal_[node];
    if (e >= 0 && (parse_special || !entries_[e].special)) best = e;
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, bool parse_special,
                              std::vector<TextSegment>& out) const {
  size_t text_start = 0;  // start of the pending plain-text segment
  size_t pos = 0;
  if (entries_.empty()) pos = text.size();
  while (pos < text.size()) {
    uint8_t b0 = static_cast<uint8_t>(text[pos]);
    if (!((first_byte_[b0 >> 6] >> (b0 & 63)) & 1)) {  // fast path: no token starts here
      ++pos;
      continue;
    }
    int32_t e = longest_at(text, pos, parse_special);
    if (e < 0) {
      ++pos;
      continue;
    }
    const Entry& entry = entries_[e];
    size_t begin = pos;
    size_t end = pos + entry.length;
    if (entry.single_word) {
      size_t prev_start = 0;
      bool word_before = begin > 0 && is_alphanumeric(codepoint_before(text, begin, &prev_start));
      char32_t next_cp = 0;
      bool word_after = end < text.size() && utf8::next(text, end, &next_cp) > 0 &&
                        is_alphanumeric(next_cp);
      if (word_before || word_after) {
        ++pos;
        continue;
      }
    }
    if (entry.lstrip) {
      while (begin > text_start) {
        size_t prev_start = 0;
        char32_t cp = codepoint_before(text, begin, &prev_start);
        if (!is_whitespace(cp)) break;
        begin = prev_start;
      }
    }
    if (entry.rstrip) {
      char32_t cp = 0;
      size_t n = 0;
      while (end < text.size() && (n = utf8::next(text, end, &cp)) > 0 && is_whitespace(cp)) end += n;
    }
    if (begin > text_start) out.push_back(TextSegment{text_start, begin, -1});
    out.push_back(TextSegment{begin, end, entry.id});
    pos = end;
    text_start = end;
  }
  if (text_start < text.size()) out.push_back(TextSegment{text_start, text.size(), -1});
}

}  // namespace primer::tok
