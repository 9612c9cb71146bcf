// Each sampler stage against hand-computed expectations (the rules of llama.cpp's samplers).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "primer/sampler.h"

namespace primer {
namespace {

std::vector<int32_t> ids(const Candidates& c) {
  std::vector<int32_t> out;
  for (const auto& t : c.items) out.push_back(t.id);
  return out;
}

Candidates make(const std::vector<float>& logits) {
  Candidates c;
  c.reset(logits);
  return c;
}

// Logits whose softmax is exactly `p` (up to rounding).
std::vector<float> logits_for(const std::vector<double>& p) {
  std::vector<float> l;
  for (double v : p) l.push_back(static_cast<float>(std::log(v)));
  return l;
}

TEST(Candidates, ResetSortNormalize) {
  Candidates c = make({1.0f, 3.0f, 2.0f, 3.0f});
  EXPECT_EQ(ids(c), (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_FALSE(c.sorted);
  c.normalize();
  EXPECT_TRUE(c.sorted);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{1, 3, 2, 0}));  // ties: lower id first
  const double z = std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0);
  EXPECT_NEAR(c.items[0].p, std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(c.items[2].p, std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(c.items[3].p, std::exp(1.0) / z, 1e-6);
  // reset reuses the storage and restores the identity layout
  c.reset(std::vector<float>{5.0f, 4.0f});
  EXPECT_EQ(ids(c), (std::vector<int32_t>{0, 1}));
  EXPECT_FALSE(c.sorted);
  EXPECT_EQ(c.picked, -1);
}

TEST(TopK, KeepsKHighestSorted) {
  Candidates c = make({1, 3, 2, 5, 4});
  TopKStage(2).apply(c);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{3, 4}));
  EXPECT_TRUE(c.sorted);

  Candidates all = make({1, 3, 2});
  TopKStage(10).apply(all);
  EXPECT_EQ(ids(all), (std::vector<int32_t>{1, 2, 0}));

  Candidates off = make({1, 3, 2});
  TopKStage(0).apply(off);
  EXPECT_EQ(ids(off), (std::vector<int32_t>{0, 1, 2}));
}

TEST(TopP, SmallestPrefixReachingP) {
  const auto l = logits_for({0.05, 0.5, 0.15, 0.3});
  auto kept = [&](float p) {
    Candidates c = make(l);
    TopPStage(p).apply(c);
    return ids(c);
  };
  EXPECT_EQ(kept(0.4f), (std::vector<int32_t>{1}));
  EXPECT_EQ(kept(0.75f), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(kept(0.81f), (std::vector<int32_t>{1, 3, 2}));
  EXPECT_EQ(kept(0.96f), (std::vector<int32_t>{1, 3, 2, 0}));
  EXPECT_EQ(kept(1.0f), (std::vector<int32_t>{0, 1, 2, 3}));  // off: untouched
  EXPECT_EQ(kept(1e-6f), (std::vector<int32_t>{1}));          // at least one
}

TEST(TopP, UsesProbabilitiesOfTheCurrentCandidates) {
  // After top-k(2) the two survivors have p = 0.625 / 0.375, so top-p(0.6) keeps one.
  Candidates c = make(logits_for({0.5, 0.3, 0.2}));
  TopKStage(2).apply(c);
  TopPStage(0.6f).apply(c);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{0}));
}

TEST(MinP, KeepsTokensAboveFractionOfMax) {
  const auto l = logits_for({0.05, 0.5, 0.15, 0.3});
  auto kept = [&](float m) {
    Candidates c = make(l);
    MinPStage(m).apply(c);
    return ids(c);
  };
  EXPECT_EQ(kept(0.2f), (std::vector<int32_t>{1, 2, 3}));   // p >= 0.1, original order kept
  EXPECT_EQ(kept(0.09f), (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(kept(0.61f), (std::vector<int32_t>{1}));
  EXPECT_EQ(kept(1.0f), (std::vector<int32_t>{1}));
  EXPECT_EQ(kept(0.0f), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(Temperature, ScalesLogitsOrKeepsArgmax) {
  Candidates c = make({1.0f, -2.0f, 4.0f});
  TemperatureStage(0.5f).apply(c);
  EXPECT_FLOAT_EQ(c.items[0].logit, 2.0f);
  EXPECT_FLOAT_EQ(c.items[1].logit, -4.0f);
  EXPECT_FLOAT_EQ(c.items[2].logit, 8.0f);

  Candidates z = make({1.0f, 4.0f, 4.0f, 2.0f});
  TemperatureStage(0.0f).apply(z);
  EXPECT_EQ(z.items[1].logit, 4.0f);  // the first of the tied maxima survives
  for (size_t i : {0u, 2u, 3u}) EXPECT_EQ(z.items[i].logit, -std::numeric_limits<float>::infinity());
}

TEST(Greedy, IsArgmaxWithLowestIdOnTies) {
  uint64_t x = 12345;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> l(97);
    for (auto& v : l) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      v = static_cast<float>((x >> 40) % 1000) / 100.0f;  // many ties
    }
    size_t best = 0;
    for (size_t i = 1; i < l.size(); ++i) {
      if (l[i] > l[best]) best = i;
    }
    Candidates c = make(l);
    GreedyStage().apply(c);
    EXPECT_EQ(c.picked, static_cast<int32_t>(best));
    Candidates s = make(l);
    s.sort();
    GreedyStage().apply(s);
    EXPECT_EQ(s.picked, static_cast<int32_t>(best));
  }
}

TEST(Penalties, ArithmeticOverTheWindow) {
  // history 0 1 1 2: counts {0:1, 1:2, 2:1}; token 3 unseen.
  PenaltiesStage pen(/*last_n=*/-1, /*repeat=*/2.0f, /*presence=*/0.5f, /*frequency=*/0.1f);
  for (int32_t t : {0, 1, 1, 2}) pen.accept(t);
  Candidates c = make({2.0f, -1.0f, 0.5f, 3.0f});
  pen.apply(c);
  EXPECT_FLOAT_EQ(c.items[0].logit, 2.0f / 2 - 0.1f - 0.5f);
  EXPECT_FLOAT_EQ(c.items[1].logit, -1.0f * 2 - 0.2f - 0.5f);
  EXPECT_FLOAT_EQ(c.items[2].logit, 0.5f / 2 - 0.1f - 0.5f);
  EXPECT_FLOAT_EQ(c.items[3].logit, 3.0f);

  // A window of 2 sees only the last two accepted tokens (1, 2).
  PenaltiesStage win(2, 2.0f, 0.0f, 0.0f);
  for (int32_t t : {0, 1, 1, 2}) win.accept(t);
  Candidates w = make({2.0f, -1.0f, 0.5f, 3.0f});
  win.apply(w);
  EXPECT_FLOAT_EQ(w.items[0].logit, 2.0f);
  EXPECT_FLOAT_EQ(w.items[1].logit, -2.0f);
  EXPECT_FLOAT_EQ(w.items[2].logit, 0.25f);

  win.reset();
  Candidates r = make({2.0f, -1.0f, 0.5f, 3.0f});
  win.apply(r);
  EXPECT_FLOAT_EQ(r.items[1].logit, -1.0f);
}

TEST(Penalties, FindsTokensAfterReordering) {
  PenaltiesStage pen(-1, 1.0f, 1.0f, 0.0f);
  pen.accept(2);
  Candidates c = make({1.0f, 2.0f, 3.0f});
  c.sort();  // ids no longer at their own index
  pen.apply(c);
  for (const auto& t : c.items) {
    if (t.id == 2) {
      EXPECT_FLOAT_EQ(t.logit, 2.0f);
    }
  }
}

TEST(LogitBias, AddsAndBans) {
  Candidates c = make({1.0f, 5.0f, 2.0f});
  LogitBiasStage({{0, 0.5f}, {1, -100.0f}, {7, 3.0f}}).apply(c);  // id 7 is out of range: ignored
  EXPECT_FLOAT_EQ(c.items[0].logit, 1.5f);
  EXPECT_EQ(c.items[1].logit, -std::numeric_limits<float>::infinity());
  EXPECT_FLOAT_EQ(c.items[2].logit, 2.0f);

  SamplingParams p;
  p.temperature = 0.0f;
  p.logit_bias = {{1, -std::numeric_limits<float>::infinity()}};
  auto s = Sampler::from_params(p);
  EXPECT_EQ(s->sample(std::vector<float>{1.0f, 5.0f, 2.0f}), 2);

  // A banned token is never drawn by the distribution either.
  SamplingParams q;
  q.temperature = 1.0f;
  q.top_k = 0;
  q.top_p = 1.0f;
  q.min_p = 0.0f;
  q.logit_bias = {{1, -100.0f}};
  auto d = Sampler::from_params(q);
  for (int i = 0; i < 2000; ++i) EXPECT_NE(d->sample(std::vector<float>{1.0f, 5.0f, 2.0f}), 1);
}

TEST(TokenLogprob, IsLogSoftmax) {
  const std::vector<float> l = {0.5f, -1.0f, 2.0f, 0.0f};
  const double z = std::exp(0.5) + std::exp(-1.0) + std::exp(2.0) + std::exp(0.0);
  for (int32_t t = 0; t < 4; ++t) EXPECT_NEAR(token_logprob(l, t), l[t] - std::log(z), 1e-12);
  // large logits do not overflow
  EXPECT_NEAR(token_logprob(std::vector<float>{1000.0f, 1000.0f}, 0), std::log(0.5), 1e-12);
}

}  // namespace
}  // namespace primer
