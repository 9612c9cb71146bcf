// Finite-difference checks of the trainer's backward pass: each op on its own (rmsnorm, RoPE,
// SwiGLU, bias), then the whole model for every architecture, with and without distillation
// losses, probing parameters of every tensor. Central differences in float64 over the float32
// forward pass, so the tolerance is a few percent relative with an absolute floor; a wrong
// formula is off by far more.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "primer/train.h"
#include "train/ops.h"

namespace primer::train {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

void expect_close(double analytic, double numeric, const std::string& what) {
  const double tol = 2e-2 * std::max(std::abs(analytic), std::abs(numeric)) + 2e-3;
  EXPECT_NEAR(analytic, numeric, tol) << what;
}

TEST(GradCheckOps, RmsNorm) {
  ThreadPool pool(2);
  const int64_t rows = 3, n = 16;
  std::vector<float> x = random_vec(rows * n, 1), w = random_vec(n, 2), dy = random_vec(rows * n, 3);
  std::vector<float> y(rows * n), rstd(rows), dx(rows * n), dw(n, 0.0f);
  auto f = [&]() {
    rmsnorm_forward(pool, x.data(), w.data(), y.data(), rstd.data(), rows, n, 1e-5f);
    return dot(y, dy);
  };
  f();
  rmsnorm_backward(pool, x.data(), w.data(), rstd.data(), dy.data(), dx.data(), dw.data(), rows, n, false);
  const float eps = 1e-2f;
  for (size_t i = 0; i < x.size(); i += 5) {
    const float old = x[i];
    x[i] = old + eps; const double fp = f();
    x[i] = old - eps; const double fm = f();
    x[i] = old;
    expect_close(dx[i], (fp - fm) / (2 * eps), "dx[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const float old = w[i];
    w[i] = old + eps; const double fp = f();
    w[i] = old - eps; const double fm = f();
    w[i] = old;
    expect_close(dw[i], (fp - fm) / (2 * eps), "dw[" + std::to_string(i) + "]");
  }
}

TEST(GradCheckOps, RopeInverseIsTransposeForBothStyles) {
  ThreadPool pool(2);
  for (RopeStyle style : {RopeStyle::kNorm, RopeStyle::kNeox}) {
    RopeTable rope;
    rope.init(style, 10000.0f, 8, 5);
    const int64_t rows = 10, heads = 2;  // two sequences of 5
    std::vector<float> x = random_vec(rows * heads * 8, 4), w = random_vec(rows * heads * 8, 5);
    std::vector<float> rx = x, rw = w;
    rope.apply(pool, rx.data(), rows, 5, heads, false);
    rope.apply(pool, rw.data(), rows, 5, heads, true);
    // <R x, w> == <x, R^T w>: the inverse rotation is the backward of the forward one.
    EXPECT_NEAR(dot(rx, w), dot(x, rw), 1e-4);
    // Rotation keeps norms; position 0 is the identity.
    EXPECT_NEAR(dot(rx, rx), dot(x, x), 1e-3);
    for (int i = 0; i < 16; ++i) EXPECT_FLOAT_EQ(rx[i], x[i]);
  }
}

TEST(GradCheckOps, SwiGluAndBias) {
  ThreadPool pool(2);
  const int64_t n = 40;
  std::vector<float> g = random_vec(n, 6, 2.0f), u = random_vec(n, 7), dh = random_vec(n, 8), h(n);
  auto f = [&]() {
    swiglu_forward(pool, g.data(), u.data(), h.data(), n);
    return dot(h, dh);
  };
  std::vector<float> dg = dh, du(n);
  swiglu_backward(pool, g.data(), u.data(), dg.data(), du.data(), n);
  const float eps = 1e-2f;
  for (int64_t i = 0; i < n; ++i) {
    for (auto [vec, grad] : {std::pair{&g, &dg}, std::pair{&u, &du}}) {
      const float old = (*vec)[i];
      (*vec)[i] = old + eps; const double fp = f();
      (*vec)[i] = old - eps; const double fm = f();
      (*vec)[i] = old;
      expect_close((*grad)[i], (fp - fm) / (2 * eps), "swiglu " + std::to_string(i));
    }
  }
  std::vector<float> db(4, 0.0f), dy = random_vec(12, 9);
  bias_backward(pool, dy.data(), db.data(), 3, 4);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(db[i], dy[i] + dy[4 + i] + dy[8 + i], 1e-6);
}

struct ModelCase {
  std::string arch;
  bool tied;
  LossConfig loss;
  const char* label;
  int64_t seq_len = 6;  // > 64 spans several causal-attention blocks
};

void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.label; }

class GradCheckModel : public ::testing::TestWithParam<ModelCase> {};

TEST_P(GradCheckModel, EveryTensorMatchesFiniteDifferences) {
  const ModelCase& c = GetParam();
  ModelShape shape;
  shape.arch = c.arch;
  shape.n_vocab = 23;
  shape.n_embd = 16;
  shape.n_layer = 2;
  shape.n_head = 4;
  shape.n_head_kv = 2;
  shape.n_ff = 24;
  shape.n_ctx = std::max<int64_t>(8, c.seq_len);
  shape.tied_embeddings = c.tied;
  Result<TrainModel> created = TrainModel::create(shape);
  ASSERT_TRUE(created.ok()) << created.error().message;
  TrainModel model = std::move(created).value();
  model.init(7, 0.3f);
  // Norm weights and biases away from their init so their gradients are generic.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> jitter(-0.3f, 0.3f);
  for (const ParamInfo& t : model.tensors()) {
    if (!t.matrix) for (size_t i = 0; i < t.size(); ++i) model.param(t)[i] += jitter(rng);
  }
  const int64_t n_seq = 2, T = c.seq_len, k = 4;
  std::vector<int32_t> tokens(n_seq * T), targets(n_seq * T), ids(n_seq * T * k);
  std::vector<float> lps(n_seq * T * k);
  for (int64_t i = 0; i < n_seq * T; ++i) {
    tokens[i] = static_cast<int32_t>((i * 7 + 3) % shape.n_vocab);
    targets[i] = i % 5 == 4 ? -1 : static_cast<int32_t>((i * 5 + 1) % shape.n_vocab);
    // Teacher: k distinct ids with descending log-probs summing below 1.
    for (int64_t j = 0; j < k; ++j) {
      ids[i * k + j] = static_cast<int32_t>((i * 3 + j * 5) % shape.n_vocab);
      lps[i * k + j] = std::log(0.5f / static_cast<float>(1 << j));
    }
  }
  TeacherTopK teacher{static_cast<int>(k), ids.data(), lps.data()};
  BatchView batch{n_seq, T, tokens.data(), targets.data(), &teacher};
  ThreadPool pool(2);
  Trainer trainer(model, n_seq, T, pool);
  model.zero_grads();
  const StepStats st = trainer.forward_backward(batch, c.loss);
  ASSERT_TRUE(std::isfinite(st.loss));
  int64_t expected_targets = 0;
  for (int32_t t : targets) expected_targets += t >= 0;
  EXPECT_EQ(st.n_targets, expected_targets);
  const std::vector<float> analytic(model.grads().begin(), model.grads().end());
  const float eps = 3e-3f;
  int checked = 0;
  for (const ParamInfo& t : model.tensors()) {
    for (size_t probe = 0; probe < 3; ++probe) {
      const size_t i = t.offset + (probe * 7919 + 13) % t.size();
      float& p = model.params()[i];
      const float old = p;
      p = old + eps; const double fp = trainer.evaluate(batch, c.loss).loss;
      p = old - eps; const double fm = trainer.evaluate(batch, c.loss).loss;
      p = old;
      expect_close(analytic[i], (fp - fm) / (2 * eps), t.name + "[" + std::to_string(i - t.offset) + "]");
      ++checked;
    }
  }
  EXPECT_GE(checked, 3 * 9 * 2);
}

LossConfig distill(KlDirection kl) {
  LossConfig l;
  l.distill_weight = 0.6f;
  l.temperature = 2.0f;
  l.kl = kl;
  return l;
}

INSTANTIATE_TEST_SUITE_P(
    Archs, GradCheckModel,
    ::testing::Values(ModelCase{"llama", true, {}, "llama_tied"}, ModelCase{"qwen2", false, {}, "qwen2_untied"},
                      ModelCase{"qwen3", true, {}, "qwen3_tied"},
                      ModelCase{"llama", false, distill(KlDirection::kForward), "distill_forward"},
                      ModelCase{"llama", true, distill(KlDirection::kReverse), "distill_reverse"},
                      ModelCase{"qwen2", true, distill(KlDirection::kMixed), "distill_mixed"},
                      ModelCase{"llama", true, {}, "llama_three_attention_blocks", 150}),
    [](const ::testing::TestParamInfo<ModelCase>& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace primer::train
