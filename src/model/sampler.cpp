// The sampler chain, its parameters' validation, and token log-probabilities.
#include <algorithm>
#include <cmath>
#include <string>

#include "primer/sampler.h"

namespace primer {

Status SamplingParams::validate() const {
  auto bad = [](const char* field, double v, const char* want) {
    return make_error("[sampling] %s = %g: must be %s", field, v, want);
  };
  if (!std::isfinite(temperature) || temperature < 0.0f) return bad("temperature", temperature, ">= 0");
  if (!(top_p > 0.0f && top_p <= 1.0f)) return bad("top_p", top_p, "in (0, 1]");
  if (!(min_p >= 0.0f && min_p <= 1.0f)) return bad("min_p", min_p, "in [0, 1]");
  if (!std::isfinite(repeat_penalty) || repeat_penalty <= 0.0f) return bad("repeat_penalty", repeat_penalty, "> 0");
  if (repeat_last_n < -1) return bad("repeat_last_n", repeat_last_n, ">= -1");
  if (!(presence_penalty >= -2.0f && presence_penalty <= 2.0f)) {
    return bad("presence_penalty", presence_penalty, "in [-2, 2]");
  }
  if (!(frequency_penalty >= -2.0f && frequency_penalty <= 2.0f)) {
    return bad("frequency_penalty", frequency_penalty, "in [-2, 2]");
  }
  for (const auto& [id, b] : logit_bias) {
    if (id < 0) return make_error("[sampling] logit_bias: token id %d is negative", id);
    // -inf bans a token; NaN and +inf have no meaning
    if (std::isnan(b) || b == INFINITY) {
      return make_error("[sampling] logit_bias[%d] = %g: must be finite or -inf", id, static_cast<double>(b));
    }
  }
  return ok_status();
}

std::unique_ptr<Sampler> Sampler::from_params(const SamplingParams& p) {
  std::vector<std::unique_ptr<SamplerStage>> stages;
  if (!p.logit_bias.empty()) stages.push_back(std::make_unique<LogitBiasStage>(p.logit_bias));
  if (p.repeat_last_n != 0 &&
      (p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f)) {
    stages.push_back(
        std::make_unique<PenaltiesStage>(p.repeat_last_n, p.repeat_penalty, p.presence_penalty, p.frequency_penalty));
  }
  if (p.temperature <= 0.0f) {
    // Truncations never remove the argmax, so greedy needs none of them.
    stages.push_back(std::make_unique<GreedyStage>());
  } else {
    if (p.top_k > 0) stages.push_back(std::make_unique<TopKStage>(p.top_k));
    if (p.top_p < 1.0f) stages.push_back(std::make_unique<TopPStage>(p.top_p));
    if (p.min_p > 0.0f) stages.push_back(std::make_unique<MinPStage>(p.min_p));
    if (p.temperature != 1.0f) stages.push_back(std::make_unique<TemperatureStage>(p.temperature));
    stages.push_back(std::make_unique<DistributionStage>(p.seed));
  }
  return std::make_unique<Sampler>(std::move(stages), p.seed);
}

Sampler::Sampler(std::vector<std::unique_ptr<SamplerStage>> stages, uint64_t seed)
    : stages_(std::move(stages)), seed_(seed) {
  PRIMER_CHECK(!stages_.empty());
  for (auto& s : stages_) {
    if (auto* d = dynamic_cast<DistributionStage*>(s.get())) d->reseed(seed_);
  }
  greedy_only_ = stages_.size() == 1 && dynamic_cast<GreedyStage*>(stages_[0].get()) != nullptr;
}

Sampler::~Sampler() = default;

int32_t Sampler::sample(std::span<const float> logits) {
  PRIMER_CHECK(!logits.empty());
  if (greedy_only_) {
    // Plain greedy decoding (the server's temperature 0): one pass over the logits, no
    // candidate list. candidates() then holds the picked token alone, as after greedy.
    size_t best = 0;
    for (size_t i = 1; i < logits.size(); ++i) {
      if (logits[i] > logits[best]) best = i;  // ties: the lower id, as GreedyStage
    }
    cand_.items.assign(1, TokenCandidate{static_cast<int32_t>(best), logits[best], 1.0f});
    cand_.sorted = cand_.normalized = true;
    cand_.picked = static_cast<int32_t>(best);
    return cand_.picked;
  }
  cand_.reset(logits);
  for (auto& s : stages_) s->apply(cand_);
  PRIMER_CHECK(cand_.picked >= 0);  // the chain must end with a picking stage
  return cand_.picked;
}

void Sampler::accept(int32_t token) {
  for (auto& s : stages_) s->accept(token);
}

void Sampler::reset() {
  for (auto& s : stages_) s->reset();
}

std::string Sampler::describe() const {
  std::string out;
  for (const auto& s : stages_) {
    if (!out.empty()) out += " -> ";
    out += s->describe();
  }
  return out;
}

double token_logprob(std::span<const float> logits, int32_t token) {
  PRIMER_CHECK(token >= 0 && static_cast<size_t>(token) < logits.size());
  double max_logit = -INFINITY;
  for (float l : logits) max_logit = std::max(max_logit, static_cast<double>(l));
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
  return (static_cast<double>(logits[static_cast<size_t>(token)]) - max_logit) - std::log(sum);
}

}  // namespace primer
