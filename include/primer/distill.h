#pragma once
// Distillation (`primer distill --teacher T.gguf RECIPE`): a GGUF teacher the engine runs
// supervises a small student trained by run_training (train_loop.h).
//
// Logit distillation (Hinton et al. 2015):
//   1. the teacher runs ONCE over every training window of the recipe's train shard (BatchSampler
//      windows 0 .. n_windows-1, each window's first seq_len tokens decoded from position 0, the
//      student's exact context) and its top-k next-token log-probabilities (natural log,
//      temperature 1, descending) go to a compact cache file on disk;
//   2. run_training trains the student on (1 - w) * CE + w * T^2 * KL (train.h LossConfig), the
//      teacher targets of each window read back from the memory-mapped cache.
// Sequence-level distillation (Kim & Rush 2016): the teacher answers a prompt set (chat
// template, sampling options, seed); the answers are written as chat JSONL, prepared as a kChat
// shard (loss on the assistant's tokens) and the student is fine-tuned on them.
//
// Teacher cache file (little-endian; docs/distillation.md):
//   header (128 bytes)
//     char     magic[8] = "PRMTOPK1"
//     uint32   version = 1
//     uint32   k                    entries per position
//     uint32   id_bits              ceil(log2 n_vocab): bits of the token id in an entry
//     uint32   lp_bits              32 - id_bits: bits of the quantized log-probability
//     float32  lp_step              nats per quantization level = kTeacherLogprobRange / (2^lp_bits - 1)
//     uint32   reserved = 0
//     uint64   n_windows, seq_len, n_vocab
//     -- the key (a cache whose key differs from the wanted one is rebuilt) --
//     uint64   teacher_size         bytes of the teacher file
//     uint64   teacher_hash         FNV-1a of its header + metadata + tensor infos and its last MiB
//     uint64   shard_size           bytes of the shard file
//     uint64   shard_path_hash      FNV-1a of the shard's absolute path
//     uint64   shard_tokenizer_hash tokenizer_hash from the shard header
//     uint64   shard_tokens_hash    FNV-1a (64-bit words) of the shard's tokens
//     uint64   payload_hash         FNV-1a over the per-window hashes of the payload (integrity)
//     uint8    pad[16]
//   payload  uint32[n_windows][seq_len][k]
//     entry = id | (q << id_bits), q = round(-logprob / lp_step) clamped to 2^lp_bits - 1;
//     logprob = -q * lp_step. Error <= lp_step / 2 for log-probabilities >= -kTeacherLogprobRange
//     (smaller ones, probability < 4e-11, read back as -kTeacherLogprobRange).
//   Size: 4 * k bytes per token (128 at k = 32) plus the 128-byte header. With n_vocab = 151,936
//   (18 id bits, 14 bits left) lp_step = 30 / 16383 = 0.00183 nats: error <= 0.00092 nats, i.e.
//   probabilities within 0.092 %.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "primer/log.h"
#include "primer/mapped_file.h"
#include "primer/model.h"
#include "primer/sampler.h"
#include "primer/thread_pool.h"
#include "primer/train_data.h"
#include "primer/train_loop.h"

namespace primer::train {

// Log-probabilities below -kTeacherLogprobRange are stored as -kTeacherLogprobRange.
inline constexpr float kTeacherLogprobRange = 30.0f;
inline constexpr size_t kTeacherCacheHeaderBytes = 128;

// What a cache was made from; a cache is reused only when every field matches.
struct TeacherCacheKey {
  uint64_t teacher_size = 0;
  uint64_t teacher_hash = 0;
  uint64_t shard_size = 0;
  uint64_t shard_path_hash = 0;
  uint64_t shard_tokenizer_hash = 0;
  uint64_t shard_tokens_hash = 0;
  int64_t seq_len = 0;
  int32_t k = 0;
  int64_t n_vocab = 0;       // ids in the cache are < n_vocab
  int64_t n_windows = 0;
  bool operator==(const TeacherCacheKey&) const = default;
};

// The packing of one entry for a vocabulary size: ceil(log2 n_vocab) id bits, the rest for the
// quantized log-probability. Errors when fewer than 8 bits would be left (n_vocab > 2^24).
struct TeacherEntryCodec {
  uint32_t id_bits = 0;
  uint32_t lp_bits = 0;
  float lp_step = 0;         // nats per level
  static Result<TeacherEntryCodec> for_vocab(int64_t n_vocab);
  uint32_t encode(int32_t id, float logprob) const;
  void decode(uint32_t entry, int32_t* id, float* logprob) const {
    *id = static_cast<int32_t>(entry & ((1u << id_bits) - 1u));
    *logprob = -static_cast<float>(entry >> id_bits) * lp_step;
  }
  float max_error() const { return 0.5f * lp_step; }  // for logprobs >= -kTeacherLogprobRange
};

// A teacher cache mapped read-only and validated (magic, version, sizes, codec, payload hash,
// every id < n_vocab). Thread-safe to read.
class TeacherCache {
 public:
  // Errors name the file and the problem ("teacher-topk.bin: truncated: 1000 bytes, header
  // says 4224"); a corrupted payload fails its hash.
  static Result<TeacherCache> open(const std::string& path, ThreadPool& pool);

  const TeacherCacheKey& key() const { return key_; }
  const TeacherEntryCodec& codec() const { return codec_; }
  int k() const { return key_.k; }
  int64_t seq_len() const { return key_.seq_len; }
  int64_t n_windows() const { return key_.n_windows; }
  uint64_t file_bytes() const;
  // File bytes per cached token (header included).
  double bytes_per_token() const;

  // Dequantizes window `window` into ids / logprobs [seq_len * k] (position-major, descending).
  void fill(int64_t window, int32_t* ids, float* logprobs) const;
  // The callback run_training takes (shares this cache's mapping).
  TeacherTargets targets() const;

 private:
  std::shared_ptr<MappedFile> file_;
  TeacherCacheKey key_;
  TeacherEntryCodec codec_;
  const uint32_t* payload_ = nullptr;
};

// Hashes a teacher GGUF for the cache key: its size and an FNV-1a of everything before the
// tensor data plus the file's last MiB (so a retrained teacher of the same shape differs).
Result<std::pair<uint64_t, uint64_t>> teacher_file_identity(const std::string& teacher_path);

// Checks that the teacher, the shard and (when non-empty) the recipe's tokenizer share one
// vocabulary (tokenizer_vocab_hash). The error names each side's size and hash.
Status check_teacher_vocab(const Model& teacher, const Shard& shard, const std::string& recipe_tokenizer);

struct TeacherCacheOptions {
  std::string teacher_path;
  std::string shard_path;
  std::string cache_path;     // written via cache_path + ".tmp" and rename
  int64_t seq_len = 256;
  int k = 32;
  int64_t n_vocab = 0;        // student vocabulary (0: the shard's); ids >= it are never cached
  std::string recipe_tokenizer;  // vocab check (may be empty)
  int threads = 0;            // teacher threads (0: all cores)
  bool rebuild = false;       // rebuild even when a matching cache exists
};

struct TeacherCacheReport {
  std::string path;
  bool reused = false;
  int64_t n_windows = 0;
  int64_t n_tokens = 0;       // cached positions
  double seconds = 0;         // teacher time (0 when reused)
  double bytes_per_token = 0;
  uint64_t file_bytes = 0;
};

// Reuses a cache whose key matches, else runs the teacher over every window and writes one.
// Progress (windows, tokens/s, ETA) at info level. Errors: teacher does not load, vocabulary
// mismatch, empty shard, I/O.
Result<TeacherCacheReport> ensure_teacher_cache(const TeacherCacheOptions& options, Logger& logger);

// ---- the two modes -------------------------------------------------------------------------

struct LogitDistillOptions {
  std::string teacher;        // GGUF
  std::string cache_path;     // "" : recipe.out_dir + "/teacher-topk.bin"
  bool rebuild_cache = false;
  bool resume = false;
  std::function<void(int64_t step, const StepStats& stats, float lr)> on_step;  // TrainRunOptions::on_step
};

struct DistillReport {
  TeacherCacheReport cache;   // logit mode
  std::string responses_path; // sequence mode: the teacher's answers (chat JSONL)
  int64_t n_responses = 0;
  TrainRunReport train;
};

// Builds / reuses the cache, then run_training with the recipe's [distill] loss.
Result<DistillReport> run_logit_distillation(const Recipe& recipe, const LogitDistillOptions& options,
                                             Logger& logger);

struct SequenceDistillOptions {
  std::string teacher;        // GGUF with a chat template (or chat_template set)
  std::string prompts;        // JSONL: {"messages": [...]} (conversation so far) or {"prompt": "..."}
  std::string chat_template;  // Jinja source overriding the teacher's ("" : the teacher's)
  std::string responses_path; // "" : recipe.out_dir + "/teacher-responses.jsonl"
  SamplingParams sampling;    // seed included (answer i uses seed + i)
  std::vector<std::string> stops;  // stop strings (never part of an answer)
  int64_t max_tokens = 256;   // per answer
  int n_parallel = 4;         // answers generated together (Scheduler slots)
  int64_t n_ctx = 0;          // per slot; 0: min(teacher context, 4096)
  double val_fraction = 0.05; // of the answers, held out as the student's validation set
  bool resume = false;        // reuses an existing responses file
  std::function<void(int64_t step, const StepStats& stats, float lr)> on_step;  // TrainRunOptions::on_step
};

// One line of the prompts file, parsed: the conversation the teacher answers.
Result<std::vector<nlohmann::ordered_json>> read_prompt_set(const std::string& path);

struct TeacherResponsesReport {
  int64_t n_responses = 0;
  int64_t completion_tokens = 0;
  double seconds = 0;
};

// The teacher answers every conversation of `options.prompts`; rows written in prompt order to
// `out_path` (tmp + rename) as {"messages": [..., {"role": "assistant", "content": answer}],
// "provenance": {"teacher", "prompt_index", "seed", "finish", "completion_tokens"}}.
Result<TeacherResponsesReport> generate_teacher_responses(const SequenceDistillOptions& options,
                                                          const std::string& out_path, int threads,
                                                          Logger& logger);

// generate_teacher_responses, prepare_data (kChat, the recipe's tokenizer) into
// out_dir/sequence-data/, then run_training on that shard (train_data / val_data replaced).
Result<DistillReport> run_sequence_distillation(const Recipe& recipe, const SequenceDistillOptions& options,
                                                Logger& logger);

}  // namespace primer::train
