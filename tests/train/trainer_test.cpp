// Trainer, AdamW, clipping and the schedule against direct computations: the loss equals the
// cross-entropy of the trainer's own logits, results do not depend on the thread count,
// gradient accumulation over two half batches equals one full batch, AdamW matches the formula
// written out by hand, and lr_at follows its documented shape.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "primer/train.h"

namespace primer::train {
namespace {

TrainModel tiny_model(const std::string& arch, int64_t n_vocab = 31) {
  ModelShape shape;
  shape.arch = arch;
  shape.n_vocab = n_vocab;
  shape.n_embd = 32;
  shape.n_layer = 2;
  shape.n_head = 4;
  shape.n_head_kv = 2;
  shape.n_ff = 48;
  shape.n_ctx = 128;
  Result<TrainModel> m = TrainModel::create(shape);
  PRIMER_CHECK(m.ok());
  TrainModel model = std::move(m).value();
  model.init(3, 0.2f);
  return model;
}

struct Data {
  std::vector<int32_t> tokens, targets;
};

Data make_data(int64_t n_seq, int64_t T, int64_t V, int salt = 0) {
  Data d;
  for (int64_t i = 0; i < n_seq * T; ++i) {
    d.tokens.push_back(static_cast<int32_t>((i * 13 + 5 + salt) % V));
    d.targets.push_back(i % 7 == 6 ? -1 : static_cast<int32_t>((i * 11 + 2 + salt) % V));
  }
  return d;
}

TEST(Trainer, LossIsTheCrossEntropyOfItsOwnLogits) {
  TrainModel model = tiny_model("qwen2");
  const int64_t n_seq = 3, T = 70, V = model.shape().n_vocab;
  Data d = make_data(n_seq, T, V);
  ThreadPool pool(2);
  Trainer trainer(model, n_seq, T, pool);
  BatchView b{n_seq, T, d.tokens.data(), d.targets.data(), nullptr};
  std::vector<float> logits(n_seq * T * V);
  trainer.logits(b, logits);
  double ce = 0;
  int64_t n = 0;
  for (int64_t r = 0; r < n_seq * T; ++r) {
    if (d.targets[r] < 0) continue;
    const float* z = logits.data() + r * V;
    double mx = z[0], sum = 0;
    for (int64_t v = 1; v < V; ++v) mx = std::max(mx, static_cast<double>(z[v]));
    for (int64_t v = 0; v < V; ++v) sum += std::exp(z[v] - mx);
    ce += mx + std::log(sum) - z[d.targets[r]];
    ++n;
  }
  const StepStats st = trainer.evaluate(b);
  EXPECT_EQ(st.n_targets, n);
  EXPECT_NEAR(st.loss, ce / n, 1e-5 * std::abs(ce / n));
  EXPECT_NEAR(st.cross_entropy, st.loss, 1e-12);
  // A causal model: changing the last token of a sequence changes no earlier logits.
  d.tokens[T - 1] = (d.tokens[T - 1] + 1) % V;
  std::vector<float> logits2(logits.size());
  trainer.logits(b, logits2);
  for (int64_t i = 0; i < (T - 1) * V; ++i) ASSERT_EQ(logits[i], logits2[i]) << i;
  bool changed = false;
  for (int64_t i = (T - 1) * V; i < T * V; ++i) changed |= logits[i] != logits2[i];
  EXPECT_TRUE(changed);
}

TEST(Trainer, GradientsDoNotDependOnTheThreadCount) {
  for (const char* arch : {"llama", "qwen3"}) {
    TrainModel a = tiny_model(arch), b = tiny_model(arch);
    const int64_t n_seq = 2, T = 90;
    Data d = make_data(n_seq, T, a.shape().n_vocab);
    BatchView batch{n_seq, T, d.tokens.data(), d.targets.data(), nullptr};
    ThreadPool one(1), two(2);
    Trainer ta(a, n_seq, T, one), tb(b, n_seq, T, two);
    const StepStats sa = ta.forward_backward(batch), sb = tb.forward_backward(batch);
    EXPECT_EQ(sa.loss, sb.loss) << arch;
    size_t diff = 0;
    for (size_t i = 0; i < a.grads().size(); ++i) diff += a.grads()[i] != b.grads()[i];
    EXPECT_EQ(diff, 0u) << arch;
  }
}

TEST(Trainer, AccumulatingTwoHalvesEqualsOneBatch) {
  TrainModel full = tiny_model("llama"), acc = tiny_model("llama");
  const int64_t T = 20;
  Data d = make_data(2, T, full.shape().n_vocab);
  for (int32_t& t : d.targets) t = t < 0 ? 0 : t;  // equal target counts per half
  ThreadPool pool(2);
  Trainer tf(full, 2, T, pool), ta(acc, 1, T, pool);
  tf.forward_backward({2, T, d.tokens.data(), d.targets.data(), nullptr});
  ta.forward_backward({1, T, d.tokens.data(), d.targets.data(), nullptr}, {}, 0.5f);
  ta.forward_backward({1, T, d.tokens.data() + T, d.targets.data() + T, nullptr}, {}, 0.5f);
  for (size_t i = 0; i < full.grads().size(); ++i) {
    ASSERT_NEAR(full.grads()[i], acc.grads()[i], 1e-6f + 1e-4f * std::abs(full.grads()[i])) << i;
  }
}

TEST(Trainer, MaskedTargetsContributeNothing) {
  TrainModel model = tiny_model("llama");
  const int64_t T = 10;
  Data d = make_data(1, T, model.shape().n_vocab);
  std::fill(d.targets.begin(), d.targets.end(), -1);
  ThreadPool pool(2);
  Trainer trainer(model, 1, T, pool);
  const StepStats st = trainer.forward_backward({1, T, d.tokens.data(), d.targets.data(), nullptr});
  EXPECT_EQ(st.n_targets, 0);
  for (float g : model.grads()) ASSERT_EQ(g, 0.0f);
}

TEST(AdamW, MatchesTheFormulaWrittenOut) {
  TrainModel model = tiny_model("qwen2");
  for (size_t i = 0; i < model.grads().size(); ++i) model.grads()[i] = std::sin(static_cast<float>(i)) * 0.1f;
  const std::vector<float> p0(model.params().begin(), model.params().end());
  AdamWConfig cfg{0.9f, 0.95f, 1e-8f, 0.1f};
  AdamW opt(model, cfg);
  ThreadPool pool(2);
  const float lr = 0.01f;
  opt.step(model, lr, pool);
  opt.step(model, lr, pool);  // same gradient twice
  for (const ParamInfo& t : model.tensors()) {
    for (size_t j = 0; j < t.size(); j += 7) {
      const size_t i = t.offset + j;
      const double g = model.grads()[i];
      double p = p0[i], m = 0, v = 0;
      for (int step = 1; step <= 2; ++step) {
        if (t.matrix) p *= 1.0 - lr * cfg.weight_decay;
        m = cfg.beta1 * m + (1 - cfg.beta1) * g;
        v = cfg.beta2 * v + (1 - cfg.beta2) * g * g;
        const double mh = m / (1 - std::pow(cfg.beta1, step)), vh = v / (1 - std::pow(cfg.beta2, step));
        p -= lr * mh / (std::sqrt(vh) + cfg.eps);
      }
      ASSERT_NEAR(model.params()[i], p, 1e-6 + 1e-5 * std::abs(p)) << t.name << "[" << j << "]";
    }
  }
  EXPECT_EQ(opt.steps_taken(), 2);
}

TEST(ClipGradNorm, ScalesToTheLimitAndReportsTheNorm) {
  TrainModel model = tiny_model("llama");
  double expect = 0;
  for (size_t i = 0; i < model.grads().size(); ++i) {
    model.grads()[i] = 0.01f * static_cast<float>(i % 5);
    expect += static_cast<double>(model.grads()[i]) * model.grads()[i];
  }
  expect = std::sqrt(expect);
  ThreadPool pool(2);
  EXPECT_NEAR(clip_grad_norm(model, 0.0f, pool), expect, 1e-6 * expect);  // 0: no clipping
  EXPECT_NEAR(clip_grad_norm(model, 1.0f, pool), expect, 1e-6 * expect);
  EXPECT_NEAR(clip_grad_norm(model, 1.0f, pool), 1.0, 1e-5);
  model.grads()[3] = NAN;
  EXPECT_TRUE(std::isnan(clip_grad_norm(model, 1.0f, pool)));
}

TEST(LrSchedule, WarmupThenCosine) {
  EXPECT_FLOAT_EQ(lr_at(0, 10, 110, 1.0f, 0.1f), 0.1f);
  EXPECT_FLOAT_EQ(lr_at(9, 10, 110, 1.0f, 0.1f), 1.0f);
  EXPECT_FLOAT_EQ(lr_at(10, 10, 110, 1.0f, 0.1f), 1.0f);
  EXPECT_NEAR(lr_at(60, 10, 110, 1.0f, 0.1f), 0.55f, 1e-6);
  EXPECT_NEAR(lr_at(110, 10, 110, 1.0f, 0.1f), 0.1f, 1e-6);
  EXPECT_NEAR(lr_at(500, 10, 110, 1.0f, 0.1f), 0.1f, 1e-6);
  for (int64_t s = 11; s < 110; ++s) EXPECT_LE(lr_at(s, 10, 110, 1.0f, 0.1f), lr_at(s - 1, 10, 110, 1.0f, 0.1f));
}

TEST(ModelShape, ImpossibleShapesAreNamed) {
  ModelShape s;
  s.n_vocab = 100; s.n_embd = 100; s.n_layer = 2; s.n_head = 3; s.n_ff = 64;
  Status st = s.validate();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("n_embd 100 is not a multiple of n_head 3"), std::string::npos);
  s.n_head = 4; s.n_head_kv = 3;
  st = s.validate();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("n_head 4 is not a multiple of n_head_kv 3"), std::string::npos);
  s.n_head_kv = 2; s.arch = "gpt2";
  st = s.validate();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("arch 'gpt2'"), std::string::npos);
  s.arch = "llama"; s.n_ff = 0;
  st = s.validate();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("n_ff 0"), std::string::npos);
  s.n_ff = 64;
  st = s.validate();  // 100 / 4 = 25: RoPE needs an even head_dim
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("head_dim 25 is odd"), std::string::npos);
  s.head_dim = 0; s.n_embd = 96;
  EXPECT_TRUE(s.validate().ok()) << s.validate().error().message;
  EXPECT_EQ(s.head_dim, 24);
}

}  // namespace
}  // namespace primer::train
