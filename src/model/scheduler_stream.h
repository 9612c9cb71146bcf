// One admitted request's generation state inside the Scheduler: its sampler, grammar matcher,
// detokenizer, stop strings and logprob bookkeeping, and the events it sends. It follows
// `generate()` (src/cli/generation.cpp) step for step, so a greedy request served alone gives the
// same tokens and text as `primer run`. Owner thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "primer/grammar.h"
#include "primer/sampler.h"
#include "primer/scheduler.h"
#include "primer/tokenizer.h"

namespace primer::sched {

using Clock = std::chrono::steady_clock;

// A request as submit() accepted it.
struct Pending {
  uint64_t id = 0;
  GenerationRequest req;
  EventSink sink;
  Clock::time_point submitted;
};

// Read-only helpers shared by every stream (owned by the scheduler).
struct StreamSummary;
struct StreamEnv {
  const Tokenizer* tok = nullptr;
  // Called just before a stream sends its kDone event (the counters are current when a client
  // sees the end of its request).
  std::function<void(const StreamSummary&)> on_finish;
  std::vector<int32_t> eos_ids;
  std::shared_ptr<const TokenTexts> texts;  // each token's bytes (logprobs, grammar)
};

// What a finished stream reports for the counters.
struct StreamSummary {
  uint64_t id = 0;
  FinishReason finish = FinishReason::kStop;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t completion_tokens = 0;
};

class Stream {
 public:
  // `cached_tokens`: prompt tokens already in the slot's KV cache (not recomputed).
  Stream(Pending pending, const StreamEnv& env, int64_t cached_tokens);

  uint64_t id() const { return p_.id; }
  const std::vector<int32_t>& prompt() const { return p_.req.prompt; }

  // Samples the next token from `logits` (the raw next-token logits after the newest decoded
  // token; `kv_len` positions are now in the slot, of at most `n_ctx`) and sends its text.
  // Returns the token to decode next, or nullopt when the request ended (then done() is true and
  // the kDone event has been sent).
  std::optional<int32_t> on_logits(std::span<const float> logits, int64_t kv_len, int64_t n_ctx);

  // Ends the request now (cancel, shutdown, decode error): sends kDone without flushing held text.
  void abort(FinishReason reason, std::string error = {});

  bool done() const { return done_; }
  StreamSummary summary() const;
  // Seconds from submit() to the first sampled token, once; nullopt otherwise.
  std::optional<double> take_ttft();

 private:
  int32_t sample(std::span<const float> logits);
  TokenLogprob make_logprob(std::span<const float> logits, int32_t token) const;
  void push_text(const std::string& piece);          // decoder output -> stop matcher -> delta
  void emit(std::string text, bool all_logprobs);    // sends a delta (if anything to send)
  void finish(FinishReason reason, bool flush);

  Pending p_;
  const StreamEnv& env_;
  std::unique_ptr<Sampler> sampler_;
  std::optional<GrammarMatcher> matcher_;
  StreamDecoder decoder_;
  StopMatcher stop_;
  std::vector<float> masked_;    // [n_vocab] logits with the grammar's mask (on demand)

  int64_t cached_tokens_ = 0;
  int64_t n_generated_ = 0;      // tokens kept (EOS excluded), as generate() counts them
  bool done_ = false;
  FinishReason finish_ = FinishReason::kStop;
  std::optional<double> ttft_;
  bool ttft_taken_ = false;

  // Logprobs wait until the text they complete is emitted: decoded_end_[i] is the byte offset in
  // the decoded stream where pending_lp_[i]'s text ends (kUnknown while the decoder holds it).
  static constexpr uint64_t kUnknown = ~uint64_t{0};
  std::vector<TokenLogprob> pending_lp_;
  std::vector<uint64_t> decoded_end_;
  uint64_t decoded_bytes_ = 0;   // bytes out of the decoder
  uint64_t emitted_bytes_ = 0;   // bytes sent in deltas
};

}  // namespace primer::sched
