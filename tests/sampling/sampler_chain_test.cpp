// The sampler chain: construction from params, determinism with a seed, the empirical
// distribution of the terminal draw against softmax, and parameter validation.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "primer/sampler.h"

namespace primer {
namespace {

std::vector<float> test_logits(size_t n, uint64_t seed) {
  std::vector<float> l(n);
  for (auto& v : l) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<float>((seed >> 33) % 10000) / 2000.0f - 2.5f;
  }
  return l;
}

SamplingParams plain(float temp) {
  SamplingParams p;
  p.temperature = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

TEST(Sampler, FromParamsBuildsTheStandardChain) {
  SamplingParams p;
  p.seed = 7;
  p.repeat_penalty = 1.1f;
  EXPECT_EQ(Sampler::from_params(p)->describe(),
            "penalties(last_n=64, repeat=1.1, presence=0, frequency=0) -> top-k(40) -> top-p(0.95) -> "
            "min-p(0.05) -> temp(0.8) -> dist(seed=7)");
  SamplingParams g;
  g.temperature = 0.0f;
  EXPECT_EQ(Sampler::from_params(g)->describe(), "greedy");
}

TEST(Sampler, GreedyIsArgmax) {
  auto s = Sampler::from_params(plain(0.0f));
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const auto l = test_logits(300, seed);
    size_t best = 0;
    for (size_t i = 1; i < l.size(); ++i) {
      if (l[i] > l[best]) best = i;
    }
    EXPECT_EQ(s->sample(l), static_cast<int32_t>(best));
  }
}

TEST(Sampler, SameSeedSameTokensResetReplays) {
  SamplingParams p;  // the default chain: top-k 40, top-p 0.95, min-p 0.05, temp 0.8
  p.top_k = 0;       // widen so the draws vary
  p.min_p = 0.0f;
  p.temperature = 1.5f;
  p.seed = 1234;
  auto run = [&](Sampler& s) {
    std::vector<int32_t> out;
    for (uint64_t i = 0; i < 64; ++i) {
      const int32_t t = s.sample(test_logits(50, i + 1));
      s.accept(t);
      out.push_back(t);
    }
    return out;
  };
  auto a = Sampler::from_params(p);
  auto b = Sampler::from_params(p);
  const auto ta = run(*a);
  EXPECT_EQ(ta, run(*b));
  a->reset();
  EXPECT_EQ(ta, run(*a));
  p.seed = 1235;
  auto c = Sampler::from_params(p);
  EXPECT_NE(ta, run(*c));
  // The draws are spread out, not a constant.
  int distinct = 0;
  for (size_t i = 1; i < ta.size(); ++i) distinct += ta[i] != ta[0];
  EXPECT_GT(distinct, 10);
}

TEST(Sampler, RngIsPlatformIndependent) {
  // xoroshiro128+ seeded by splitmix64(42): fixed values, the same on every machine.
  DistributionStage d(42);
  const double u0 = d.next_uniform();
  const double u1 = d.next_uniform();
  DistributionStage e(42);
  EXPECT_EQ(u0, e.next_uniform());
  EXPECT_EQ(u1, e.next_uniform());
  EXPECT_GE(u0, 0.0);
  EXPECT_LT(u0, 1.0);
  // splitmix64(42) -> 0xBDD732262FEB6E95, 0x28EFE333B266F103; sum >> 11 * 2^-53:
  const uint64_t s0 = 0xBDD732262FEB6E95ull, s1 = 0x28EFE333B266F103ull;
  EXPECT_EQ(u0, static_cast<double>((s0 + s1) >> 11) * 0x1.0p-53);
}

TEST(Sampler, DistributionMatchesSoftmax) {
  const std::vector<float> logits = {0.0f, 1.0f, -1.0f, 2.0f, 0.5f, -3.0f, 1.5f, 0.2f};
  const float temp = 0.7f;
  std::vector<double> p(logits.size());
  double z = 0;
  for (size_t i = 0; i < logits.size(); ++i) z += p[i] = std::exp(logits[i] / temp);
  for (auto& v : p) v /= z;

  auto s = Sampler::from_params(plain(temp));
  const int n = 100000;
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[static_cast<size_t>(s->sample(logits))];
  double chi2 = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double e = n * p[i];
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  // 7 degrees of freedom: P(chi2 > 24.3) = 0.001.
  EXPECT_LT(chi2, 24.3) << "empirical distribution departs from softmax";
  // And the bound is tight enough to notice a wrong temperature.
  std::vector<double> q(logits.size());
  double zq = 0;
  for (size_t i = 0; i < logits.size(); ++i) zq += q[i] = std::exp(logits[i]);
  double chi2_wrong = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    const double e = n * q[i] / zq;
    chi2_wrong += (counts[i] - e) * (counts[i] - e) / e;
  }
  EXPECT_GT(chi2_wrong, 100.0);
}

TEST(Sampler, TruncatedDistributionOnlyDrawsSurvivors) {
  SamplingParams p = plain(1.0f);
  p.top_k = 3;
  auto s = Sampler::from_params(p);
  const std::vector<float> l = {0.1f, 0.9f, 0.5f, 0.8f, 0.0f, 0.7f};  // top-3: ids 1, 3, 5
  std::vector<int> counts(l.size(), 0);
  for (int i = 0; i < 3000; ++i) ++counts[static_cast<size_t>(s->sample(l))];
  EXPECT_EQ(counts[0] + counts[2] + counts[4], 0);
  EXPECT_GT(counts[1], 0);
  EXPECT_GT(counts[3], 0);
  EXPECT_GT(counts[5], 0);
  // candidates() after sample: normalized over the survivors
  double sum = 0;
  for (const auto& t : s->candidates().items) sum += t.p;
  EXPECT_EQ(s->candidates().items.size(), 3u);
  EXPECT_NEAR(sum, 1.0, 1e-6);
}

TEST(Sampler, PenaltiesSteerAwayFromRepeats) {
  SamplingParams p = plain(0.0f);
  p.presence_penalty = 2.0f;
  auto s = Sampler::from_params(p);
  const std::vector<float> l = {3.0f, 2.0f, 0.0f};
  EXPECT_EQ(s->sample(l), 0);
  s->accept(0);
  EXPECT_EQ(s->sample(l), 1);  // 3 - 2 < 2
  s->accept(1);
  EXPECT_EQ(s->sample(l), 0);  // 1 vs 0 vs 0
  s->reset();
  EXPECT_EQ(s->sample(l), 0);
}

TEST(SamplingParams, ValidateNamesTheField) {
  EXPECT_TRUE(SamplingParams{}.validate().ok());
  auto err = [](auto mutate) {
    SamplingParams p;
    mutate(p);
    Status s = p.validate();
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_NE(err([](SamplingParams& p) { p.temperature = -0.1f; }).find("temperature"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.top_p = 0.0f; }).find("top_p"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.top_p = 1.5f; }).find("top_p"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.min_p = -0.5f; }).find("min_p"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.repeat_penalty = 0.0f; }).find("repeat_penalty"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.presence_penalty = 2.5f; }).find("presence_penalty"), std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.frequency_penalty = -3.0f; }).find("frequency_penalty"),
            std::string::npos);
  EXPECT_NE(err([](SamplingParams& p) { p.logit_bias[5] = NAN; }).find("logit_bias[5]"), std::string::npos);
  EXPECT_EQ(err([](SamplingParams& p) { p.logit_bias[5] = -INFINITY; }), "ok");
  EXPECT_EQ(err([](SamplingParams& p) { p.temperature = 0.0f; }), "ok");
}

}  // namespace
}  // namespace primer
