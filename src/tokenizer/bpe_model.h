// The BPE model (Hugging Face `model.type == "BPE"`; GGUF `tokenizer.ggml.model == "gpt2"`).
//
// A word (one pre-token) becomes symbols, one per character (its vocab id; unknown characters
// become <0xNN> byte tokens with byte_fallback, else unk, else are dropped), and then the
// adjacent pair with the lowest merge rank is merged, leftmost first on ties, until no pair has
// a rank. Cost per word: O(n) lookups to build symbols, then O(n) per merge (n <= kScanLimit
// symbols: a rank per link, scanned for the minimum) or O(log n) per merge with a heap for longer
// words. A bounded, sharded word -> ids cache makes repeated words one hash lookup.
// Long words (whole SentencePiece-style segments have no pre-tokenizer, so a paragraph is one
// "word") are first cut at *barriers*: adjacent characters (both in the vocab) that never occur
// next to each other inside any vocab piece. No merge can produce a symbol across a barrier, and
// merges in disjoint regions do not interact, so BPE on the parts gives exactly the same ids —
// and the parts (usually words) hit the cache.
// Thread-safety: const methods may be called concurrently (the cache locks per shard).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/flat_piece_map.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/word_cache.h"

namespace primer::tok {

class BpeModel final : public Model {
 public:
  static Result<std::unique_ptr<BpeModel>> create(const Vocab& vocab, const MergeList& merges,
                                                  const BpeOptions& options);
  static Result<std::unique_ptr<BpeModel>> create(const Vocab& vocab, size_t n_merges, MergeAt merge_at,
                                                  const BpeOptions& options);

  void tokenize(std::string_view pre_token, std::vector<TokenId>& out) const override;
  std::string kind() const override;
  // pieces + merges + char tables (not the word cache, which is bounded by cache_capacity).
  size_t memory_bytes() const override;

  // The same result without the cache, with the merge strategy forced (tests compare both).
  enum class MergeStrategy { kAuto, kScan, kHeap };
  void tokenize_uncached(std::string_view word, std::vector<TokenId>& out,
                         MergeStrategy strategy = MergeStrategy::kAuto) const;

  static constexpr size_t kScanLimit = 96;
  static constexpr size_t kSplitMinBytes = 24;  // shorter words are not searched for barriers

 private:
  struct Symbol {
    TokenId id;
    int32_t prev;
    int32_t next;
  };
  struct MergeValue {
    int32_t rank;
    TokenId merged;
  };
  // Open-addressing map (left id, right id) -> (rank, merged id); no deletions.
  class PairMap {
   public:
    void reserve(size_t n);
    void insert(TokenId left, TokenId right, MergeValue v);  // keeps an existing entry
    const MergeValue* find(TokenId left, TokenId right) const;
    size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

   private:
    struct Slot {
      uint64_t key = ~0ull;
      MergeValue value{};
    };
    std::vector<Slot> slots_;
    uint64_t mask_ = 0;
    int shift_ = 64;
  };

  explicit BpeModel(size_t cache_capacity) : cache_(cache_capacity) {}
  void build_symbols(std::string_view word, std::vector<Symbol>& symbols) const;
  void merge_scan(std::vector<Symbol>& symbols) const;
  void merge_heap(std::vector<Symbol>& symbols) const;
  TokenId char_id(std::string_view ch, char32_t cp) const;  // -1 when not in the vocab
  void tokenize_part(std::string_view part, std::vector<TokenId>& out) const;  // cache + BPE
  bool joinable(char32_t a, char32_t b) const;  // a b occurs inside some vocab piece
  void build_joinable(const Vocab& vocab);

  FlatPieceMap pieces_;                             // the model's vocabulary
  BpeOptions options_;
  PairMap merges_;
  std::vector<TokenId> small_char_ids_;             // code point < 0x800 -> id or -1
  std::array<TokenId, 256> byte_ids_{};             // <0xNN> ids or -1
  bool has_affixes_ = false;                        // continuing_subword_prefix / end_of_word_suffix
  WordCache cache_;
  // Set of adjacent code-point pairs (a << 32 | b) inside vocab pieces; open addressing.
  std::vector<uint64_t> joinable_;
  uint64_t joinable_mask_ = 0;
};

}  // namespace primer::tok
