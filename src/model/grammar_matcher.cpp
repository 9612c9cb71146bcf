// GrammarMatcher: the parse state of one sequence as a set of stacks (pushdown positions).
//
// A stack is a chain of interned nodes (pos, parent): `pos` indexes GrammarImpl::elems; the top
// node sits on a kChar element (the next code point to match), the nodes below hold where to
// continue in the enclosing rules. Node 0 is the bottom: a set containing 0 means "the root rule
// can end here" (complete). Because nodes are interned (hash-consed), equal stacks are equal
// ids, and a stack set is a sorted vector of node ids, itself interned to a set id. The step
// "set S reads code point c" is then a pure function cached as (S, c) -> S'. For JSON the
// string-content state maps to itself on almost every character, so mask() over a 150k
// vocabulary is mostly one hash lookup per trie node.
//
// Input is bytes; code points are decoded on the fly. A partial UTF-8 sequence (from a token
// that ends mid-character) is kept in the state and is allowed when some completion of it could
// match one of the stack tops.
//
// Bounds (hostile grammars must not hang or exhaust memory): a step expands at most
// kMaxExpansions positions and keeps at most kMaxStacks stacks of depth <= kMaxStackDepth;
// beyond that the input is rejected. The interning tables are rebuilt from the current stacks
// when they pass kMaxNodes.
#include <algorithm>
#include <cmath>
#include <limits>

#include "model/grammar_impl.h"

namespace primer {
namespace {

constexpr size_t kMaxExpansions = 1 << 16;
constexpr size_t kMaxStacks = 1024;
constexpr uint32_t kMaxStackDepth = 4096;
constexpr size_t kMaxNodes = 1 << 20;

// Open-addressing map uint64 -> int32 (linear probing; value < 0 = empty slot). Several entries
// may share a key (set interning compares contents through `eq`).
class FlatMap {
 public:
  FlatMap() { slots_.assign(1024, Slot{0, -1}); }
  template <class Eq>
  int32_t find(uint64_t key, Eq eq) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value < 0) return -1;
      if (s.key == key && eq(s.value)) return s.value;
    }
  }
  int32_t find(uint64_t key) const { return find(key, [](int32_t) { return true; }); }
  void insert(uint64_t key, int32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(key, value);
    ++size_;
  }
  size_t size() const { return size_; }
  void clear() {
    slots_.assign(1024, Slot{0, -1});
    size_ = 0;
  }

 private:
  struct Slot {
    uint64_t key;
    int32_t value;
  };
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  void place(uint64_t key, int32_t value) {
    size_t mask = slots_.size() - 1;
    size_t i = hash(key) & mask;
    while (slots_[i].value >= 0) i = (i + 1) & mask;
    slots_[i] = Slot{key, value};
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, Slot{0, -1});
    for (const Slot& s : old) {
      if (s.value >= 0) place(s.key, s.value);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// Byte-level position: a stack set plus a pending partial UTF-8 sequence.
//   partial == 0: none; else bit 31 set, bits 28-29: total length - 1, bits 24-25: continuation
//   bytes still missing, bits 0-20: the code point bits read so far.
struct ByteState {
  int32_t set;  // 0: rejected (the empty set)
  uint32_t partial;
};

uint32_t pack_partial(uint32_t len, uint32_t missing, uint32_t bits) {
  return 0x80000000u | ((len - 1) << 28) | (missing << 24) | bits;
}

}  // namespace

struct MatcherState {
  struct Node {
    uint32_t pos;
    int32_t parent;
    uint32_t depth;
  };

  const GrammarImpl* g = nullptr;
  std::vector<Node> nodes;        // node 0: the bottom of every stack
  FlatMap node_index;             // (pos << 32 | parent) -> node
  std::vector<int32_t> set_pool;  // set s = set_pool[set_begin[s], set_begin[s + 1])
  std::vector<uint32_t> set_begin;
  FlatMap set_index;  // content hash -> set
  FlatMap trans;      // (set << 32 | code) -> result set (complete code point) / 0|1 (viability)
  // ASCII fast path of `trans`: row ascii_row[s] of ascii_next (128 entries, -1 = not computed).
  std::vector<int32_t> ascii_row;
  std::vector<int32_t> ascii_next;
  ByteState cur{0, 0};

  // Scratch (reused; no allocation once warm).
  std::vector<int32_t> out;
  std::vector<std::pair<uint32_t, int32_t>> work;
  std::vector<ByteState> dfs;
  std::vector<uint8_t> allowed;

  explicit MatcherState(const GrammarImpl& grammar) : g(&grammar) { reset_tables(); }

  void reset_tables() {
    nodes.assign(1, Node{0, -1, 0});
    node_index.clear();
    set_pool.clear();
    set_begin.assign(2, 0);  // set 0: empty
    set_index.clear();
    trans.clear();
    ascii_row.clear();
    ascii_next.clear();
  }

  std::span<const int32_t> set(int32_t s) const {
    return std::span<const int32_t>(set_pool).subspan(set_begin[s], set_begin[s + 1] - set_begin[s]);
  }

  // -1 when the stack would be too deep.
  int32_t intern(uint32_t pos, int32_t parent) {
    uint64_t key = (uint64_t{pos} << 32) | static_cast<uint32_t>(parent);
    int32_t id = node_index.find(key);
    if (id >= 0) return id;
    uint32_t depth = nodes[parent].depth + 1;
    if (depth > kMaxStackDepth) return -1;
    id = static_cast<int32_t>(nodes.size());
    nodes.push_back(Node{pos, parent, depth});
    node_index.insert(key, id);
    return id;
  }

  // Interns `out` (sorted, unique) as a set.
  int32_t intern_set() {
    if (out.empty()) return 0;
    uint64_t h = 1469598103934665603ULL;
    for (int32_t v : out) h = (h ^ static_cast<uint32_t>(v)) * 1099511628211ULL;
    int32_t found = set_index.find(h, [&](int32_t s) {
      auto cand = set(s);
      return cand.size() == out.size() && std::equal(cand.begin(), cand.end(), out.begin());
    });
    if (found >= 0) return found;
    int32_t id = static_cast<int32_t>(set_begin.size() - 1);
    set_pool.insert(set_pool.end(), out.begin(), out.end());
    set_begin.push_back(static_cast<uint32_t>(set_pool.size()));
    set_index.insert(h, id);
    return id;
  }

  // Pushes onto `out` the stack tops reachable from "continue at pos, below it parent" without
  // reading input. False when the expansion budget is exhausted.
  bool expand(uint32_t pos, int32_t parent, size_t& budget) {
    work.clear();
    work.push_back({pos, parent});
    while (!work.empty()) {
      if (budget-- == 0) return false;
      auto [p, par] = work.back();
      work.pop_back();
      const GrammarElem& e = g->elems[p];
      switch (e.op) {
        case GrammarOp::kEnd:
        case GrammarOp::kAlt:
          if (par == 0) {
            out.push_back(0);
          } else {
            work.push_back({nodes[par].pos, nodes[par].parent});
          }
          break;
        case GrammarOp::kChar: {
          int32_t id = intern(p, par);
          if (id >= 0) out.push_back(id);
          break;
        }
        case GrammarOp::kRuleRef: {
          int32_t cont = par;
          if (!g->seq_done(p + 1)) {
            cont = intern(p + 1, par);
            if (cont < 0) break;
          }
          uint32_t a0 = g->rule_alts[e.arg], a1 = g->rule_alts[e.arg + 1];
          for (uint32_t a = a1; a-- > a0;) work.push_back({g->alt_begin[a], cont});
          break;
        }
      }
    }
    return true;
  }

  int32_t finish_set() {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > kMaxStacks) return 0;
    return intern_set();
  }

  int32_t initial_set() {
    out.clear();
    size_t budget = kMaxExpansions;
    uint32_t a0 = g->rule_alts[g->root], a1 = g->rule_alts[g->root + 1];
    for (uint32_t a = a0; a < a1; ++a) {
      if (!expand(g->alt_begin[a], 0, budget)) return 0;
    }
    return finish_set();
  }

  int32_t step_cp_uncached(int32_t s, char32_t cp) {
    out.clear();
    size_t budget = kMaxExpansions;
    // Copy the tops first: expand() may grow set_pool.
    size_t n = set(s).size();
    for (size_t i = 0; i < n; ++i) {
      int32_t t = set_pool[set_begin[s] + i];
      if (t == 0) continue;
      uint32_t pos = nodes[t].pos;
      if (!g->classes[g->elems[pos].arg].contains(cp)) continue;
      if (!expand(pos + 1, nodes[t].parent, budget)) return 0;
    }
    return finish_set();
  }

  int32_t step_cp(int32_t s, char32_t cp) {
    uint64_t key = (uint64_t(static_cast<uint32_t>(s)) << 32) | cp;
    int32_t r = trans.find(key);
    if (r >= 0) return r;
    r = step_cp_uncached(s, cp);
    trans.insert(key, r);
    return r;
  }

  int32_t step_ascii(int32_t s, uint8_t b) {
    if (static_cast<size_t>(s) >= ascii_row.size()) ascii_row.resize(static_cast<size_t>(s) + 1, -1);
    if (ascii_row[s] < 0) {
      ascii_row[s] = static_cast<int32_t>(ascii_next.size() / 128);
      ascii_next.resize(ascii_next.size() + 128, -1);
    }
    size_t slot = static_cast<size_t>(ascii_row[s]) * 128 + b;
    if (ascii_next[slot] < 0) ascii_next[slot] = step_cp(s, b);
    return ascii_next[slot];
  }

  // Could some code point in [lo, hi] be read from set s?
  bool viable(int32_t s, uint32_t partial, char32_t lo, char32_t hi) {
    uint64_t key = (uint64_t(static_cast<uint32_t>(s)) << 32) | partial;
    int32_t r = trans.find(key);
    if (r >= 0) return r != 0;
    bool ok = false;
    for (int32_t t : set(s)) {
      if (t == 0) continue;
      const CharClass& c = g->classes[g->elems[nodes[t].pos].arg];
      // Surrogates are never code points of valid UTF-8.
      if (c.intersects(lo, std::min<char32_t>(hi, 0xD7FF)) || c.intersects(std::max<char32_t>(lo, 0xE000), hi)) {
        ok = true;
        break;
      }
    }
    trans.insert(key, ok ? 1 : 0);
    return ok;
  }

  ByteState step_byte(ByteState st, uint8_t b) {
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    static constexpr char32_t kMax[5] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
    uint32_t len, missing, bits;
    if (st.partial == 0) {
      if (b < 0x80) return ByteState{step_ascii(st.set, b), 0};
      if (b >= 0xC2 && b <= 0xDF) { len = 2; bits = b & 0x1F; }
      else if (b >= 0xE0 && b <= 0xEF) { len = 3; bits = b & 0x0F; }
      else if (b >= 0xF0 && b <= 0xF4) { len = 4; bits = b & 0x07; }
      else return ByteState{0, 0};
      missing = len - 1;
    } else {
      if ((b & 0xC0) != 0x80) return ByteState{0, 0};
      len = ((st.partial >> 28) & 3) + 1;
      missing = ((st.partial >> 24) & 3) - 1;
      bits = ((st.partial & 0x1FFFFF) << 6) | (b & 0x3F);
      if (missing == 0) {
        char32_t cp = bits;
        if (cp < kMin[len] || cp > kMax[len] || (cp >= 0xD800 && cp <= 0xDFFF)) return ByteState{0, 0};
        return ByteState{step_cp(st.set, cp), 0};
      }
    }
    char32_t lo = std::max<char32_t>(bits << (6 * missing), kMin[len]);
    char32_t hi = std::min<char32_t>((bits << (6 * missing)) | ((1u << (6 * missing)) - 1), kMax[len]);
    if (lo > hi) return ByteState{0, 0};
    uint32_t partial = pack_partial(len, missing, bits);
    if (!viable(st.set, partial, lo, hi)) return ByteState{0, 0};
    return ByteState{st.set, partial};
  }

  ByteState run(ByteState st, std::string_view bytes) {
    for (char c : bytes) {
      st = step_byte(st, static_cast<uint8_t>(c));
      if (st.set == 0) break;
    }
    return st;
  }

  bool complete() const {
    if (cur.partial != 0 || cur.set == 0) return false;
    auto s = set(cur.set);
    return !s.empty() && s[0] == 0;
  }

  // The current stacks as explicit position lists (bottom first; empty = complete).
  std::vector<std::vector<uint32_t>> export_stacks() const {
    std::vector<std::vector<uint32_t>> stacks;
    for (int32_t t : set(cur.set)) {
      std::vector<uint32_t> st;
      for (int32_t n = t; n != 0; n = nodes[n].parent) st.push_back(nodes[n].pos);
      std::reverse(st.begin(), st.end());
      stacks.push_back(std::move(st));
    }
    return stacks;
  }

  void import_stacks(const std::vector<std::vector<uint32_t>>& stacks, uint32_t partial) {
    reset_tables();
    out.clear();
    for (const auto& st : stacks) {
      int32_t parent = 0;
      for (uint32_t pos : st) parent = intern(pos, parent);
      out.push_back(parent);
    }
    int32_t s = finish_set();
    cur = ByteState{stacks.empty() ? 0 : s, partial};
  }

  // Keeps the tables bounded across a long generation.
  void maybe_compact() {
    if (nodes.size() > kMaxNodes || trans.size() > 4 * kMaxNodes || set_pool.size() > 4 * kMaxNodes ||
        ascii_next.size() > 64 * kMaxNodes) {
      import_stacks(export_stacks(), cur.partial);
    }
  }
};

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTexts> texts)
    : grammar_(std::move(grammar)), texts_(std::move(texts)) {
  PRIMER_CHECK(grammar_ && texts_);
  state_ = std::make_unique<MatcherState>(grammar_->impl());
  state_->cur = ByteState{state_->initial_set(), 0};
}

GrammarMatcher::GrammarMatcher(const GrammarMatcher& o) : grammar_(o.grammar_), texts_(o.texts_) {
  state_ = std::make_unique<MatcherState>(grammar_->impl());
  state_->import_stacks(o.state_->export_stacks(), o.state_->cur.partial);
}

GrammarMatcher& GrammarMatcher::operator=(const GrammarMatcher& o) {
  if (this != &o) {
    GrammarMatcher copy(o);
    *this = std::move(copy);
  }
  return *this;
}

GrammarMatcher::GrammarMatcher(GrammarMatcher&&) noexcept = default;
GrammarMatcher& GrammarMatcher::operator=(GrammarMatcher&&) noexcept = default;
GrammarMatcher::~GrammarMatcher() = default;

bool GrammarMatcher::complete() const { return state_->complete(); }

bool GrammarMatcher::finished() const {
  if (!state_->complete()) return false;
  return state_->set(state_->cur.set).size() == 1;
}

bool GrammarMatcher::allows(int32_t token) const {
  if (token < 0 || static_cast<size_t>(token) >= texts_->size()) return false;
  if (texts_->is_eog(token)) return state_->complete();
  if (texts_->is_control(token)) return false;
  std::string_view t = texts_->text(token);
  if (t.empty()) return false;
  return state_->run(state_->cur, t).set != 0;
}

void GrammarMatcher::mask(std::span<float> logits) const {
  MatcherState& st = *state_;
  st.maybe_compact();
  const auto& trie = texts_->trie();
  const auto& trie_tokens = texts_->trie_tokens();
  st.allowed.assign(logits.size(), 0);
  if (st.cur.set != 0 && !trie.empty()) {
    st.dfs.resize(TokenTexts::kMaxTrieDepth + 1);
    st.dfs[0] = st.cur;
    for (size_t i = 1; i < trie.size();) {
      const TokenTexts::TrieNode& node = trie[i];
      ByteState s = st.step_byte(st.dfs[node.depth - 1u], node.byte);
      if (s.set == 0) {
        i = node.subtree_end;
        continue;
      }
      st.dfs[node.depth] = s;
      for (uint32_t k = node.tok_begin; k < node.tok_end; ++k) {
        size_t id = static_cast<size_t>(trie_tokens[k]);
        if (id < st.allowed.size()) st.allowed[id] = 1;
      }
      ++i;
    }
    for (int32_t id : texts_->long_tokens()) {
      if (static_cast<size_t>(id) < st.allowed.size() && allows(id)) st.allowed[id] = 1;
    }
  }
  bool complete = st.complete();
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (size_t id = 0; id < logits.size(); ++id) {
    if (st.allowed[id]) continue;
    if (complete && texts_->is_eog(static_cast<int32_t>(id))) continue;
    logits[id] = neg_inf;
  }
}

void GrammarMatcher::accept(int32_t token) {
  PRIMER_CHECK(allows(token));
  if (texts_->is_eog(token)) return;
  bool ok = accept_text(texts_->text(token));
  PRIMER_CHECK(ok);
}

bool GrammarMatcher::accept_text(std::string_view bytes) {
  MatcherState& st = *state_;
  st.maybe_compact();
  ByteState s = st.run(st.cur, bytes);
  if (s.set == 0) return false;
  st.cur = s;
  return true;
}

}  // namespace primer
