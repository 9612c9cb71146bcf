#pragma once
// The inference context: a KV cache for n_seq sequences and the forward pass over a batch of
// tokens that may belong to different sequences at different positions (the server decodes many
// requests in one step; a prompt is one sequence's many tokens in one step).
//
//   Model (immutable, shared) --> Context (KV cache + scratch, one owner thread) --> logits
//
// A Context is used by one thread at a time; it parallelizes each op over the ThreadPool it was
// given. decode() never allocates after create() (scratch is reserved up front for n_batch
// tokens; larger batches are processed in chunks of n_batch, in order).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/model.h"
#include "primer/quant.h"
#include "primer/thread_pool.h"

namespace primer {

struct ContextOptions {
  int64_t n_ctx = 0;          // positions per sequence; 0: min(n_ctx_train, 4096)
  int n_seq = 1;              // sequences (KV slots) held at once
  int64_t n_batch = 256;      // tokens per forward chunk (scratch size)
  QuantType kv_type = QuantType::kF16;  // kF16 (default) or kF32
};

// Tokens to process. Within one sequence, tokens must come in position order and continue the
// sequence exactly: the first has pos == seq_len(seq), the next pos + 1, and so on.
class Batch {
 public:
  void add(int32_t token, int32_t seq, int64_t pos, bool want_logits);
  void clear();
  size_t size() const { return tokens_.size(); }
  bool empty() const { return tokens_.empty(); }

  int32_t token(size_t i) const { return tokens_[i]; }
  int32_t seq(size_t i) const { return seqs_[i]; }
  int64_t pos(size_t i) const { return pos_[i]; }
  bool want_logits(size_t i) const { return logits_[i] != 0; }

 private:
  std::vector<int32_t> tokens_;
  std::vector<int32_t> seqs_;
  std::vector<int64_t> pos_;
  std::vector<uint8_t> logits_;
};

// Seconds spent per op kind across decode() calls, for `primer bench --profile`.
struct OpProfile {
  struct Entry {
    std::string op;
    double seconds = 0;
    uint64_t calls = 0;
  };
  std::vector<Entry> entries;   // in first-use order
  double total_seconds() const;
};

class Context {
 public:
  // Allocates the KV cache: n_layer * n_seq * n_ctx * 2 * n_head_kv * head_dim elements of
  // kv_type. Errors: n_ctx/n_seq/n_batch out of range, unsupported kv_type, allocation failure.
  static Result<std::unique_ptr<Context>> create(const Model& model, ThreadPool& pool,
                                                 const ContextOptions& options = {});
  ~Context();

  // Runs the forward pass for every token of `batch`, appending its keys/values to the cache.
  // Afterwards logits(i) holds the next-token logits for each i with want_logits(i).
  // Errors (nothing is changed on error): empty batch, token id out of range, seq out of range,
  // a position that does not continue its sequence, a sequence that would exceed n_ctx.
  Status decode(const Batch& batch);

  // n_vocab logits of batch index i from the last decode(); CHECKs want_logits(i).
  std::span<const float> logits(size_t batch_index) const;

  const Model& model() const { return model_; }
  int64_t n_ctx() const { return n_ctx_; }
  int n_seq() const { return n_seq_; }
  int64_t n_batch() const { return n_batch_; }
  QuantType kv_type() const { return kv_type_; }
  uint64_t kv_bytes() const;

  int64_t seq_len(int seq) const;
  // Keeps positions [0, n_keep) of `seq` (n_keep <= seq_len), forgetting the rest.
  void seq_truncate(int seq, int64_t n_keep);
  void seq_clear(int seq) { seq_truncate(seq, 0); }
  // dst's cache becomes a copy of src's first n positions (n <= seq_len(src); -1: all).
  void seq_copy(int src, int dst, int64_t n = -1);

  const OpProfile& profile() const;
  void set_profiling(bool on);   // off by default (timing costs a clock read per op)
  void reset_profile();

 private:
  struct Impl;
  Context(const Model& model, ThreadPool& pool);
  const Model& model_;
  ThreadPool& pool_;
  int64_t n_ctx_ = 0;
  int n_seq_ = 0;
  int64_t n_batch_ = 0;
  QuantType kv_type_ = QuantType::kF16;
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer
