// The sampler stages. Each mirrors the llama.cpp sampler of the same name (llama-sampling.cpp):
// truncations compare logits of the current candidates, probabilities are those of the current
// candidate set, and only terminal stages pick.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/hash.h"
#include "primer/sampler.h"

namespace primer {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::string fmt_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// Index of token `id` in c.items: direct when the list still has the reset() layout there
// (items[id].id == id, true before any truncation), otherwise a linear search. -1 if absent.
ptrdiff_t find_token(const Candidates& c, int32_t id) {
  if (id < 0) return -1;
  const size_t n = c.items.size();
  if (static_cast<size_t>(id) < n && c.items[static_cast<size_t>(id)].id == id) return id;
  for (size_t i = 0; i < n; ++i) {
    if (c.items[i].id == id) return static_cast<ptrdiff_t>(i);
  }
  return -1;
}

bool logit_before(const TokenCandidate& a, const TokenCandidate& b) {
  if (a.logit != b.logit) return a.logit > b.logit;
  return a.id < b.id;
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

// ---- Candidates ----

void Candidates::reset(std::span<const float> logits) {
  items.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    items[i] = TokenCandidate{static_cast<int32_t>(i), logits[i], 0.0f};
  }
  sorted = false;
  normalized = false;
  picked = -1;
}

void Candidates::sort() {
  if (sorted) return;
  std::sort(items.begin(), items.end(), logit_before);
  sorted = true;
}

void Candidates::normalize() {
  sort();
  if (items.empty()) return;
  const float max_logit = items[0].logit;
  if (max_logit == kNegInf) {  // every token banned: uniform, so the result stays well defined
    for (auto& t : items) t.p = 1.0f / static_cast<float>(items.size());
    normalized = true;
    return;
  }
  double sum = 0.0;
  for (auto& t : items) {
    t.p = std::exp(t.logit - max_logit);
    sum += t.p;
  }
  const double inv = 1.0 / sum;
  for (auto& t : items) t.p = static_cast<float>(t.p * inv);
  normalized = true;
}

// ---- LogitBias ----

LogitBiasStage::LogitBiasStage(std::map<int32_t, float> bias) : bias_(bias.begin(), bias.end()) {}

std::string LogitBiasStage::describe() const { return "logit-bias(" + std::to_string(bias_.size()) + ")"; }

void LogitBiasStage::apply(Candidates& c) {
  for (const auto& [id, b] : bias_) {
    const ptrdiff_t i = find_token(c, id);
    if (i < 0) continue;
    float& logit = c.items[static_cast<size_t>(i)].logit;
    logit = b <= -100.0f ? kNegInf : logit + b;
  }
  c.sorted = false;
  c.normalized = false;
}

// ---- Penalties ----

PenaltiesStage::PenaltiesStage(int32_t last_n, float repeat, float presence, float frequency)
    : last_n_(last_n), repeat_(repeat), presence_(presence), frequency_(frequency) {
  if (last_n_ > 0) {
    history_.reserve(static_cast<size_t>(last_n_));
    scratch_.reserve(static_cast<size_t>(last_n_));
  }
}

std::string PenaltiesStage::describe() const {
  return "penalties(last_n=" + std::to_string(last_n_) + ", repeat=" + fmt_float(repeat_) +
         ", presence=" + fmt_float(presence_) + ", frequency=" + fmt_float(frequency_) + ")";
}

void PenaltiesStage::accept(int32_t token) {
  if (last_n_ == 0) return;
  if (last_n_ < 0 || history_.size() < static_cast<size_t>(last_n_)) {
    history_.push_back(token);
    return;
  }
  history_[head_] = token;
  head_ = (head_ + 1) % history_.size();
}

void PenaltiesStage::reset() {
  history_.clear();
  head_ = 0;
}

void PenaltiesStage::apply(Candidates& c) {
  if (history_.empty()) return;
  if (repeat_ == 1.0f && presence_ == 0.0f && frequency_ == 0.0f) return;
  scratch_.assign(history_.begin(), history_.end());
  std::sort(scratch_.begin(), scratch_.end());
  for (size_t i = 0; i < scratch_.size();) {
    size_t j = i;
    while (j < scratch_.size() && scratch_[j] == scratch_[i]) ++j;
    const int32_t id = scratch_[i];
    const float count = static_cast<float>(j - i);
    i = j;
    const ptrdiff_t k = find_token(c, id);
    if (k < 0) continue;
    float& logit = c.items[static_cast<size_t>(k)].logit;
    logit = logit <= 0.0f ? logit * repeat_ : logit / repeat_;
    logit -= count * frequency_ + presence_;
  }
  c.sorted = false;
  c.normalized = false;
}

// ---- TopK ----

std::string TopKStage::describe() const { return "top-k(" + std::to_string(k_) + ")"; }

void TopKStage::apply(Candidates& c) {
  if (k_ <= 0) return;
  const size_t k = std::min(static_cast<size_t>(k_), c.items.size());
  if (!c.sorted) {
    std::partial_sort(c.items.begin(), c.items.begin() + static_cast<ptrdiff_t>(k), c.items.end(), logit_before);
  }
  c.items.resize(k);
  c.sorted = true;
  c.normalized = false;
}

// ---- TopP ----

std::string TopPStage::describe() const { return "top-p(" + fmt_float(p_) + ")"; }

void TopPStage::apply(Candidates& c) {
  if (p_ >= 1.0f || c.items.empty()) return;
  c.normalize();
  // float accumulation, as llama.cpp: the same cut on the same logits
  float cum = 0.0f;
  size_t keep = c.items.size();
  for (size_t i = 0; i < c.items.size(); ++i) {
    cum += c.items[i].p;
    if (cum >= p_) {
      keep = i + 1;
      break;
    }
  }
  if (keep < c.items.size()) {
    c.items.resize(keep);
    c.normalized = false;
  }
}

// ---- MinP ----

std::string MinPStage::describe() const { return "min-p(" + fmt_float(min_p_) + ")"; }

void MinPStage::apply(Candidates& c) {
  if (min_p_ <= 0.0f || c.items.empty()) return;
  float max_logit = kNegInf;
  for (const auto& t : c.items) max_logit = std::max(max_logit, t.logit);
  const float min_logit = max_logit + std::log(min_p_);
  size_t out = 0;
  for (size_t i = 0; i < c.items.size(); ++i) {
    if (c.items[i].logit >= min_logit) c.items[out++] = c.items[i];
  }
  if (out == 0) return;  // only when max_logit is -inf (all banned): keep the list as it is
  if (out < c.items.size()) {
    c.items.resize(out);
    c.normalized = false;
  }
}

// ---- Temperature ----

std::string TemperatureStage::describe() const { return "temp(" + fmt_float(t_) + ")"; }

void TemperatureStage::apply(Candidates& c) {
  if (c.items.empty()) return;
  if (t_ <= 0.0f) {
    size_t best = 0;
    for (size_t i = 1; i < c.items.size(); ++i) {
      if (logit_before(c.items[i], c.items[best])) best = i;
    }
    for (size_t i = 0; i < c.items.size(); ++i) {
      if (i != best) c.items[i].logit = kNegInf;
    }
  } else {
    for (auto& t : c.items) t.logit /= t_;  // order is preserved: `sorted` stays valid
  }
  c.normalized = false;
}

// ---- Greedy ----

void GreedyStage::apply(Candidates& c) {
  if (c.items.empty()) return;
  if (c.sorted) {
    c.picked = c.items[0].id;
    return;
  }
  size_t best = 0;
  for (size_t i = 1; i < c.items.size(); ++i) {
    if (logit_before(c.items[i], c.items[best])) best = i;
  }
  c.picked = c.items[best].id;
}

// ---- Distribution ----

std::string DistributionStage::describe() const { return "dist(seed=" + std::to_string(seed_) + ")"; }

void DistributionStage::reseed(uint64_t seed) {
  seed_ = seed;
  uint64_t x = seed;
  state_[0] = splitmix64(x);
  state_[1] = splitmix64(x);
  if (state_[0] == 0 && state_[1] == 0) state_[1] = 1;  // xoroshiro's one forbidden state
}

// xoroshiro128+ (Blackman & Vigna, 2018), top 53 bits as a double in [0, 1).
double DistributionStage::next_uniform() {
  const uint64_t s0 = state_[0];
  uint64_t s1 = state_[1];
  const uint64_t result = s0 + s1;
  s1 ^= s0;
  state_[0] = rotl(s0, 24) ^ s1 ^ (s1 << 16);
  state_[1] = rotl(s1, 37);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

void DistributionStage::apply(Candidates& c) {
  if (c.items.empty()) return;
  if (!c.sorted && c.items.size() > 256 && pick_unsorted(c)) return;
  c.normalize();
  const double u = next_uniform();
  double cum = 0.0;
  for (const auto& t : c.items) {
    cum += t.p;
    if (cum > u) {
      c.picked = t.id;
      return;
    }
  }
  // Rounding left the total just under u: the last token with p > 0.
  for (size_t i = c.items.size(); i-- > 0;) {
    if (c.items[i].p > 0.0f) {
      c.picked = c.items[i].id;
      return;
    }
  }
  c.picked = c.items[0].id;
}

// The same pick without sorting the whole list (150k candidates when no top-k ran): the
// normalizer is one unsorted pass, then the list is sorted in growing prefixes (partial_sort)
// only as far as the cumulative probability needs to reach u — usually a few hundred tokens.
// The probabilities are computed by the same formula as normalize(); only the order of the
// double-precision sum differs.
bool DistributionStage::pick_unsorted(Candidates& c) {
  auto& items = c.items;
  float max_logit = kNegInf;
  for (const auto& t : items) max_logit = std::max(max_logit, t.logit);
  if (max_logit == kNegInf) return false;  // every token banned: the sorted path's uniform rule
  const double u = next_uniform();
  double sum = 0.0;
  for (const auto& t : items) sum += std::exp(t.logit - max_logit);
  const double inv = 1.0 / sum;
  double cum = 0.0;
  size_t begin = 0, chunk = 64;
  int32_t last_positive = -1;
  while (begin < items.size()) {
    const size_t end = std::min(items.size(), begin + chunk);
    std::partial_sort(items.begin() + static_cast<ptrdiff_t>(begin), items.begin() + static_cast<ptrdiff_t>(end),
                      items.end(), logit_before);
    for (size_t i = begin; i < end; ++i) {
      items[i].p = static_cast<float>(static_cast<double>(std::exp(items[i].logit - max_logit)) * inv);
      if (items[i].p > 0.0f) last_positive = items[i].id;
      cum += items[i].p;
      if (cum > u) {
        c.picked = items[i].id;
        return true;
      }
    }
    begin = end;
    chunk *= 8;
  }
  c.sorted = true;  // every prefix was sorted: the whole list is
  c.picked = last_positive >= 0 ? last_positive : items[0].id;
  return true;
}

}  // namespace primer
