// Incremental BPE merging (contract in bpe_train.h), the algorithm of Hugging Face's BpeTrainer:
//
//   words      distinct pre-tokens as symbol ids, back to back, each with its count
//   pairs      (left, right) -> {count: occurrences weighted by word counts, words: indices of the
//              words that contain or contained the pair (a superset; stale entries are skipped)}
//   queue      max-heap of (count, pair) with lazy invalidation: an entry whose count no longer
//              equals the pair's count is re-pushed with the current one when popped
//
// A merge of (a, b) -> c rewrites only the words listed for (a, b) and updates the counts of the
// pairs around each occurrence; the pairs that gained occurrences are pushed again. A pair's
// count only grows in the merge that creates one of its sides (or, when a merge reuses an
// existing piece, in that merge, which pushes it again), so a popped entry whose count matches
// is the true maximum. Cost: each merge is proportional to the occurrences it rewrites, so 32k
// merges over a few hundred thousand distinct words take seconds.
#include <algorithm>
#include <chrono>
#include <queue>
#include <unordered_map>

#include "tokenizer/byte_level.h"
#include "train/bpe_train.h"

namespace primer::train::bpe {

namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

struct PairInfo {
  int64_t count = 0;
  std::vector<uint32_t> words;  // word indices, appended in merge order (may repeat across merges)
};

struct QueueEntry {
  int64_t count;
  int32_t a, b;
};
// std::priority_queue pops the greatest: higher count, then the smaller (a, b).
struct QueueLess {
  bool operator()(const QueueEntry& x, const QueueEntry& y) const {
    if (x.count != y.count) return x.count < y.count;
    if (x.a != y.a) return x.a > y.a;
    return x.b > y.b;
  }
};

class Merger {
 public:
  Merger(const WordCounts& words, Logger& logger) : logger_(logger) {
    const ByteAlphabet alphabet = byte_alphabet();
    for (int id = 0; id < 256; ++id) {
      std::string piece;
      tok::append_byte_level(std::string_view(reinterpret_cast<const char*>(&alphabet.byte_of_id[id]), 1), piece);
      piece_ids_.emplace(piece, id);
      out_.pieces.push_back(std::move(piece));
    }
    const size_t n = words.words.size();
    begin_.resize(n);
    len_.resize(n);
    count_ = words.counts;
    stamp_.assign(n, 0);
    std::string bytes;
    for (size_t w = 0; w < n; ++w) {
      bytes.clear();
      PRIMER_CHECK(tok::byte_level_to_bytes(words.words[w], bytes));
      begin_[w] = symbols_.size();
      len_[w] = static_cast<uint32_t>(bytes.size());
      for (char c : bytes) symbols_.push_back(alphabet.id_of_byte[static_cast<uint8_t>(c)]);
    }
    for (size_t w = 0; w < n; ++w) {
      const int32_t* s = &symbols_[begin_[w]];
      for (uint32_t i = 0; i + 1 < len_[w]; ++i) add(pair_key(s[i], s[i + 1]), count_[w], static_cast<uint32_t>(w));
    }
    for (const auto& [key, info] : pairs_) push(key, info.count);
  }

  Merges run(int64_t max_pieces, int64_t min_frequency) {
    const auto t0 = std::chrono::steady_clock::now();
    auto last_log = t0;
    const int64_t target = std::max<int64_t>(0, max_pieces - 256);
    while (static_cast<int64_t>(out_.pieces.size()) < max_pieces && !queue_.empty()) {
      const QueueEntry top = queue_.top();
      queue_.pop();
      const uint64_t key = pair_key(top.a, top.b);
      auto it = pairs_.find(key);
      const int64_t current = it == pairs_.end() ? 0 : it->second.count;
      if (current != top.count) {
        if (current > 0) queue_.push({current, top.a, top.b});
        continue;
      }
      if (current < min_frequency) break;
      std::vector<uint32_t> words = std::move(it->second.words);
      pairs_.erase(it);
      merge(top.a, top.b, words);

      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_log).count() >= 2.0) {
        last_log = now;
        log_progress(t0, target);
      }
    }
    log_progress(t0, target);
    return std::move(out_);
  }

 private:
  void push(uint64_t key, int64_t count) {
    queue_.push({count, static_cast<int32_t>(key >> 32), static_cast<int32_t>(key & 0xFFFFFFFFu)});
  }

  // Adds `delta` occurrences of the pair in word w (delta > 0 records w).
  void add(uint64_t key, int64_t delta, uint32_t w) {
    PairInfo& info = pairs_[key];
    info.count += delta;
    if (info.words.empty() || info.words.back() != w) info.words.push_back(w);
  }
  void sub(uint64_t key, int64_t delta) {
    auto it = pairs_.find(key);
    if (it != pairs_.end()) it->second.count -= delta;
  }
  void gained(uint64_t key, int64_t delta, uint32_t w) {
    add(key, delta, w);
    grown_.push_back(key);
  }

  void merge(int32_t a, int32_t b, const std::vector<uint32_t>& words) {
    std::string piece = out_.pieces[static_cast<size_t>(a)] + out_.pieces[static_cast<size_t>(b)];
    auto [slot, inserted] = piece_ids_.emplace(piece, static_cast<int32_t>(out_.pieces.size()));
    const int32_t c = slot->second;
    if (inserted) out_.pieces.push_back(std::move(piece));
    out_.pairs.emplace_back(a, b);
    ++n_merges_;
    grown_.clear();
    for (uint32_t w : words) {
      if (stamp_[w] == n_merges_) continue;  // listed twice
      stamp_[w] = n_merges_;
      merge_word(w, a, b, c);
    }
    std::sort(grown_.begin(), grown_.end());
    grown_.erase(std::unique(grown_.begin(), grown_.end()), grown_.end());
    for (uint64_t key : grown_) {
      auto it = pairs_.find(key);
      if (it != pairs_.end() && it->second.count > 0) push(key, it->second.count);
    }
  }

  // Rewrites word w left to right, joining each non-overlapping (a, b) into c, and moves the
  // counts of the neighbouring pairs: (p, a) -> (p, c) on the left, (b, n) -> (c, n) on the right.
  void merge_word(uint32_t w, int32_t a, int32_t b, int32_t c) {
    int32_t* s = &symbols_[begin_[w]];
    const uint32_t n = len_[w];
    const int64_t k = count_[w];
    uint32_t j = 0;
    for (uint32_t i = 0; i < n;) {
      if (i + 1 < n && s[i] == a && s[i + 1] == b) {
        if (j > 0) {
          sub(pair_key(s[j - 1], a), k);
          gained(pair_key(s[j - 1], c), k, w);
        }
        if (i + 2 < n) {
          sub(pair_key(b, s[i + 2]), k);
          gained(pair_key(c, s[i + 2]), k, w);
        }
        s[j++] = c;
        i += 2;
      } else {
        s[j++] = s[i++];
      }
    }
    len_[w] = j;
  }

  void log_progress(std::chrono::steady_clock::time_point t0, int64_t target) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    logger_.log(LogLevel::kInfo, "[tokenizer train] merges %lld/%lld, %.0f merges/s, %.1f s",
                static_cast<long long>(n_merges_), static_cast<long long>(target),
                secs > 0 ? static_cast<double>(n_merges_) / secs : 0.0, secs);
  }

  Logger& logger_;
  Merges out_;
  std::unordered_map<std::string, int32_t> piece_ids_;
  std::vector<int32_t> symbols_;  // all words' symbols back to back
  std::vector<size_t> begin_;     // word -> first symbol
  std::vector<uint32_t> len_;     // word -> current symbol count
  std::vector<int64_t> count_;    // word -> occurrences in the text
  std::vector<uint32_t> stamp_;   // word -> last merge that rewrote it
  std::unordered_map<uint64_t, PairInfo> pairs_;
  std::priority_queue<QueueEntry, std::vector<QueueEntry>, QueueLess> queue_;
  std::vector<uint64_t> grown_;   // pairs that gained occurrences in the current merge
  uint32_t n_merges_ = 0;
};

}  // namespace

Merges learn_merges(const WordCounts& words, int64_t max_pieces, int64_t min_frequency,
                    Logger& logger) {
  Merger merger(words, logger);
  return merger.run(max_pieces, std::max<int64_t>(1, min_frequency));
}

}  // namespace primer::train::bpe
