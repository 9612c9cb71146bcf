// The trainer against PyTorch (float64) on tiny models of each architecture: logits, loss, every
// gradient, clip_grad_norm, one AdamW step, a 10-step run with the lr schedule, and the
// distillation losses (forward / reverse / mixed KL). The goldens in tests/golden/train/ were
// made by scripts/gen-train-goldens.py (see the README there); parameters are copied into
// TrainModel by name, so the test also pins the parameter layout (the set of tensors, their
// shapes, which ones are decayed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "primer/thread_pool.h"
#include "primer/train.h"
#include "train_golden_io.h"

namespace primer::train::testing {
namespace {

// float32 against float64: gradients of these tiny models agree to ~1e-6 relative; small
// components are measured against the tensor's largest.
constexpr double kGradRtol = 1e-4, kGradAtol = 1e-5;
constexpr double kLossRtol = 1e-5;

TrainGolden load_or_fail(const std::string& name) {
  TrainGolden g;
  std::string error;
  EXPECT_TRUE(TrainGolden::load(name, &g, &error)) << error;
  return g;
}

// TrainModel::create(golden shape) with the golden's initial parameters, after checking that the
// model's tensors are exactly the golden's (names, shapes, decayed or not; any order).
void make_model(const TrainGolden& g, TrainModel* out) {
  auto created = TrainModel::create(g.shape());
  ASSERT_TRUE(created.ok()) << created.error().message;
  TrainModel& model = *created;
  const auto& want = g.index["tensors"];
  for (const ParamInfo& t : model.tensors()) {
    EXPECT_TRUE(g.has("param/" + t.name)) << "the model has a tensor PyTorch's has not: " << t.name;
  }
  for (const auto& w : want) {
    const std::string name = w["name"];
    const ParamInfo* found = model.find(name);
    ASSERT_NE(found, nullptr) << "the model has no tensor " << name;
    const ParamInfo& t = *found;
    EXPECT_EQ(t.n_rows, w["n_rows"].get<int64_t>()) << name;
    EXPECT_EQ(t.n_cols, w["n_cols"].get<int64_t>()) << name;
    EXPECT_EQ(t.matrix, w["matrix"].get<bool>()) << name;
    const std::span<const float> p = g.array("param/" + name);
    ASSERT_EQ(p.size(), t.size()) << name;
    std::copy(p.begin(), p.end(), model.param(t));
  }
  model.zero_grads();
  *out = std::move(model);
}

std::vector<std::string> tensor_names(const TrainGolden& g) {
  std::vector<std::string> names;
  for (const auto& w : g.index["tensors"]) names.push_back(w["name"]);
  return names;
}

std::span<const float> grad_of(const TrainModel& model, const std::string& name) {
  const ParamInfo* t = model.find(name);
  return t == nullptr ? std::span<const float>() : model.grads().subspan(t->offset, t->size());
}

// Every gradient of `model` against the golden arrays "<prefix><tensor>", scaled by `scale`.
void expect_grads(const TrainModel& model, const TrainGolden& g, const std::string& prefix, double scale = 1.0) {
  for (const std::string& name : tensor_names(g)) {
    std::span<const float> ref = g.array(prefix + name);
    std::vector<float> want(ref.begin(), ref.end());
    for (float& v : want) v = static_cast<float>(v * scale);
    const Mismatch m = compare_arrays(prefix + name, grad_of(model, name), want, kGradRtol, kGradAtol);
    EXPECT_TRUE(m.ok) << m.message;
  }
}

// The parameters after the first AdamW step: p (1 - lr wd) - lr g / (|g| + eps). The update is
// about +-lr, exact to float32 rounding, except where |g| is within a few orders of eps: there a
// gradient error d (the gradient tolerance) moves it by lr eps d / (|g| + eps)^2, which the
// tolerance allows.
void expect_first_adamw_step(const TrainModel& model, const TrainGolden& g, double lr, double eps, double scale) {
  for (const std::string& name : tensor_names(g)) {
    const ParamInfo* t = model.find(name);
    ASSERT_NE(t, nullptr) << name;
    const std::span<const float> want = g.array("updated/" + name), grad = g.array("grad/" + name);
    ASSERT_EQ(want.size(), t->size());
    double max_grad = 0;
    for (float v : grad) max_grad = std::max(max_grad, std::fabs(v * scale));
    const float* got = model.param(*t);
    size_t n_bad = 0, worst = 0;
    double worst_excess = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const double gi = std::fabs(grad[i] * scale), d = kGradRtol * gi + kGradAtol * max_grad;
      const double tol = 1e-6 * std::fabs(want[i]) + 1e-6 * lr + lr * std::min(2.0, eps * d / ((gi + eps) * (gi + eps)));
      const double excess = std::fabs(got[i] - want[i]) / tol;
      if (!(excess <= 1)) {
        ++n_bad;
        if (!(excess <= worst_excess)) worst_excess = excess, worst = i;
      }
    }
    EXPECT_EQ(n_bad, 0u) << "updated/" << name << ": worst [" << worst << "] got " << got[worst] << ", golden "
                         << want[worst] << " (" << worst_excess << "x the tolerance), gradient " << grad[worst] * scale;
  }
}

struct Batch {
  std::vector<int32_t> tokens, targets;
  BatchView view;
};

Batch batch_of(const nlohmann::json& step, const nlohmann::json& data) {
  Batch b{TrainGolden::ids(data["tokens"]), TrainGolden::ids(data["targets"]), {}};
  b.view.n_seq = step["n_seq"];
  b.view.seq_len = step["seq_len"];
  b.view.tokens = b.tokens.data();
  b.view.targets = b.targets.data();
  return b;
}

AdamWConfig adamw_of(const nlohmann::json& a) {
  AdamWConfig c;
  c.beta1 = a["beta1"].get<float>();
  c.beta2 = a["beta2"].get<float>();
  c.eps = a["eps"].get<float>();
  c.weight_decay = a["weight_decay"].get<float>();
  return c;
}

class TrainTorchGolden : public ::testing::TestWithParam<const char*> {};

// Logits, loss and every gradient of one batch; then clipping and one AdamW step.
TEST_P(TrainTorchGolden, OneStepMatchesPyTorch) {
  const TrainGolden g = load_or_fail(GetParam());
  ASSERT_FALSE(g.data.empty());
  TrainModel model;
  ASSERT_NO_FATAL_FAILURE(make_model(g, &model));
  const auto& step = g.index["step"];
  Batch b = batch_of(step, step);
  ThreadPool pool(2);
  Trainer trainer(model, b.view.n_seq, b.view.seq_len, pool);

  std::vector<float> logits(g.array("logits").size());
  trainer.logits(b.view, logits);
  const Mismatch ml = compare_arrays("logits", logits, g.array("logits"), 1e-5, 1e-5);
  EXPECT_TRUE(ml.ok) << ml.message;

  const double want_loss = step["loss"];
  const StepStats eval = trainer.evaluate(b.view);
  EXPECT_NEAR(eval.loss, want_loss, kLossRtol * want_loss);

  const StepStats stats = trainer.forward_backward(b.view);
  EXPECT_NEAR(stats.loss, want_loss, kLossRtol * want_loss);
  EXPECT_NEAR(stats.cross_entropy, want_loss, kLossRtol * want_loss);
  EXPECT_EQ(stats.kl, 0.0);
  EXPECT_EQ(stats.n_targets, step["n_targets"].get<int64_t>());
  expect_grads(model, g, "grad/");

  const double want_norm = step["grad_norm"], max_norm = step["max_norm"];
  ASSERT_GT(want_norm, max_norm);  // the golden exercises clipping
  const double norm = clip_grad_norm(model, static_cast<float>(max_norm), pool);
  EXPECT_NEAR(norm, want_norm, 1e-5 * want_norm);
  expect_grads(model, g, "grad/", max_norm / (want_norm + 1e-6));  // torch's clip_grad_norm_ factor

  AdamW opt(model, adamw_of(step["adamw"]));
  opt.step(model, step["adamw"]["lr"].get<float>(), pool);
  EXPECT_EQ(opt.steps_taken(), 1);
  expect_first_adamw_step(model, g, step["adamw"]["lr"].get<double>(), step["adamw"]["eps"].get<double>(),
                          max_norm / (want_norm + 1e-6));
}

// Gradient accumulation: two calls with grad_scale 0.5 add up to the golden gradient.
TEST_P(TrainTorchGolden, GradScaleAccumulates) {
  const TrainGolden g = load_or_fail(GetParam());
  ASSERT_FALSE(g.data.empty());
  TrainModel model;
  ASSERT_NO_FATAL_FAILURE(make_model(g, &model));
  const auto& step = g.index["step"];
  Batch b = batch_of(step, step);
  ThreadPool pool(2);
  Trainer trainer(model, b.view.n_seq, b.view.seq_len, pool);
  for (int i = 0; i < 2; ++i) {
    const StepStats s = trainer.forward_backward(b.view, {}, 0.5f);
    EXPECT_NEAR(s.loss, step["loss"].get<double>(), kLossRtol * step["loss"].get<double>());
  }
  expect_grads(model, g, "grad/");
}

// Ten steps on ten batches: lr_at warm-up + cosine, clipping, AdamW; the losses before each update.
TEST_P(TrainTorchGolden, TenStepLossesMatchPyTorch) {
  const TrainGolden g = load_or_fail(GetParam());
  ASSERT_FALSE(g.data.empty());
  TrainModel model;
  ASSERT_NO_FATAL_FAILURE(make_model(g, &model));
  const auto& seq = g.index["sequence"];
  const auto& adamw = g.index["step"]["adamw"];
  ThreadPool pool(2);
  Trainer trainer(model, seq["n_seq"], seq["seq_len"], pool);
  AdamW opt(model, adamw_of(adamw));
  const int64_t steps = seq["steps"], warmup = seq["warmup_steps"];
  const float lr_max = seq["lr_max"], lr_min = seq["lr_min"], max_norm = seq["max_norm"];
  for (int64_t i = 0; i < steps; ++i) {
    const float lr = lr_at(i, warmup, steps, lr_max, lr_min);
    EXPECT_NEAR(lr, seq["lrs"][i].get<double>(), 1e-6 * lr_max) << "step " << i;
    Batch b = batch_of(seq, seq["batches"][i]);
    model.zero_grads();
    const StepStats s = trainer.forward_backward(b.view);
    const double want = seq["losses"][i];
    // Parameter differences compound over the steps: the tolerance grows with them.
    EXPECT_NEAR(s.loss, want, (1e-5 + 2e-5 * static_cast<double>(i)) * want) << "step " << i;
    const double norm = clip_grad_norm(model, max_norm, pool);
    EXPECT_NEAR(norm, seq["grad_norms"][i].get<double>(), 1e-4 * norm) << "step " << i;
    opt.step(model, lr, pool);
  }
  EXPECT_EQ(lr_at(steps + 5, warmup, steps, lr_max, lr_min), lr_min);
}

INSTANTIATE_TEST_SUITE_P(Archs, TrainTorchGolden, ::testing::Values("llama_tied", "qwen2_untied", "qwen3_tied"),
                         [](const auto& info) { return std::string(info.param); });

// Distillation against the teacher's top-k: forward, reverse and mixed KL at temperature 2,
// distill_weight 0.7 (definitions in scripts/gen-train-goldens.py and train.h's LossConfig).
TEST(TrainTorchGoldenDistill, LossesAndGradientsMatchPyTorch) {
  const TrainGolden g = load_or_fail("distill_llama");
  ASSERT_FALSE(g.data.empty());
  TrainModel model;
  ASSERT_NO_FATAL_FAILURE(make_model(g, &model));
  const auto& step = g.index["step"];
  Batch b = batch_of(step, step);
  const std::vector<int32_t> ids = TrainGolden::ids(g.index["teacher"]["ids"]);
  const std::span<const float> logprobs = g.array("teacher/logprobs");
  TeacherTopK teacher;
  teacher.k = g.index["teacher"]["k"];
  ASSERT_EQ(ids.size(), logprobs.size());
  ASSERT_EQ(static_cast<int64_t>(ids.size()), b.view.n_seq * b.view.seq_len * teacher.k);
  teacher.ids = ids.data();
  teacher.logprobs = logprobs.data();
  b.view.teacher = &teacher;
  const auto& lc = g.index["loss_config"];
  ThreadPool pool(2);
  Trainer trainer(model, b.view.n_seq, b.view.seq_len, pool);
  for (const auto& c : g.index["cases"]) {
    const std::string kl = c["kl"];
    SCOPED_TRACE("kl " + kl);
    LossConfig loss;
    loss.distill_weight = lc["distill_weight"];
    loss.temperature = lc["temperature"];
    loss.reverse_share = lc["reverse_share"];
    loss.kl = kl == "forward" ? KlDirection::kForward : kl == "reverse" ? KlDirection::kReverse : KlDirection::kMixed;
    const double want = c["loss"], want_ce = c["cross_entropy"], want_kl = c["kl_value"];
    const StepStats e = trainer.evaluate(b.view, loss);
    EXPECT_NEAR(e.loss, want, kLossRtol * want);
    model.zero_grads();
    const StepStats s = trainer.forward_backward(b.view, loss);
    EXPECT_NEAR(s.loss, want, kLossRtol * want);
    EXPECT_NEAR(s.cross_entropy, want_ce, kLossRtol * want_ce);
    EXPECT_NEAR(s.kl, want_kl, kLossRtol * want_kl);
    EXPECT_EQ(s.n_targets, step["n_targets"].get<int64_t>());
    expect_grads(model, g, "grad_" + kl + "/");
  }
}

}  // namespace
}  // namespace primer::train::testing
