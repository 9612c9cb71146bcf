#pragma once
// Data for training: byte-level BPE tokenizer training (`primer tokenizer train`), token shards
// (`primer data prepare`), and the deterministic batch sampler the trainer reads them with.
//
// Shard file (DIR/train.bin, DIR/val.bin), little-endian:
//   header  char magic[8] = "PRMSHRD1"; uint32 version = 1; uint32 flags (bit 0: has loss mask);
//           uint64 n_tokens; uint64 n_docs; uint64 n_vocab; uint64 tokenizer_hash; uint8 pad[16]
//           (64 bytes in all)
//   tokens  uint32[n_tokens]    documents back to back, each ending with the end-of-text token
//   mask    uint8[n_tokens]     (flag bit 0) 1 where the token is a training target (chat data:
//                               the assistant's tokens and its end-of-turn), 0 elsewhere
//   docs    uint64[n_docs + 1]  token offset where each document starts; docs[n_docs] = n_tokens
// DIR/meta.json records the inputs, the tokenizer, counts and the split.
// tokenizer_hash = tokenizer_vocab_hash() of the tokenizer used, so a trainer or teacher with a
// different vocabulary is refused with a clear error rather than trained on garbage.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/log.h"
#include "primer/mapped_file.h"
#include "primer/thread_pool.h"
#include "primer/tokenizer.h"

namespace primer::train {

// ---- tokenizer training -------------------------------------------------------------------

struct BpeTrainOptions {
  int64_t vocab_size = 4096;           // total, special tokens included
  // Pre-tokenizer: one the engine supports by name: "gpt2", "llama3", "qwen2" (regex splits
  // before byte-level mapping, as the Hugging Face tokenizers of those models do).
  std::string pre = "llama3";
  int64_t min_frequency = 2;           // a pair seen fewer times is never merged
  // Special tokens appended after the learned vocabulary (the first is the end-of-text / BOS /
  // padding token; "<|im_start|>" and "<|im_end|>" make the ChatML chat template usable).
  std::vector<std::string> special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::string chat_template;           // written to tokenizer_config.json ("" : ChatML)
  uint64_t max_bytes = 0;              // read at most this much text (0: all)
};

// Learns merges from the text files (UTF-8; invalid sequences become U+FFFD, as Tokenizer::encode
// does, and special tokens' text is cut out) and writes a Hugging
// Face tokenizer.json (+ tokenizer_config.json beside it) that Tokenizer::from_hf_files, Hugging
// Face tokenizers and gen-model --vocab-from / export_gguf all load. Deterministic: ties between
// equally frequent pairs break by the pair's token ids. Progress (merges/s) is logged at info.
Status train_bpe_tokenizer(const std::vector<std::string>& files, const BpeTrainOptions& options,
                           const std::string& out_path, ThreadPool& pool, Logger& logger);

// A hash of the vocabulary (every token's bytes in id order, and the special tokens): equal
// hashes mean the same ids mean the same text.
uint64_t tokenizer_vocab_hash(const Tokenizer& tokenizer);

// Loads a tokenizer from a tokenizer.json or a GGUF file (by extension).
Result<std::unique_ptr<Tokenizer>> load_tokenizer_any(const std::string& path);

// ---- shards -------------------------------------------------------------------------------

enum class InputFormat {
  kAuto,   // by extension: .jsonl -> kJsonl unless rows have "messages" (-> kChat), else kText
  kText,   // a plain text file; documents are separated by blank lines when split_paragraphs,
           // else one file = one document
  kJsonl,  // one JSON object per line with a string field (text_field)
  kChat,   // one JSON object per line: {"messages": [{"role": ..., "content": ...}, ...]}
           // rendered with the tokenizer's chat template; loss only on the assistant's tokens
};

struct PrepareOptions {
  std::string tokenizer;               // tokenizer.json or GGUF
  std::string out_dir;
  InputFormat format = InputFormat::kAuto;
  std::string text_field = "text";
  bool split_paragraphs = false;
  double val_fraction = 0.01;          // share of documents held out (at least 1 when > 0)
  uint64_t seed = 1;                   // document shuffle
  bool skip_bad_rows = false;          // malformed JSONL rows: false -> fatal (file:line)
};

struct PrepareReport {
  int64_t n_docs_train = 0, n_docs_val = 0;
  int64_t n_tokens_train = 0, n_tokens_val = 0;
  int64_t n_skipped_rows = 0;
};

Result<PrepareReport> prepare_data(const std::vector<std::string>& inputs, const PrepareOptions& options,
                                   ThreadPool& pool, Logger& logger);

// A shard file mapped read-only and validated (magic, version, sizes, token ids < n_vocab,
// monotone doc offsets); errors name the file and the problem.
class Shard {
 public:
  static Result<Shard> open(const std::string& path);

  uint64_t n_tokens() const { return n_tokens_; }
  uint64_t n_docs() const { return n_docs_; }
  uint64_t n_vocab() const { return n_vocab_; }
  uint64_t tokenizer_hash() const { return tokenizer_hash_; }
  bool has_mask() const { return mask_ != nullptr; }
  std::span<const uint32_t> tokens() const { return {tokens_, n_tokens_}; }
  std::span<const uint8_t> mask() const;         // empty without a mask
  std::span<const uint64_t> doc_offsets() const { return {docs_, n_docs_ + 1}; }
  const std::string& path() const { return path_; }

 private:
  std::shared_ptr<MappedFile> file_;
  std::string path_;
  uint64_t n_tokens_ = 0, n_docs_ = 0, n_vocab_ = 0, tokenizer_hash_ = 0;
  const uint32_t* tokens_ = nullptr;
  const uint8_t* mask_ = nullptr;
  const uint64_t* docs_ = nullptr;
};

// Windows of seq_len + 1 tokens at stride seq_len over a shard (window w covers tokens
// [w * seq_len, w * seq_len + seq_len]); inputs are the first seq_len, targets the last seq_len
// (-1 where the mask says no loss). The order of windows is a permutation drawn from
// (seed, epoch), so sample i of the run is a pure function of (seed, i): a resumed run sees
// exactly the batches an uninterrupted one would.
class BatchSampler {
 public:
  BatchSampler(const Shard& shard, int64_t seq_len, uint64_t seed, bool shuffle = true);
  int64_t n_windows() const { return n_windows_; }
  // Fills tokens/targets [n_seq * seq_len] with samples first_sample .. first_sample + n_seq - 1.
  void fill(uint64_t first_sample, int64_t n_seq, int32_t* tokens, int32_t* targets) const;
  // Window index of sample i (tests; teacher caching walks windows in order).
  int64_t window_of(uint64_t sample) const;
  // Fills one window's inputs and targets.
  void fill_window(int64_t window, int32_t* tokens, int32_t* targets) const;

 private:
  const Shard* shard_;
  int64_t seq_len_;
  uint64_t seed_;
  bool shuffle_;
  int64_t n_windows_;
  mutable std::vector<uint32_t> perm_;  // permutation of the current epoch
  mutable int64_t perm_epoch_ = -1;
};

}  // namespace primer::train
