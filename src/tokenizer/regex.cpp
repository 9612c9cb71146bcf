#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "primer/utf8.h"

namespace primer::tok {
namespace {

// Length of the UTF-8 character starting at p[i] (1 for ASCII / stray bytes).
size_t char_len(std::string_view p, size_t i) {
  size_t n = utf8::next(p, i);
  return n == 0 ? 1 : n;
}

// Index just past the ')' closing the group that starts at p[open] == '(' (p.size() if none),
// and whether a character class appears inside it.
size_t group_end(std::string_view p, size_t open, bool* has_class) {
  int depth = 0;
  bool in_class = false;
  *has_class = false;
  for (size_t i = open; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      *has_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;  // a leading ']' is literal
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return p.size();
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string hf_regex_to_pcre2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  // Ends (exclusive) of the currently open ASCII-folded groups; folding applies while non-empty.
  std::vector<size_t> fold_until;
  for (size_t i = 0; i < p.size();) {
    while (!fold_until.empty() && i >= fold_until.back()) fold_until.pop_back();
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if (n == 's') {
        out += "\\p{White_Space}";
        i += 2;
      } else if (n == 'S') {
        out += "\\P{White_Space}";
        i += 2;
      } else if ((n == 'p' || n == 'P' || n == 'x') && i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 2);
        size_t end = close == std::string_view::npos ? p.size() : close + 1;
        out.append(p.substr(i, end - i));
        i = end;
      } else {
        out += '\\';
        size_t len = char_len(p, i + 1);
        out.append(p.substr(i + 1, len));
        i += 1 + len;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];
      continue;
    }
    if (c == '(' && p.substr(i, 4) == "(?i:") {
      bool has_class = false;
      size_t end = group_end(p, i, &has_class);
      if (!has_class) {
        fold_until.push_back(end);
        out += "(?:";
        i += 4;
        continue;
      }
    }
    if (!fold_until.empty() && is_ascii_letter(c)) {
      char lower = static_cast<char>(c | 0x20);
      char upper = static_cast<char>(lower - 32);
      out += '[';
      out += lower;
      out += upper;
      out += ']';
      ++i;
      continue;
    }
    size_t len = char_len(p, i);
    out.append(p.substr(i, len));
    i += len;
  }
  return out;
}

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

Result<Regex> Regex::compile(std::string_view pattern) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    return make_error("[regex] '%.*s': %s at offset %zu", static_cast<int>(pattern.size()),
                      pattern.data(), reinterpret_cast<const char*>(msg), static_cast<size_t>(offset));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: falls back to the interpreter
  Regex r;
  r.pattern_ = std::string(pattern);
  r.code_ = std::make_unique<Code>();
  r.code_->code = code;
  return r;
}

Regex Regex::literal(std::string_view text) {
  Regex r;
  r.pattern_ = std::string(text);
  r.literal_ = std::string(text);
  return r;
}

void Regex::for_each_match(std::string_view text,
                           FunctionRef<void(size_t, size_t)> on_match) const {
  if (!code_) {
    if (literal_.empty()) return;
    for (size_t pos = text.find(literal_); pos != std::string_view::npos;
         pos = text.find(literal_, pos + literal_.size())) {
      on_match(pos, pos + literal_.size());
    }
    return;
  }
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  if (!md) return;
  size_t start = 0;
  while (start <= text.size()) {
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                         PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      // A JIT resource limit (its stack is small): retry this position with the interpreter,
      // which backtracks on the heap.
      rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                       PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
    }
    if (rc < 0) break;  // no further matches (or still a resource limit: the rest is one gap)
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t b = ov[0], e = ov[1];
    on_match(b, e);
    if (e > b) {
      start = e;
    } else {  // empty match: resume one character later (JS lastIndex semantics)
      if (e >= text.size()) break;
      start = e + char_len(text, e);
    }
  }
  pcre2_match_data_free(md);
}

void Regex::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  for_each_match(text, [&](size_t b, size_t e) { out.emplace_back(b, e); });
}

std::string Regex::replace_all(std::string_view text, std::string_view content) const {
  std::vector<std::pair<size_t, size_t>> matches;
  find_all(text, matches);
  if (matches.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t prev = 0;
  for (auto [b, e] : matches) {
    out.append(text.substr(prev, b - prev));
    out.append(content);
    prev = e;
  }
  out.append(text.substr(prev));
  return out;
}

}  // namespace primer::tok
