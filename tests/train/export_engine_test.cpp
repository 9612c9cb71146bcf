// A trained model exported to GGUF loads in the engine and gives the trainer's own logits:
// llama (untied, adjacent-pair RoPE), qwen2 (q/k/v biases, tied, half-split RoPE) and qwen3
// (q/k norms); F32 (measured ~3e-7 relative to the largest logit, bound 2e-5) and F16 (weights
// rounded: ~2e-4, bound 3e-3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "loop_test_util.h"
#include "primer/engine.h"
#include "primer/model.h"
#include "primer/train.h"

namespace primer::train {
namespace {

constexpr int64_t kVocab = 257;
constexpr int64_t kSeq = 24;

struct Case {
  const char* arch;
  bool tied;
};

// A few AdamW steps on synthetic text, so norms and biases are no longer at their init values.
TrainModel trained_model(const Case& c, ThreadPool& pool) {
  ModelShape s;
  s.arch = c.arch;
  s.n_vocab = kVocab;
  s.n_embd = 64;
  s.n_layer = 2;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ff = 96;
  s.n_ctx = 64;
  s.tied_embeddings = c.tied;
  s.rope_theta = 10000.0f;
  auto created = TrainModel::create(s);
  EXPECT_TRUE(created.ok()) << created.error().message;
  TrainModel model = std::move(created).value();
  model.init(3, 0.05f);
  const std::vector<uint32_t> text = loop_testing::byte_tokens(loop_testing::synthetic_text(4 * (kSeq + 1), 9));
  std::vector<int32_t> tokens, targets;
  for (int64_t b = 0; b < 4; ++b) {
    for (int64_t i = 0; i < kSeq; ++i) {
      tokens.push_back(static_cast<int32_t>(text[static_cast<size_t>(b * (kSeq + 1) + i)]));
      targets.push_back(static_cast<int32_t>(text[static_cast<size_t>(b * (kSeq + 1) + i + 1)]));
    }
  }
  Trainer trainer(model, 4, kSeq, pool);
  AdamW adam(model, AdamWConfig{});
  for (int step = 0; step < 3; ++step) {
    model.zero_grads();
    trainer.forward_backward(BatchView{4, kSeq, tokens.data(), targets.data(), nullptr});
    adam.step(model, 1e-2f, pool);
  }
  return model;
}

// max |engine - trainer| / max |trainer| over every position's logits.
double relative_logit_error(TrainModel& model, const std::string& gguf, ThreadPool& pool) {
  const std::vector<uint32_t> text = loop_testing::byte_tokens(loop_testing::synthetic_text(kSeq, 21));
  std::vector<int32_t> tokens(text.begin(), text.end()), none(kSeq, -1);
  std::vector<float> expected(static_cast<size_t>(kSeq * kVocab));
  Trainer trainer(model, 1, kSeq, pool);
  trainer.logits(BatchView{1, kSeq, tokens.data(), none.data(), nullptr}, expected);

  auto loaded = Model::load(gguf);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
  if (!loaded.ok()) return HUGE_VAL;
  EXPECT_EQ((*loaded)->config().n_vocab, kVocab);
  ContextOptions co;
  co.n_ctx = 64;
  co.kv_type = QuantType::kF32;
  auto ctx = Context::create(**loaded, pool, co);
  EXPECT_TRUE(ctx.ok());
  Batch batch;
  for (int64_t i = 0; i < kSeq; ++i) batch.add(tokens[static_cast<size_t>(i)], 0, i, true);
  EXPECT_TRUE((*ctx)->decode(batch).ok());
  double max_diff = 0, max_abs = 0;
  for (int64_t i = 0; i < kSeq; ++i) {
    std::span<const float> got = (*ctx)->logits(static_cast<size_t>(i));
    for (int64_t v = 0; v < kVocab; ++v) {
      const double e = expected[static_cast<size_t>(i * kVocab + v)];
      max_diff = std::max(max_diff, std::fabs(got[static_cast<size_t>(v)] - e));
      max_abs = std::max(max_abs, std::fabs(e));
    }
  }
  EXPECT_GT(max_abs, 0.1);  // not a degenerate all-zero comparison
  return max_diff / max_abs;
}

class ExportEngineTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExportEngineTest, EngineLogitsEqualTrainerLogits) {
  const Case c = GetParam();
  loop_testing::LoopTempDir dir;
  const std::string tok = loop_testing::write_byte_tokenizer(dir.path());
  ThreadPool pool(2);
  TrainModel model = trained_model(c, pool);
  for (FileType type : {FileType::kF32, FileType::kF16}) {
    ExportOptions e;
    e.tokenizer = tok;
    e.type = type;
    e.name = std::string("export-") + c.arch;
    const std::string path = dir.file(std::string(c.arch) + "-" + file_type_name(type) + ".gguf");
    Status s = export_gguf(model, path, e);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const double err = relative_logit_error(model, path, pool);
    EXPECT_LT(err, type == FileType::kF32 ? 2e-5 : 3e-3) << c.arch << " " << file_type_name(type);
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, ExportEngineTest,
                         ::testing::Values(Case{"llama", false}, Case{"qwen2", true}, Case{"qwen3", false}),
                         [](const auto& info) { return std::string(info.param.arch); });

}  // namespace
}  // namespace primer::train
