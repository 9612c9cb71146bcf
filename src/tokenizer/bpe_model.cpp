#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <queue>

#include "tokenizer/string_hash.h"
#include "primer/utf8.h"

namespace primer::tok {
namespace {

constexpr int32_t kNoRank = INT32_MAX;

uint64_t pair_key(TokenId left, TokenId right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

std::string byte_piece(uint8_t b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
}

}  // namespace

// ---- PairMap ---------------------------------------------------------------------------------

void BpeModel::PairMap::reserve(size_t n) {
  // Load <= 0.75 (Qwen's 151k merges: 2^18 slots, 4 MiB).
  size_t cap = 16;
  int bits = 4;
  while (cap * 3 < n * 4) {
    cap <<= 1;
    ++bits;
  }
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  shift_ = 64 - bits;
}

void BpeModel::PairMap::insert(TokenId left, TokenId right, MergeValue v) {
  uint64_t key = pair_key(left, right);
  uint64_t i = (key * 0x9E3779B97F4A7C15ull) >> shift_;
  while (slots_[i].key != ~0ull && slots_[i].key != key) i = (i + 1) & mask_;
  slots_[i].key = key;
  slots_[i].value = v;
}

const BpeModel::MergeValue* BpeModel::PairMap::find(TokenId left, TokenId right) const {
  uint64_t key = pair_key(left, right);
  uint64_t i = (key * 0x9E3779B97F4A7C15ull) >> shift_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.key == key) return &s.value;
    if (s.key == ~0ull) return nullptr;
    i = (i + 1) & mask_;
  }
}

// ---- construction ----------------------------------------------------------------------------

Result<std::unique_ptr<BpeModel>> BpeModel::create(const Vocab& vocab, const MergeList& merges,
                                                   const BpeOptions& options) {
  return create(vocab, merges.size(), [&merges](size_t i) { return merges[i]; }, options);
}

Result<std::unique_ptr<BpeModel>> BpeModel::create(const Vocab& vocab, size_t n_merges, MergeAt merge_at,
                                                   const BpeOptions& options) {
  std::unique_ptr<BpeModel> m(new BpeModel(options.cache_capacity));
  m->pieces_.build(vocab.pieces);
  m->options_ = options;
  m->has_affixes_ = !options.continuing_subword_prefix.empty() || !options.end_of_word_suffix.empty();
  if (options.unk && !vocab.valid(*options.unk)) {
    return make_error("[bpe] unk id %d is outside the vocabulary", *options.unk);
  }
  const std::string& prefix = options.continuing_subword_prefix;
  m->merges_.reserve(n_merges);
  std::string merged;
  for (size_t i = 0; i < n_merges; ++i) {
    const auto [a, b] = merge_at(i);
    TokenId ia = m->pieces_.find(a);
    TokenId ib = m->pieces_.find(b);
    if (ia < 0 || ib < 0) {
      const std::string missing(ia < 0 ? a : b);
      return make_error("[bpe] merges[%zu]: '%s' is not in the vocab", i, missing.c_str());
    }
    merged.assign(a);
    std::string_view tail = b;
    if (!prefix.empty() && tail.substr(0, prefix.size()) == prefix) tail.remove_prefix(prefix.size());
    merged.append(tail);
    TokenId im = m->pieces_.find(merged);
    if (im < 0) {
      return make_error("[bpe] merges[%zu]: '%s' + '%s' -> '%s' is not in the vocab", i,
                        std::string(a).c_str(), std::string(b).c_str(), merged.c_str());
    }
    // A later duplicate overwrites the earlier rank, as in both HF runtimes.
    m->merges_.insert(ia, ib, MergeValue{static_cast<int32_t>(i), im});
  }
  m->small_char_ids_.assign(0x800, -1);
  for (size_t id = 0; id < vocab.pieces.size(); ++id) {
    const std::string& piece = vocab.pieces[id];
    char32_t cp = 0;
    if (!piece.empty() && utf8::next(piece, 0, &cp) == piece.size() && cp < 0x800 &&
        m->pieces_.find(piece) == static_cast<TokenId>(id)) {
      m->small_char_ids_[cp] = static_cast<TokenId>(id);
    }
  }
  for (int b = 0; b < 256; ++b) m->byte_ids_[b] = m->pieces_.find(byte_piece(static_cast<uint8_t>(b)));
  if (!m->has_affixes_) m->build_joinable(vocab);
  return m;
}

namespace {
constexpr uint64_t kEmptyPair = ~0ull;
uint64_t cp_pair(char32_t a, char32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }
}  // namespace

void BpeModel::build_joinable(const Vocab& vocab) {
  // Inserted straight into the set (Qwen: 824k adjacent pairs, only 11.7k distinct), growing it
  // at load 0.5, so no list of all pairs is ever held.
  size_t count = 0;
  joinable_.assign(1024, kEmptyPair);
  joinable_mask_ = joinable_.size() - 1;
  auto slot_of = [this](uint64_t key) { return (key * 0x9E3779B97F4A7C15ull) >> 20 & joinable_mask_; };
  auto insert = [&](uint64_t key) {
    uint64_t i = slot_of(key);
    while (joinable_[i] != kEmptyPair) {
      if (joinable_[i] == key) return;
      i = (i + 1) & joinable_mask_;
    }
    joinable_[i] = key;
    if (++count * 2 <= joinable_.size()) return;
    std::vector<uint64_t> old(joinable_.size() * 2, kEmptyPair);
    old.swap(joinable_);
    joinable_mask_ = joinable_.size() - 1;
    for (uint64_t k : old) {
      if (k == kEmptyPair) continue;
      uint64_t j = slot_of(k);
      while (joinable_[j] != kEmptyPair) j = (j + 1) & joinable_mask_;
      joinable_[j] = k;
    }
  };
  for (const std::string& piece : vocab.pieces) {
    char32_t prev = 0;
    size_t i = 0;
    while (i < piece.size()) {
      char32_t cp = 0;
      size_t n = utf8::next(piece, i, &cp);
      if (n == 0) {  // not UTF-8: treat the byte as its own "character" (never a barrier)
        n = 1;
        cp = 0x110000 + static_cast<uint8_t>(piece[i]);
      }
      if (i > 0) insert(cp_pair(prev, cp));
      prev = cp;
      i += n;
    }
  }
}

bool BpeModel::joinable(char32_t a, char32_t b) const {
  uint64_t key = cp_pair(a, b);
  for (uint64_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & joinable_mask_;; i = (i + 1) & joinable_mask_) {
    if (joinable_[i] == key) return true;
    if (joinable_[i] == kEmptyPair) return false;
  }
}

Result<std::unique_ptr<Model>> make_bpe_model(const Vocab& vocab, const MergeList& merges,
                                              const BpeOptions& options) {
  PRIMER_ASSIGN_OR_RETURN(auto model, BpeModel::create(vocab, merges, options));
  return std::unique_ptr<Model>(std::move(model));
}

Result<std::unique_ptr<Model>> make_bpe_model(const Vocab& vocab, size_t n_merges, MergeAt merge_at,
                                              const BpeOptions& options) {
  PRIMER_ASSIGN_OR_RETURN(auto model, BpeModel::create(vocab, n_merges, merge_at, options));
  return std::unique_ptr<Model>(std::move(model));
}

size_t BpeModel::memory_bytes() const {
  return pieces_.memory_bytes() + merges_.memory_bytes() + small_char_ids_.capacity() * sizeof(TokenId) +
         joinable_.capacity() * sizeof(uint64_t);
}

std::string BpeModel::kind() const {
  return options_.byte_fallback ? "BPE with byte fallback" : "BPE";
}

// ---- encoding --------------------------------------------------------------------------------

TokenId BpeModel::char_id(std::string_view ch, char32_t cp) const {
  return cp < 0x800 ? small_char_ids_[cp] : pieces_.find(ch);
}

void BpeModel::build_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
  symbols.clear();
  auto add = [&](TokenId id) {
    int32_t n = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{id, n - 1, -1});
    if (n > 0) symbols[n - 1].next = n;
  };
  // Pending unk run (fuse_unk joins consecutive unknown characters into one unk).
  bool pending_unk = false;
  std::string affixed;
  size_t i = 0;
  while (i < word.size()) {
    char32_t cp = 0;
    size_t n = utf8::next(word, i, &cp);
    if (n == 0) {
      n = 1;
      cp = 0xFFFD;  // a stray byte (only reachable with unsanitized input): never a vocab char
    }
    std::string_view ch = word.substr(i, n);
    bool first = i == 0;
    bool last = i + n == word.size();
    i += n;
    TokenId id = -1;
    std::string_view s = ch;
    if (has_affixes_) {
      affixed.clear();
      if (!first) affixed += options_.continuing_subword_prefix;
      affixed += ch;
      if (last) affixed += options_.end_of_word_suffix;
      s = affixed;
      id = pieces_.find(s);
    } else if (cp != 0xFFFD || ch == utf8::kReplacementChar) {
      id = char_id(ch, cp);
    }
    if (id >= 0) {
      if (pending_unk) add(*options_.unk);
      pending_unk = false;
      add(id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (char c : s) all = all && byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all) {
        if (pending_unk) add(*options_.unk);
        pending_unk = false;
        for (char c : s) add(byte_ids_[static_cast<uint8_t>(c)]);
        continue;
      }
    }
    if (options_.unk) {
      if (pending_unk && !options_.fuse_unk) add(*options_.unk);
      pending_unk = true;
    }
  }
  if (pending_unk) add(*options_.unk);
}

void BpeModel::merge_scan(std::vector<Symbol>& sym) const {
  size_t n = sym.size();
  std::array<int32_t, kScanLimit> rank;
  std::array<TokenId, kScanLimit> merged;
  auto update = [&](int32_t i) {
    int32_t j = sym[i].next;
    const MergeValue* v = j >= 0 ? merges_.find(sym[i].id, sym[j].id) : nullptr;
    rank[i] = v ? v->rank : kNoRank;
    merged[i] = v ? v->merged : -1;
  };
  for (size_t i = 0; i < n; ++i) update(static_cast<int32_t>(i));
  while (true) {
    int32_t best = kNoRank;
    int32_t bi = -1;
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
      if (rank[i] < best) {
        best = rank[i];
        bi = i;
      }
    }
    if (bi < 0) break;
    int32_t j = sym[bi].next;
    sym[bi].id = merged[bi];
    sym[bi].next = sym[j].next;
    if (sym[j].next >= 0) sym[sym[j].next].prev = bi;
    update(bi);
    if (sym[bi].prev >= 0) update(sym[bi].prev);
  }
}

void BpeModel::merge_heap(std::vector<Symbol>& sym) const {
  struct Item {
    int32_t rank;
    int32_t pos;
    bool operator>(const Item& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  std::vector<uint8_t> alive(sym.size(), 1);
  auto push = [&](int32_t i) {
    int32_t j = sym[i].next;
    if (j < 0) return;
    if (const MergeValue* v = merges_.find(sym[i].id, sym[j].id)) heap.push(Item{v->rank, i});
  };
  for (size_t i = 0; i < sym.size(); ++i) push(static_cast<int32_t>(i));
  while (!heap.empty()) {
    Item top = heap.top();
    heap.pop();
    int32_t i = top.pos;
    if (!alive[i]) continue;
    int32_t j = sym[i].next;
    if (j < 0) continue;
    const MergeValue* v = merges_.find(sym[i].id, sym[j].id);
    if (!v || v->rank != top.rank) continue;  // stale: the pair changed since it was pushed
    sym[i].id = v->merged;
    sym[i].next = sym[j].next;
    if (sym[j].next >= 0) sym[sym[j].next].prev = i;
    alive[j] = 0;
    push(i);
    if (sym[i].prev >= 0) push(sym[i].prev);
  }
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<TokenId>& out,
                                 MergeStrategy strategy) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  build_symbols(word, symbols);
  if (symbols.empty()) return;
  if (strategy == MergeStrategy::kAuto) {
    strategy = symbols.size() <= kScanLimit ? MergeStrategy::kScan : MergeStrategy::kHeap;
  }
  if (strategy == MergeStrategy::kScan && symbols.size() <= kScanLimit) {
    merge_scan(symbols);
  } else {
    merge_heap(symbols);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

void BpeModel::tokenize_part(std::string_view part, std::vector<TokenId>& out) const {
  if (!cache_.enabled()) {
    tokenize_uncached(part, out);
    return;
  }
  uint64_t hash = hash_bytes(part);
  if (cache_.lookup(part, hash, out)) return;
  size_t start = out.size();
  tokenize_uncached(part, out);
  cache_.insert(part, hash, out.data() + start, out.size() - start);
}

void BpeModel::tokenize(std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {  // whole pre-token only, as HF does
    TokenId id = pieces_.find(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  if (word.size() < kSplitMinBytes || joinable_.empty()) {
    tokenize_part(word, out);
    return;
  }
  size_t part_start = 0;
  char32_t prev = 0;
  bool prev_known = false;
  size_t i = 0;
  while (i < word.size()) {
    char32_t cp = 0;
    size_t n = utf8::next(word, i, &cp);
    bool known = n > 0 && char_id(word.substr(i, n), cp) >= 0;
    if (n == 0) n = 1;
    if (prev_known && known && !joinable(prev, cp)) {
      tokenize_part(word.substr(part_start, i - part_start), out);
      part_start = i;
    }
    prev = cp;
    prev_known = known;
    i += n;
  }
  tokenize_part(word.substr(part_start), out);
}

}  // namespace primer::tok
