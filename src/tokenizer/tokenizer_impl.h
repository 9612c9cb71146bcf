// The internal tokenizer pipeline that both loaders build (tokenizer.json: hf_loader.cpp;
// GGUF metadata: gguf_loader.cpp) and that Tokenizer::encode/decode run.
//
// Encoding (mirrors Hugging Face tokenizers' AddedVocabulary + pipeline):
//   text --(invalid UTF-8 -> U+FFFD, maximal-subpart rule; see utf8.h)-->
//   split on non-normalized added tokens (raw text)                      [added_tokens.h]
//   each remaining segment: Normalizer, then split on normalized added tokens
//   each remaining segment: PreTokenizer -> pre-tokens (streamed)
//   each pre-token: Model -> ids
//   add_special: PostProcessor prefix/suffix ids (BOS/EOS)
// Decoding: ids -> pieces (added tokens by content; skip_special drops special ones) ->
//   Decoder chain over the list of pieces -> concatenated bytes -> invalid UTF-8 -> U+FFFD.
//
// Reference semantics. The oracle for ids is Hugging Face's JS runtime (@huggingface/tokenizers,
// tests/golden/tokenizer/); where it simplifies a component that the five reference tokenizers do
// not exercise, the Rust `tokenizers` behaviour is implemented instead:
//   - Split with a behaviour other than Isolated/Removed, or invert: Rust (JS isolates always).
//   - Metaspace `split`: honoured (JS ignores it); prepend_scheme "first" = the segment that
//     starts the input (both runtimes agree).
//   - Digits / Whitespace pre-tokenizers: Unicode digits and word characters (JS: ASCII).
//   - ByteFallback decoding of invalid bytes: one U+FFFD per maximal subpart (JS; Rust emits one
//     per byte). ByteLevel decoding passes added tokens through unchanged (JS).
//   - Decoding never applies transformers' clean_up_tokenization_spaces.
// Unicode data comes from ICU 72 (Unicode 15) and PCRE2 10.42 (Unicode 14); node's ICU is newer,
// so characters assigned after Unicode 14 may normalize/classify differently.
//
// Ownership: TokenizerImpl owns every stage. Stages are immutable after construction and
// safe to call from many threads at once (internal caches synchronize themselves).
// Build order for a loader: fill `vocab` (all ids, including added tokens), `added_tokens`,
// the stages, bos/eos/flags, then call finish_tokenizer() once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "primer/tokenizer.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/flat_piece_map.h"
#include "tokenizer/function_ref.h"

namespace primer {
namespace tok {

// Hash for unordered maps keyed by std::string that accept std::string_view lookups.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
// For small string -> id maps (added tokens, WordPiece); Vocab uses the compact PieceIndex.
using PieceHashMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

// The full id space of a tokenizer. pieces/attrs (and scores when present) are indexed by id.
// Ids without an entry (holes in a tokenizer.json vocab) have piece "" and attr kUnused and
// are not in `index`. Memory for n pieces: 32 bytes a piece (std::string, short pieces inline;
// piece() hands out std::string references) + the text of pieces longer than 15 bytes +
// 1 byte attr (+ 4 bytes score) + the index (8 bytes a slot, see flat_piece_map.h).
struct Vocab {
  std::vector<std::string> pieces;  // id -> raw vocabulary string ("Ġhello", "▁the", "<0x0A>")
  std::vector<TokenAttr> attrs;     // id -> attribute; same size as pieces
  std::vector<float> scores;        // id -> score (SentencePiece log-prob); empty if none
  PieceIndex index;                 // piece -> id over `pieces` (first id wins for duplicates)

  size_t size() const { return pieces.size(); }
  bool valid(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < pieces.size(); }
  std::optional<TokenId> find(std::string_view piece) const {
    TokenId id = index.find(piece, pieces);
    if (id < 0) return std::nullopt;
    return id;
  }
  // Indexes pieces[id] (an existing entry for the same text is kept or replaced).
  void index_piece(TokenId id, PieceIndex::OnDuplicate dup = PieceIndex::OnDuplicate::kKeep) {
    index.insert(id, pieces, dup);
  }
  // Appends (piece, attr, score) as the next id and indexes it. Returns the new id.
  TokenId push_back(std::string piece, TokenAttr attr, float score = 0.0f);
  // Heap bytes owned (capacities), for memory accounting.
  size_t memory_bytes() const;
};

// An added token (tokenizer.json "added_tokens"; GGUF control/user-defined tokens). Matched in
// the text before the model runs. Field meanings follow Hugging Face:
//   special     control token (<|im_start|>): only matched when EncodeOptions::parse_special,
//               dropped by DecodeOptions::skip_special. Non-special added tokens (Qwen's
//               <think>) are always matched and always decoded.
//   lstrip/rstrip  the match swallows whitespace to its left/right.
//   single_word    only matches when not adjacent to word characters on either side.
//   normalized     matched against normalized text (content is normalized first) instead of
//                  the raw input.
struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// ---------------------------------------------------------------------------------------------
// Normalizers: rewrite a segment of text (valid UTF-8 in, valid UTF-8 out).
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

enum class UnicodeForm { kNfc, kNfd, kNfkc, kNfkd };
enum class StripSide { kLeft, kRight, kBoth };

Result<std::unique_ptr<Normalizer>> make_unicode_normalizer(UnicodeForm form);  // via ICU
std::unique_ptr<Normalizer> make_lowercase_normalizer();
// Prepends `prefix` to non-empty text (HF Prepend; Mistral/Llama SPM use "▁").
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix);
// Replaces every occurrence of a literal string / of a PCRE2 pattern with `content`.
std::unique_ptr<Normalizer> make_replace_normalizer(std::string literal, std::string content);
Result<std::unique_ptr<Normalizer>> make_replace_regex_normalizer(std::string_view pcre2_pattern,
                                                                  std::string content);
std::unique_ptr<Normalizer> make_strip_normalizer(StripSide side);  // Unicode whitespace
std::unique_ptr<Normalizer> make_strip_accents_normalizer();  // drops nonspacing marks (Mn)
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> parts);

// ---------------------------------------------------------------------------------------------
// Pre-tokenizers: split (and possibly rewrite) a segment into pre-tokens, streamed to a sink
// in order (never empty ones). A piece passed to the sink is only valid during that call.
// Stages chain without building intermediate lists (Sequence feeds each piece of stage k to
// stage k+1), so encoding megabytes does not allocate per-text vectors of pieces.
// `at_text_start` is true when `text` begins at the start of the whole input (the first segment
// before any added token); only Metaspace's prepend_scheme "first" looks at it.
using Pieces = std::vector<std::string>;
using PieceSink = FunctionRef<void(std::string_view)>;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::string_view text, bool at_text_start, PieceSink emit) const = 0;
};
// Convenience (tests, tools): all pre-tokens of `text` as strings.
Pieces pre_tokenize_to_vector(const PreTokenizer& pre, std::string_view text,
                              bool at_text_start = true);

// What Split does with each match (HF SplitDelimiterBehavior).
enum class SplitBehavior {
  kRemoved,             // drop matches
  kIsolated,            // matches become their own pieces
  kMergedWithPrevious,  // a match is appended to the piece before it
  kMergedWithNext,      // a match is prepended to the piece after it
  kContiguous,          // consecutive matches are merged into one piece
};
// Whether Split keeps the matches (kMatches) or the text between them (kInvert: HF invert=true,
// i.e. the matches are the pieces and the behavior applies to the gaps).
enum class SplitInvert { kNo, kYes };

// Split on a PCRE2 pattern, compiled once with UTF + UCP (Unicode \w \d \s \p{..}); match data
// is allocated per call, so one instance serves many threads. Returns an Error naming the
// pattern and offset when it does not compile. Patterns written for HF (Oniguruma/JS syntax,
// e.g. GPT-2/Llama-3/Qwen2 splitters) are accepted as written.
Result<std::unique_ptr<PreTokenizer>> make_split_regex(std::string_view pcre2_pattern,
                                                       SplitBehavior behavior,
                                                       SplitInvert invert = SplitInvert::kNo);
// Split on a literal string.
std::unique_ptr<PreTokenizer> make_split_string(std::string literal, SplitBehavior behavior,
                                                SplitInvert invert = SplitInvert::kNo);

// The GPT-2 splitter regex HF's ByteLevel uses when use_regex is true.
extern const char* const kGpt2SplitPattern;
// ByteLevel: optionally adds a leading space (when the piece does not start with one), optionally
// splits with kGpt2SplitPattern, then maps every byte through the GPT-2 byte->unicode table
// (byte_level.h). Models after it see "Ġhello".
enum class AddPrefixSpace { kNo, kYes };
enum class UseRegex { kNo, kYes };
Result<std::unique_ptr<PreTokenizer>> make_byte_level_pre_tokenizer(AddPrefixSpace prefix,
                                                                    UseRegex use_regex);

// Metaspace: spaces -> `replacement` ("▁"), optional prepend, optional split before each "▁".
enum class PrependScheme { kAlways, kFirst, kNever };
enum class MetaspaceSplit { kNo, kYes };
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme scheme,
                                                           MetaspaceSplit split);
enum class DigitsMode { kContiguous, kIndividual };
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(DigitsMode mode);
Result<std::unique_ptr<PreTokenizer>> make_whitespace_pre_tokenizer();  // \w+|[^\w\s]+
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();    // split on whitespace
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior);
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> parts);

// ---------------------------------------------------------------------------------------------
// Models: turn one pre-token into ids (appended to `out`). Thread-safe.
class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(std::string_view pre_token, std::vector<TokenId>& out) const = 0;
  // "byte-level BPE", "BPE with byte fallback", "SentencePiece" (for describe()).
  virtual std::string kind() const = 0;
  // Heap bytes of the model's tables (capacities), not counting caches filled while encoding;
  // 0 when a model does not account for them.
  virtual size_t memory_bytes() const { return 0; }
};

struct BpeOptions {
  std::optional<TokenId> unk;            // emitted for symbols not in the vocab (else dropped)
  bool fuse_unk = false;                 // consecutive unks become one
  bool byte_fallback = false;            // unknown chars -> <0xNN> byte tokens (if in vocab)
  bool ignore_merges = false;            // a pre-token that is itself in the vocab is emitted whole
  std::string continuing_subword_prefix; // "##"-style prefix on non-initial symbols
  std::string end_of_word_suffix;        // "</w>"-style suffix on the last symbol
  size_t cache_capacity = 1 << 16;       // word -> ids cache entries (0 disables)
};
// Rank order. Views: the caller keeps the text alive while the model is built (the model
// copies what it needs).
using MergeList = std::vector<std::pair<std::string_view, std::string_view>>;

// A BPE model over `vocab` (only pieces/index are used; the model keeps its own copy) and the
// merges in rank order. Error when a merge names a piece, or produces a piece, that is not in
// the vocab ("[bpe] merges[12]: 'ab' 'c' -> 'abc' is not in the vocab").
Result<std::unique_ptr<Model>> make_bpe_model(const Vocab& vocab, const MergeList& merges,
                                              const BpeOptions& options);
// The same, with merge i (of n, rank order) given by `merge_at(i)` (no list is built; views
// must stay valid until the call returns).
using MergeAt = FunctionRef<std::pair<std::string_view, std::string_view>(size_t)>;
Result<std::unique_ptr<Model>> make_bpe_model(const Vocab& vocab, size_t n_merges, MergeAt merge_at,
                                              const BpeOptions& options);

// ---------------------------------------------------------------------------------------------
// Post-processing (TemplateProcessing, single sequence): with add_special, ids become
// prefix + ids + suffix. ByteLevel post-processors add nothing.
struct PostProcessor {
  std::vector<TokenId> prefix;
  std::vector<TokenId> suffix;
};

// ---------------------------------------------------------------------------------------------
// Decoders: rewrite the list of token strings (HF decode_chain). The final text is the
// concatenation of the resulting strings, with invalid UTF-8 replaced by U+FFFD.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// "Ġhi" -> " hi" (bytes). Tokens equal to one of `added_contents` (the added/special tokens'
// text) pass through unchanged, as in the JS reference ("<think>", or "café" which would
// otherwise be read as byte-level characters).
std::unique_ptr<Decoder> make_byte_level_decoder(std::vector<std::string> added_contents = {});
std::unique_ptr<Decoder> make_replace_decoder(std::string literal, std::string content);
Result<std::unique_ptr<Decoder>> make_replace_regex_decoder(std::string_view pcre2_pattern,
                                                            std::string content);
std::unique_ptr<Decoder> make_byte_fallback_decoder();  // "<0xE4>" "<0xBD>" "<0xA0>" -> "你"
std::unique_ptr<Decoder> make_fuse_decoder();           // all tokens -> one string
// Removes up to `start` leading and `stop` trailing copies of `content` from each token.
std::unique_ptr<Decoder> make_strip_decoder(std::string content, size_t start, size_t stop);
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, PrependScheme scheme);
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> parts);

}  // namespace tok

// ---------------------------------------------------------------------------------------------
struct TokenizerImpl {
  // Filled by the loader:
  tok::Vocab vocab;                               // every id, added tokens included
  std::vector<tok::AddedToken> added_tokens;      // any order; ids must be valid in vocab
  std::unique_ptr<tok::Normalizer> normalizer;    // may be null
  std::unique_ptr<tok::PreTokenizer> pre_tokenizer;  // may be null (whole segment = 1 pre-token)
  std::unique_ptr<tok::Model> model;              // required
  tok::PostProcessor post_processor;              // applied when EncodeOptions::add_special
  std::unique_ptr<tok::Decoder> decoder;          // may be null (pieces joined with " ")
  std::optional<TokenId> bos;
  std::optional<TokenId> eos;
  std::vector<TokenId> eos_ids;                   // end-of-generation ids (eos first when set)
  bool add_bos = false;                           // informational: post_processor adds bos
  bool add_eos = false;
  std::string chat_template;
  std::string description;                        // "byte-level BPE (qwen2), 151665 tokens"

  // Derived by finish_tokenizer():
  tok::AddedTokenMatcher raw_matcher;             // added tokens with normalized == false
  tok::AddedTokenMatcher normalized_matcher;      // added tokens with normalized == true
  std::vector<uint8_t> is_special;                // id -> 1 for special added/control tokens
  std::string empty_piece;                        // returned by piece() for invalid ids
  // A normal token that decodes, alone, to one ASCII letter or digit. StreamDecoder puts it in
  // front of a window that does not start the text, so start-of-text decoder rules (Strip,
  // Metaspace's first "▁", WordPiece's first piece) do not fire in the middle of a stream.
  std::optional<TokenId> stream_anchor;
};

// Heap bytes owned by the vocabulary, the added tokens, the special-id table and the model's
// tables (capacities; see Vocab / Model::memory_bytes). A structural bound for tests: it grows
// with the vocabulary, not with use.
size_t tokenizer_memory_bytes(const TokenizerImpl& impl);

// Runs the encode pipeline described at the top of this file.
std::vector<TokenId> encode_impl(const TokenizerImpl& impl, std::string_view text,
                                 const EncodeOptions& opts);
// Decodes ids (invalid ids skipped; special ones too with skip_special) through the decoder
// chain into raw bytes, *before* the final invalid-UTF-8 -> U+FFFD step.
std::string decode_to_bytes(const TokenizerImpl& impl, const TokenId* ids, size_t n,
                            bool skip_special);

// finish_tokenizer() + wrap: what a loader returns (Tokenizer's constructor is private; this
// function is its friend).
Result<Tokenizer> make_tokenizer(std::unique_ptr<TokenizerImpl> impl);

// Validates ids, marks added tokens' attrs (special -> kControl, else kUserDefined, unless the
// loader already set a non-normal attr), builds the added-token matchers (normalized tokens'
// content is run through the normalizer first) and the special-id table (added special tokens
// and kControl ids), then completes eos_ids (add_end_of_generation_ids).
Status finish_tokenizer(TokenizerImpl& impl);
// Appends to eos_ids (without duplicates) eos, then every kControl token whose text is a known
// end-of-turn marker (<|eot_id|>, <|eom_id|>, <|im_end|>, <|endoftext|>, <end_of_turn>, ...).
void add_end_of_generation_ids(TokenizerImpl& impl);

}  // namespace primer
