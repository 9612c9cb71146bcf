// Byte-level BPE training, the stages behind train_bpe_tokenizer (include/primer/train_data.h):
//
//   pre_tokenizer_json(pre)   the Hugging Face pre_tokenizer object written to tokenizer.json;
//                             the engine's own parser (tokenizer/hf_json.h) turns it into the
//                             PreTokenizer used for counting, so training splits text exactly as
//                             Tokenizer::from_hf_files on the output will.
//   count_words()             files -> distinct pre-tokens ("words", byte-level spelling) with
//                             counts; threaded over chunks, result sorted by word (deterministic
//                             for any thread count).
//   learn_merges()            incremental BPE over the words (see bpe_train_merges.cpp).
//   write_tokenizer_files()   tokenizer.json + tokenizer_config.json (bpe_train_output.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "primer/log.h"
#include "primer/thread_pool.h"
#include "primer/train_data.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer::train::bpe {

using OrderedJson = nlohmann::ordered_json;

// A pre-tokenizer name the trainer accepts ("gpt2", "llama3", "qwen2").
struct PreSpec {
  std::string_view name;
  std::string_view gguf_name;  // tokenizer.ggml.pre this output converts to (vocab_export.cpp)
  bool ignore_merges;          // model.ignore_merges, as the family's own tokenizer.json has it
};
// The spec for `name`, or an error listing the accepted names.
Result<PreSpec> find_pre_spec(std::string_view name);

// The pre_tokenizer object of tokenizer.json for `spec`: GPT-2 as its tokenizer.json has it
// (ByteLevel with use_regex), Llama 3 / Qwen2 as Sequence[Split(regex, Isolated), ByteLevel
// (use_regex false)]. Regexes come from the engine's table (tokenizer/gguf_pre_types.cpp).
OrderedJson pre_tokenizer_json(const PreSpec& spec);

// Builds the engine's PreTokenizer from that JSON (tokenizer/hf_components.cpp).
Result<std::unique_ptr<tok::PreTokenizer>> make_pre_tokenizer(const OrderedJson& pre_json);

// Distinct pre-tokens in byte-level spelling ("Ġthe"), sorted, with their counts.
struct WordCounts {
  std::vector<std::string> words;
  std::vector<int64_t> counts;   // same size as words
  uint64_t n_bytes = 0;          // text bytes read
  uint64_t n_pre_tokens = 0;     // pre-tokens seen (sum of counts)
};

// Reads `files` in order (at most max_bytes in all, 0: no limit; a cut falls at a line end
// where there is one), removes the special tokens' text (as the engine matches them before
// pre-tokenizing), replaces invalid UTF-8 with U+FFFD (as the engine does), pre-tokenizes and
// counts. Text is split into chunks for the threads only at "\n" between a printable ASCII
// character and an ASCII letter, where no pre-tokenizer regex can match across, so the counts
// equal those of pre-tokenizing each file whole. Errors: a file that cannot be read, or no text
// in all (empty inputs). `chunk_bytes`: the size chunks are cut at (tests use small ones).
inline constexpr size_t kChunkBytes = size_t{1} << 20;
Result<WordCounts> count_words(const std::vector<std::string>& files,
                               const std::vector<std::string>& special_tokens, uint64_t max_bytes,
                               const tok::PreTokenizer& pre, ThreadPool& pool, Logger& logger,
                               size_t chunk_bytes = kChunkBytes);

// Token ids of the 256 byte tokens: ids 0..255 in GPT-2 byte-to-unicode order (code point of the
// byte's character, ascending: '!'..'~', U+00A1.., then U+0100.. for the remapped bytes).
struct ByteAlphabet {
  uint8_t byte_of_id[256];
  int32_t id_of_byte[256];
};
ByteAlphabet byte_alphabet();

struct Merges {
  std::vector<std::string> pieces;                 // id -> byte-level piece; [0, 256) the bytes
  std::vector<std::pair<int32_t, int32_t>> pairs;  // rank order: merge i joins pairs[i]
};

// Learns merges until the vocabulary holds max_pieces pieces (bytes included) or no pair
// occurs min_frequency times. The most frequent pair is merged first; equal counts: the
// smaller (left id, right id) first. A merge whose result is already a piece (two different
// pairs spelling the same string) reuses that id, as Hugging Face's trainer does.
Merges learn_merges(const WordCounts& words, int64_t max_pieces, int64_t min_frequency,
                    Logger& logger);

// Writes tokenizer.json to out_path and tokenizer_config.json beside it.
Status write_tokenizer_files(const Merges& merges, const PreSpec& spec,
                             const BpeTrainOptions& options, const std::string& out_path);

}  // namespace primer::train::bpe
