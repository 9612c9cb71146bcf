// The engine's forward pass against the plain double-precision reference (reference_forward.h)
// on tiny random models from the model factory: every architecture, tied/untied output, rope
// scaling, KV cache types, every quantized file type, chunked prompts and the context limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "model/engine_test_util.h"
#include "model/reference_forward.h"

namespace primer::testing {
namespace {

GenModelOptions tiny(const std::string& arch) { return tiny_model_options(arch, 7); }

struct F32Case {
  const char* name;
  GenModelOptions options;
};

std::vector<F32Case> f32_cases() {
  std::vector<F32Case> cases;
  {
    GenModelOptions o = tiny("llama");
    o.tied_output = false;
    cases.push_back({"llama_untied", o});
  }
  {
    GenModelOptions o = tiny("llama");
    o.tied_output = true;
    o.vocab_from = std::string(PRIMER_SHARED_DIR) + "/vocab/ggml-vocab-llama-spm.gguf";
    o.n_vocab = 0;
    cases.push_back({"llama_tied_spm_vocab", o});
  }
  {
    GenModelOptions o = tiny("llama");
    o.rope_scaling = "llama3";
    o.n_ctx_train = 8192;
    cases.push_back({"llama_llama3_rope", o});
  }
  {
    GenModelOptions o = tiny("llama");
    o.rope_scaling = "linear:4";
    cases.push_back({"llama_linear_rope", o});
  }
  {
    GenModelOptions o = tiny("qwen2");
    o.tied_output = true;
    cases.push_back({"qwen2_tied", o});
  }
  {
    GenModelOptions o = tiny("qwen2");
    o.tied_output = false;
    o.n_head_kv = 1;
    cases.push_back({"qwen2_untied_mqa", o});
  }
  {
    GenModelOptions o = tiny("qwen3");
    o.head_dim = 32;  // n_head * head_dim (128) != n_embd (64), as in real Qwen3 models
    o.tied_output = true;
    cases.push_back({"qwen3_tied", o});
  }
  {
    GenModelOptions o = tiny("qwen3");
    o.tied_output = false;
    o.n_head_kv = 4;  // no GQA
    cases.push_back({"qwen3_untied_mha", o});
  }
  return cases;
}

void print_diff(const std::string& what, const LogitDiff& d) {
  std::printf("  %-44s max_abs %.3e  max|ref| %.3e  rel_rms %.3e  argmax_mismatch %lld\n",
              what.c_str(), d.max_abs, d.max_ref, d.rel_rms,
              static_cast<long long>(d.argmax_mismatches));
}

constexpr int64_t kPromptLen = 19;

TEST(Forward, F32WeightsMatchReferenceForEveryArch) {
  ThreadPool pool(2);
  for (const F32Case& c : f32_cases()) {
    SCOPED_TRACE(c.name);
    auto model = make_model(c.options, pool);
    ASSERT_NE(model, nullptr);
    const ModelConfig& cfg = model->config();
    EXPECT_EQ(cfg.arch, c.options.arch);
    EXPECT_EQ(cfg.tied_output, c.options.tied_output);
    if (c.options.rope_scaling == "llama3") {
      EXPECT_EQ(static_cast<int64_t>(cfg.rope.freq_factors.size()), cfg.rope.n_dims / 2);
    }
    const ReferenceModel ref(*model);
    const auto tokens = random_tokens(kPromptLen, cfg.n_vocab, 11);
    const std::vector<double> expected = ref.forward(tokens);

    for (QuantType kv : {QuantType::kF32, QuantType::kF16}) {
      ContextOptions co;
      co.n_ctx = 64;
      co.kv_type = kv;
      auto ctx = make_context(*model, pool, co);
      ASSERT_NE(ctx, nullptr);
      const std::vector<float> actual = decode_all(*ctx, tokens);
      ASSERT_EQ(actual.size(), expected.size());
      const LogitDiff d = compare_rows(actual, expected, cfg.n_vocab);
      print_diff(std::string(c.name) + (kv == QuantType::kF32 ? " kv=f32" : " kv=f16"), d);
      if (kv == QuantType::kF32) {
        EXPECT_LE(d.max_abs, 1e-4 * d.max_ref);
      } else {
        // F16 keys/values: ~2^-11 relative rounding of every cached element.
        EXPECT_LE(d.rel_rms, 2e-3);
        EXPECT_LE(d.max_abs, 1e-2 * d.max_ref);
      }
    }
  }
}

// The models must not be degenerate, or a rope or mask bug could hide: the last position's
// logits change when an earlier token changes (attention reads the context), and when two
// earlier tokens swap places (without rope, attention would be blind to the order of the past).
TEST(Forward, ReferenceLogitsDependOnContextAndOrder) {
  ThreadPool pool(2);
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    SCOPED_TRACE(arch);
    auto model = make_model(tiny(arch), pool);
    ASSERT_NE(model, nullptr);
    const ReferenceModel ref(*model);
    const size_t n_vocab = static_cast<size_t>(model->config().n_vocab);
    auto last_row = [&](const std::vector<int32_t>& tokens) {
      const std::vector<double> all = ref.forward(tokens);
      return std::vector<double>(all.end() - static_cast<std::ptrdiff_t>(n_vocab), all.end());
    };
    auto max_diff = [](const std::vector<double>& a, const std::vector<double>& b) {
      double d = 0;
      for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
      return d;
    };
    const auto base = last_row({10, 20, 30, 40});
    EXPECT_GT(max_diff(base, last_row({11, 20, 30, 40})), 1e-3);  // another first token
    EXPECT_GT(max_diff(base, last_row({20, 10, 30, 40})), 1e-3);  // the first two swapped
  }
}

TEST(Forward, ChunkedPromptMatchesReference) {
  ThreadPool pool(2);
  GenModelOptions o = tiny("qwen3");
  o.head_dim = 16;
  auto model = make_model(o, pool);
  ASSERT_NE(model, nullptr);
  const ReferenceModel ref(*model);
  const auto tokens = random_tokens(45, model->config().n_vocab, 3);
  const std::vector<double> expected = ref.forward(tokens);
  for (int64_t n_batch : {7, 16}) {
    SCOPED_TRACE(n_batch);
    ContextOptions co;
    co.n_ctx = 64;
    co.n_batch = n_batch;
    co.kv_type = QuantType::kF32;
    auto ctx = make_context(*model, pool, co);
    ASSERT_NE(ctx, nullptr);
    const std::vector<float> actual = decode_all(*ctx, tokens);
    ASSERT_EQ(actual.size(), expected.size());
    const LogitDiff d = compare_rows(actual, expected, model->config().n_vocab);
    print_diff("chunked n_batch=" + std::to_string(n_batch), d);
    EXPECT_LE(d.max_abs, 1e-4 * d.max_ref);
    EXPECT_EQ(ctx->seq_len(0), 45);
  }
}

TEST(Forward, IncrementalDecodeMatchesReference) {
  ThreadPool pool(2);
  auto model = make_model(tiny("llama"), pool);
  ASSERT_NE(model, nullptr);
  const ReferenceModel ref(*model);
  const int64_t n_vocab = model->config().n_vocab;
  const auto tokens = random_tokens(20, n_vocab, 5);
  const std::vector<double> expected = ref.forward(tokens);
  ContextOptions co;
  co.n_ctx = 32;
  co.kv_type = QuantType::kF32;
  auto ctx = make_context(*model, pool, co);
  ASSERT_NE(ctx, nullptr);
  // A prompt of 8, then one token per decode() call, as generation does.
  std::vector<float> actual = decode_all(*ctx, std::span(tokens).first(8));
  for (size_t i = 8; i < tokens.size(); ++i) {
    const std::vector<float> row = decode_all(*ctx, std::span(tokens).subspan(i, 1));
    actual.insert(actual.end(), row.begin(), row.end());
  }
  ASSERT_EQ(actual.size(), expected.size());
  const LogitDiff d = compare_rows(actual, expected, n_vocab);
  EXPECT_LE(d.max_abs, 1e-4 * d.max_ref);
}

TEST(Forward, PromptLongerThanContextIsAnError) {
  ThreadPool pool(2);
  auto model = make_model(tiny("qwen2"), pool);
  ASSERT_NE(model, nullptr);
  ContextOptions co;
  co.n_ctx = 16;
  co.n_batch = 8;
  auto ctx = make_context(*model, pool, co);
  ASSERT_NE(ctx, nullptr);
  const auto tokens = random_tokens(17, model->config().n_vocab, 1);
  Batch batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], 0, static_cast<int64_t>(i), true);
  Status st = ctx->decode(batch);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(st.error().message.empty());
  std::printf("  error: %s\n", st.error().message.c_str());
  EXPECT_EQ(ctx->seq_len(0), 0);  // nothing was cached, not even the first chunks
  // Exactly n_ctx tokens fit, and give the reference's logits.
  const std::vector<double> expected = ReferenceModel(*model).forward(std::span(tokens).first(16));
  const std::vector<float> actual = decode_all(*ctx, std::span(tokens).first(16));
  ASSERT_EQ(actual.size(), expected.size());
  const LogitDiff d = compare_rows(actual, expected, model->config().n_vocab);
  EXPECT_LE(d.rel_rms, 2e-3);  // default F16 cache
}

}  // namespace
}  // namespace primer::testing
