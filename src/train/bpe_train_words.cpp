// Counting pre-tokens ("words") for BPE training (contract in bpe_train.h).
//
// Cost: one pass of the engine's pre-tokenizer over the text, threaded over ~1 MiB chunks, each
// thread counting into its own hash map; the maps are merged and sorted at the end, so the
// result does not depend on the thread count or on scheduling.
#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>

#include "primer/mapped_file.h"
#include "primer/utf8.h"
#include "train/bpe_train.h"

namespace primer::train::bpe {

namespace {

using WordMap = std::unordered_map<std::string, int64_t, tok::StringHash, std::equal_to<>>;

bool is_ascii_graphic(char c) { return c >= 0x21 && c <= 0x7E; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// True when the text may be cut before s[i]: "\n" between a printable ASCII character and an
// ASCII letter. No alternative of the GPT-2 / Llama 3 / Qwen2 regexes matches across it: the
// letter cannot take "\n" as its optional prefix, and the pre-token that holds "\n" (a lone
// whitespace run, or punctuation + newlines) ends there whether or not the letter follows.
bool safe_cut(std::string_view s, size_t i) {
  return i >= 2 && i < s.size() && s[i - 1] == '\n' && is_ascii_graphic(s[i - 2]) &&
         is_ascii_letter(s[i]);
}

// Appends the chunks of `segment` (text between special tokens) to `chunks`.
void add_chunks(std::string_view segment, size_t chunk_bytes, std::vector<std::string_view>& chunks) {
  while (segment.size() > chunk_bytes) {
    size_t cut = chunk_bytes;
    while (cut < segment.size() && !safe_cut(segment, cut)) ++cut;
    if (cut >= segment.size()) break;
    chunks.push_back(segment.substr(0, cut));
    segment.remove_prefix(cut);
  }
  if (!segment.empty()) chunks.push_back(segment);
}

// Splits `text` at occurrences of the special tokens (leftmost; the longest at one position),
// which are dropped, and chunks the rest.
void split_specials(std::string_view text, const std::vector<std::string>& specials,
                    size_t chunk_bytes, std::vector<std::string_view>& chunks) {
  std::vector<size_t> next(specials.size());  // next occurrence of each special at or after pos
  for (size_t k = 0; k < specials.size(); ++k) next[k] = text.find(specials[k]);
  size_t pos = 0;
  for (;;) {
    size_t best = std::string_view::npos, best_len = 0;
    for (size_t k = 0; k < specials.size(); ++k) {
      if (next[k] != std::string_view::npos && next[k] < pos) next[k] = text.find(specials[k], pos);
      if (next[k] == std::string_view::npos) continue;
      if (next[k] < best || (next[k] == best && specials[k].size() > best_len)) {
        best = next[k];
        best_len = specials[k].size();
      }
    }
    if (best == std::string_view::npos) break;
    add_chunks(text.substr(pos, best - pos), chunk_bytes, chunks);
    pos = best + best_len;
  }
  add_chunks(text.substr(pos), chunk_bytes, chunks);
}

// The first `budget` bytes of `text`, cut after the last "\n" when there is one, else at a
// character boundary.
std::string_view take_prefix(std::string_view text, uint64_t budget) {
  if (text.size() <= budget) return text;
  std::string_view head = text.substr(0, budget);
  size_t nl = head.rfind('\n');
  if (nl != std::string_view::npos) return head.substr(0, nl + 1);
  size_t end = head.size();
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  return head.substr(0, end);
}

void count_chunk(std::string_view chunk, const tok::PreTokenizer& pre, std::string& scratch,
                 WordMap& words) {
  if (!utf8::is_valid(chunk)) {
    scratch = utf8::sanitize(chunk);
    chunk = scratch;
  }
  pre.pre_tokenize(chunk, /*at_text_start=*/true, [&](std::string_view piece) {
    auto it = words.find(piece);
    if (it == words.end()) it = words.emplace(std::string(piece), 0).first;
    ++it->second;
  });
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<WordCounts> count_words(const std::vector<std::string>& files,
                               const std::vector<std::string>& special_tokens, uint64_t max_bytes,
                               const tok::PreTokenizer& pre, ThreadPool& pool, Logger& logger,
                               size_t chunk_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  if (files.empty()) return make_error("[tokenizer train] no input files");
  std::vector<MappedFile> mapped;
  std::vector<std::string_view> chunks;
  WordCounts out;
  for (const std::string& path : files) {
    if (max_bytes != 0 && out.n_bytes >= max_bytes) break;
    auto file = MappedFile::open(path);
    if (!file.ok()) return file.error().wrap("[tokenizer train] input");
    std::string_view text = file->view();
    if (text.empty()) {
      logger.warn("[tokenizer train] " + path + ": empty file, skipped");
      continue;
    }
    const size_t full_size = text.size();
    if (max_bytes != 0) text = take_prefix(text, max_bytes - out.n_bytes);
    out.n_bytes += text.size();
    split_specials(text, special_tokens, std::max<size_t>(chunk_bytes, 1), chunks);
    mapped.push_back(std::move(file).value());
    if (text.size() < full_size) break;  // the byte budget ends inside this file
  }
  if (out.n_bytes == 0) {
    return make_error("[tokenizer train] the input files hold no text (%zu file(s), all empty)",
                      files.size());
  }
  logger.log(LogLevel::kInfo, "[tokenizer train] read %zu file(s), %.1f MB; pre-tokenizing %zu chunk(s)",
             mapped.size(), static_cast<double>(out.n_bytes) / 1e6, chunks.size());

  std::vector<WordMap> maps(static_cast<size_t>(pool.size()));
  std::vector<std::string> scratch(maps.size());
  pool.parallel_for(chunks.size(), 1, [&](size_t begin, size_t end, int thread) {
    const size_t t = static_cast<size_t>(thread);
    for (size_t i = begin; i < end; ++i) count_chunk(chunks[i], pre, scratch[t], maps[t]);
  });
  for (size_t t = 1; t < maps.size(); ++t) {
    for (auto& [word, count] : maps[t]) maps[0][word] += count;
    WordMap().swap(maps[t]);
  }
  std::vector<std::pair<std::string, int64_t>> sorted(maps[0].begin(), maps[0].end());
  WordMap().swap(maps[0]);
  std::sort(sorted.begin(), sorted.end());
  out.words.reserve(sorted.size());
  out.counts.reserve(sorted.size());
  for (auto& [word, count] : sorted) {
    out.words.push_back(std::move(word));
    out.counts.push_back(count);
    out.n_pre_tokens += static_cast<uint64_t>(count);
  }
  if (out.words.empty()) {
    return make_error("[tokenizer train] the input files hold no text besides special tokens");
  }
  logger.log(LogLevel::kInfo, "[tokenizer train] %zu distinct words, %llu pre-tokens (%.2f s)",
             out.words.size(), static_cast<unsigned long long>(out.n_pre_tokens), seconds_since(t0));
  return out;
}

}  // namespace primer::train::bpe
