#pragma once
// Continuous batching: many generation requests share one Context. One owner thread runs the
// loop; any thread may submit or cancel.
//
//   submit() --> bounded queue --> [owner thread, each step]
//        admit queued requests into free slots (reusing the longest cached prefix)
//        build ONE Batch: the next prompt chunk of each prefilling slot + the last sampled token
//          of each generating slot
//        Context::decode(batch) --> per slot: sample (grammar by rejection), detokenize, stop
//          strings --> GenerationEvent to the request's sink
//        finished / cancelled slots leave at once; their KV stays cached for prefix reuse
//
// Prefix caching: each slot remembers the tokens its KV cache holds. A new request takes the
// idle slot whose cached tokens share the longest prefix with its prompt (truncating the rest),
// or copies that prefix from a busy slot (Context::seq_copy) into a free one, so a shared system
// prompt, course lesson or earlier conversation turn is computed once. At least the last prompt
// token is always decoded (its logits start the generation). A queued request that shares at
// least 16 more tokens with a prompt being prefilled than any cache holds now waits for that
// prefill and then copies it (n > 1 choices submitted as n requests compute the prompt once).
//
// Batch budget per step: one token per generating slot first, then prompt chunks (oldest
// admission first) up to n_batch tokens in all, so long prompts never stall running streams.
//
// Determinism: a request's output depends only on its prompt, its sampling parameters and its
// seed, not on what else is in the batch (the forward pass is computed per token and the logits
// are bit-identical alone or batched, tests/model/scheduler_determinism_test.cpp; sampling uses a
// per-request RNG). A greedy request served alone produces exactly what `primer run`'s generate()
// loop produces (tokens, text, EOS handling, stop strings, UTF-8 boundaries).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "primer/engine.h"
#include "primer/error.h"
#include "primer/grammar.h"
#include "primer/model.h"
#include "primer/sampler.h"
#include "primer/thread_pool.h"

namespace primer {

enum class FinishReason {
  kStop,       // an end-of-generation token, a stop string, or a finished grammar
  kLength,     // max_tokens reached, or the slot's context is full
  kCancelled,  // cancel() or the scheduler shut down
  kError,      // decode failed (message in the event)
};
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled", "error"

struct GenerationRequest {
  std::vector<int32_t> prompt;            // token ids, non-empty (template applied by the caller)
  SamplingParams sampling;                // temperature <= 0: greedy
  int64_t max_tokens = -1;                // < 0: until the slot's context is full
  std::vector<std::string> stop;          // stop strings: never emitted, found across tokens
  bool ignore_eos = false;                // end-of-generation tokens do not end it
  int top_logprobs = -1;                  // < 0: no logprobs; 0..20: chosen token + that many
  std::shared_ptr<const Grammar> grammar; // null: unconstrained
};

struct TokenLogprob {
  int32_t token = 0;
  std::string text;          // the token's bytes (may be part of a UTF-8 character)
  float logprob = 0;         // log softmax of the raw logits (before sampling transforms)
  std::vector<std::pair<int32_t, float>> top;  // top_logprobs most likely (id, logprob), descending
};

struct GenerationEvent {
  enum class Kind { kDelta, kDone };
  Kind kind = Kind::kDelta;
  // kDelta: text now final (whole UTF-8 characters; text that may start a stop string is held
  // back until decided) and the logprobs of the tokens it completes.
  std::string text;
  std::vector<TokenLogprob> logprobs;
  // Logprobs of tokens whose text is never emitted (the ones forming a stop string) are dropped.
  // kDone (always the last event of a request, exactly once; SchedulerStats already count it):
  FinishReason finish = FinishReason::kStop;
  std::string error;            // kError only
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;    // prompt tokens reused from the cache (not recomputed)
  int64_t completion_tokens = 0;  // tokens sampled and kept (an ending EOS is not counted)
  double time_to_first_token_s = 0;  // from submit() to the first sampled token
};

// Called on the scheduler thread, in order, for one request. Must return quickly (queue the
// event to the connection; never block on a socket). Never called after the kDone event.
using EventSink = std::function<void(GenerationEvent&&)>;

struct SchedulerOptions {
  int n_slots = 4;              // sequences decoded together (--parallel)
  int64_t n_ctx = 0;            // positions per slot; 0: min(n_ctx_train, 4096)
  int64_t n_batch = 256;        // tokens per forward chunk
  size_t max_queue = 64;        // requests waiting for a slot before submit() refuses
  QuantType kv_type = QuantType::kF16;
};

// A snapshot of the counters for /metrics and /health (consistent, cheap, any thread).
struct SchedulerStats {
  uint64_t requests_total = 0;        // submitted and accepted
  uint64_t requests_rejected = 0;     // refused by submit() (queue full)
  uint64_t requests_cancelled = 0;
  uint64_t prompt_tokens_total = 0;   // prompt tokens of finished requests
  uint64_t prompt_tokens_cached = 0;  // of them, reused from the cache
  uint64_t completion_tokens_total = 0;
  uint64_t steps_total = 0;           // Context::decode calls
  double decode_seconds_total = 0;    // time inside decode steps
  size_t queue_depth = 0;
  int slots_busy = 0;
  int n_slots = 0;
  int64_t kv_cells_used = 0;          // cached positions over all slots
  int64_t kv_cells_total = 0;         // n_slots * n_ctx
  // time-to-first-token histogram: counts of requests with TTFT <= each bound (seconds)
  std::vector<double> ttft_bounds;    // ascending
  std::vector<uint64_t> ttft_counts;  // cumulative, one per bound, plus +Inf last
  double ttft_sum_s = 0;
};

class Scheduler {
 public:
  // Creates the Context (n_slots sequences of n_ctx) and starts the owner thread. The model and
  // pool must outlive the scheduler; nothing else may use the pool meanwhile.
  static Result<std::unique_ptr<Scheduler>> create(const Model& model, ThreadPool& pool,
                                                   const SchedulerOptions& options);
  // Stops the thread; requests still queued or running end with kCancelled.
  ~Scheduler();

  enum class SubmitError { kInvalid, kTooLong, kOverloaded };
  struct Refusal {
    SubmitError kind;
    std::string message;  // names the field: "prompt: 5000 tokens exceed the context of 4096"
  };
  // Queues a request; never blocks. Returns its id, or a Refusal: invalid parameters (kInvalid:
  // empty prompt, token id out of range, bad sampling values, logit_bias id out of range,
  // max_tokens == 0, top_logprobs > 20, an empty stop string, no sink), a prompt that does not
  // fit in a slot (kTooLong: prompt + 1 > n_ctx), or a full queue / shutting down (kOverloaded).
  // Requests waiting for a slot count against max_queue; running ones do not.
  struct Submitted {
    uint64_t id = 0;
    std::optional<Refusal> refusal;
    bool ok() const { return !refusal.has_value(); }
  };
  Submitted submit(GenerationRequest request, EventSink sink);

  // Ends a request (queued or running) at the next step: its sink gets kDone with kCancelled and
  // the slot is free for the next request. Unknown or finished ids are ignored. Any thread.
  void cancel(uint64_t id);

  SchedulerStats stats() const;
  const Model& model() const;
  int64_t n_ctx() const;  // positions per slot
  // Every token's bytes (built once by create(); shared with grammars and logprob formatting).
  std::shared_ptr<const TokenTexts> token_texts() const;

 private:
  struct Impl;
  explicit Scheduler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer
