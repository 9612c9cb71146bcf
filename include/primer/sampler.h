#pragma once
// Token sampling as a chain of small composable stages over a candidate list, and stop-string
// detection for streamed text. Used by `primer run` / `primer chat` and by the server.
//
//   logits -> [logit bias] -> [penalties] -> [top-k] -> [top-p] -> [min-p] -> [temperature]
//          -> terminal: greedy (argmax) or distribution (seeded RNG)
//
// Stages are pure functions of the candidates plus their own state (penalties remember the
// accepted tokens). Everything random draws from the chain's seeded RNG: the same seed and the
// same logits give the same tokens on every machine.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/error.h"

namespace primer {

struct TokenCandidate {
  int32_t id;
  float logit;
  float p;     // probability after the last normalizing stage (valid when Candidates::normalized)
};

struct Candidates {
  std::vector<TokenCandidate> items;
  bool sorted = false;      // items ordered by logit, descending
  bool normalized = false;  // p = softmax(logit) over items
  int32_t picked = -1;      // the token chosen by a terminal stage (greedy, distribution); -1: none

  // All tokens, unsorted, items[i].id == i. Reuses the vector's capacity (no allocation once
  // sized for the vocabulary).
  void reset(std::span<const float> logits);
  void sort();                                // descending by logit (ties: lower id first)
  void normalize();                           // softmax over items (sorts first)
};

class SamplerStage {
 public:
  virtual ~SamplerStage() = default;
  virtual std::string_view name() const = 0;
  virtual std::string describe() const { return std::string(name()); }  // name plus parameters
  virtual void apply(Candidates& c) = 0;
  virtual void accept(int32_t /*token*/) {}
  virtual void reset() {}
};

// Every field has the conventional neutral value that disables its stage.
struct SamplingParams {
  float temperature = 0.8f;           // <= 0: greedy
  int32_t top_k = 40;                 // <= 0: off
  float top_p = 0.95f;                // >= 1: off
  float min_p = 0.05f;                // <= 0: off
  float repeat_penalty = 1.0f;        // llama.cpp style: logit / p if > 0 else logit * p; 1: off
  int32_t repeat_last_n = 64;         // window for the three penalties (-1: whole history)
  float presence_penalty = 0.0f;      // OpenAI: logit -= presence * (count > 0)
  float frequency_penalty = 0.0f;     // OpenAI: logit -= frequency * count
  std::map<int32_t, float> logit_bias;  // added to the logit; -inf (or <= -100) bans a token
  uint64_t seed = 0;

  // Names the first out-of-range field (temperature < 0, top_p outside (0,1], min_p outside [0,1],
  // repeat_penalty <= 0, penalties outside [-2, 2], a non-finite bias).
  Status validate() const;
};

class Sampler {
 public:
  // The standard chain for `params` (stages whose parameter is neutral are left out).
  static std::unique_ptr<Sampler> from_params(const SamplingParams& params);
  // An explicit chain; the last stage must pick (greedy or distribution stages set `picked`).
  // Every DistributionStage in the chain is reseeded with `seed`.
  Sampler(std::vector<std::unique_ptr<SamplerStage>> stages, uint64_t seed);
  ~Sampler();

  // Runs the chain over `logits` (n_vocab floats) and returns the chosen token. Does not call
  // accept(): the caller accepts the token it keeps (it may discard it, e.g. on a stop string).
  int32_t sample(std::span<const float> logits);
  void accept(int32_t token);   // feeds penalties' history
  void reset();                 // clears history; reseeds the RNG with the original seed

  // Candidates after the last sample() (normalized on first access: sample() itself never sorts
  // or normalizes more than its stages need, e.g. greedy is one pass over the logits).
  const Candidates& candidates() const {
    if (!cand_.normalized) cand_.normalize();
    return cand_;
  }
  std::string describe() const;  // "penalties -> top-k(40) -> top-p(0.95) -> ... -> dist(seed=1)"

 private:
  std::vector<std::unique_ptr<SamplerStage>> stages_;
  mutable Candidates cand_;
  uint64_t seed_;
  bool greedy_only_ = false;  // the chain is one GreedyStage: sample() is a plain argmax
};

// ---- The stages (each in src/model/sampler_stages.cpp; behaviour as llama.cpp's samplers) ----

// Adds bias[id] to the logit of each listed token; a bias <= -100 (or -inf) bans the token
// (logit = -inf). Ids outside the candidate list are ignored.
class LogitBiasStage final : public SamplerStage {
 public:
  explicit LogitBiasStage(std::map<int32_t, float> bias);
  std::string_view name() const override { return "logit-bias"; }
  std::string describe() const override;
  void apply(Candidates& c) override;

 private:
  std::vector<std::pair<int32_t, float>> bias_;
};

// Repetition penalties over the last `last_n` accepted tokens (-1: the whole history, 0: off).
// For every token that occurs count > 0 times in the window (llama.cpp's penalties sampler):
//   logit = logit <= 0 ? logit * repeat : logit / repeat
//   logit -= count * frequency + presence
class PenaltiesStage final : public SamplerStage {
 public:
  PenaltiesStage(int32_t last_n, float repeat, float presence, float frequency);
  std::string_view name() const override { return "penalties"; }
  std::string describe() const override;
  void apply(Candidates& c) override;
  void accept(int32_t token) override;
  void reset() override;

 private:
  int32_t last_n_;
  float repeat_, presence_, frequency_;
  std::vector<int32_t> history_;   // ring buffer of the window (or the whole history when -1)
  size_t head_ = 0;                // next write position once the ring is full
  std::vector<int32_t> scratch_;   // sorted copy of the window, reused
};

// Keeps the k highest logits (k <= 0: all). Leaves the list sorted.
class TopKStage final : public SamplerStage {
 public:
  explicit TopKStage(int32_t k) : k_(k) {}
  std::string_view name() const override { return "top-k"; }
  std::string describe() const override;
  void apply(Candidates& c) override;

 private:
  int32_t k_;
};

// Nucleus: the smallest prefix (by probability, descending) whose cumulative probability is
// >= p; at least one token. p >= 1: off. Probabilities are those of the current candidates.
class TopPStage final : public SamplerStage {
 public:
  explicit TopPStage(float p) : p_(p) {}
  std::string_view name() const override { return "top-p"; }
  std::string describe() const override;
  void apply(Candidates& c) override;

 private:
  float p_;
};

// Keeps tokens with p >= min_p * p_max, i.e. logit >= max_logit + log(min_p) (llama.cpp
// compares logits). The most likely token always stays. min_p <= 0: off. Keeps the order.
class MinPStage final : public SamplerStage {
 public:
  explicit MinPStage(float min_p) : min_p_(min_p) {}
  std::string_view name() const override { return "min-p"; }
  std::string describe() const override;
  void apply(Candidates& c) override;

 private:
  float min_p_;
};

// logit /= t for t > 0; t <= 0 keeps only the most likely token (llama.cpp's temp_impl).
class TemperatureStage final : public SamplerStage {
 public:
  explicit TemperatureStage(float t) : t_(t) {}
  std::string_view name() const override { return "temp"; }
  std::string describe() const override;
  void apply(Candidates& c) override;

 private:
  float t_;
};

// Terminal: picks the highest logit (ties: lower id).
class GreedyStage final : public SamplerStage {
 public:
  std::string_view name() const override { return "greedy"; }
  void apply(Candidates& c) override;
};

// Terminal: normalizes, draws u in [0, 1) from its own xoroshiro128+ generator (state seeded
// with splitmix64(seed); platform-independent) and picks the first candidate, in sorted order,
// whose cumulative probability exceeds u. reset() restarts the sequence from the seed.
class DistributionStage final : public SamplerStage {
 public:
  explicit DistributionStage(uint64_t seed) { reseed(seed); }
  std::string_view name() const override { return "dist"; }
  std::string describe() const override;
  void apply(Candidates& c) override;
  void reset() override { reseed(seed_); }
  void reseed(uint64_t seed);
  double next_uniform();  // [0, 1), 53 random bits

 private:
  bool pick_unsorted(Candidates& c);  // false: not applicable (nothing drawn)
  uint64_t seed_ = 0;
  uint64_t state_[2] = {0, 0};
};

// log-softmax of `logits` at `token` (double accumulation): the log-probability the model gave it.
double token_logprob(std::span<const float> logits, int32_t token);

// Finds stop strings in streamed text that arrives in arbitrary pieces. Text that could still be
// the start of a stop string is held back until it is decided, so a stop string is never emitted,
// even when it spans token boundaries.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  struct Output {
    std::string text;     // safe to emit now
    bool stopped = false; // a stop string was completed; text holds everything before it
  };
  Output push(std::string_view piece);
  // At end of generation: the held-back text (never contains a full stop string).
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

}  // namespace primer
