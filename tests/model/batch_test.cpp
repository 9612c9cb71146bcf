// Batched decoding of several sequences: greedy generation is deterministic and the same whether
// a sequence is decoded alone or together with others; the KV cache's seq_copy / seq_truncate
// semantics; KV reuse (a conversation decoded in two parts equals it decoded whole); invalid
// batches are refused without changing the context.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "model/engine_test_util.h"
#include "model/reference_forward.h"

namespace primer::testing {
namespace {

GenModelOptions batch_model() { return tiny_model_options("qwen2", 5); }

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

double max_abs_diff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    d = std::max(d, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return d;
}

double max_abs(std::span<const float> a) {
  double m = 0;
  for (float v : a) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

struct Generation {
  std::vector<int32_t> tokens;              // generated ids
  std::vector<std::vector<float>> logits;   // the logits each id was chosen from
};

// Greedy generation of n_gen tokens after `prompt`, one sequence alone in its own context.
Generation generate_alone(const Model& model, ThreadPool& pool, const ContextOptions& co,
                          const std::vector<int32_t>& prompt, int n_gen) {
  Generation g;
  auto ctx = make_context(model, pool, co);
  if (!ctx) return g;
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.add(prompt[i], 0, static_cast<int64_t>(i), i + 1 == prompt.size());
  }
  size_t logits_index = prompt.size() - 1;
  for (int step = 0; step < n_gen; ++step) {
    Status st = ctx->decode(batch);
    if (!st.ok()) {
      ADD_FAILURE() << "decode: " << st.error().message;
      return g;
    }
    auto logits = ctx->logits(logits_index);
    g.logits.emplace_back(logits.begin(), logits.end());
    g.tokens.push_back(argmax(logits));
    batch.clear();
    batch.add(g.tokens.back(), 0, ctx->seq_len(0), true);
    logits_index = 0;
  }
  return g;
}

// The same for several sequences decoded together: one batch holds all prompts, then each step
// one token per sequence. Sequence s uses KV slot n_seq - 1 - s (slots need not match order).
std::vector<Generation> generate_together(const Model& model, ThreadPool& pool, ContextOptions co,
                                          const std::vector<std::vector<int32_t>>& prompts,
                                          int n_gen) {
  const int n = static_cast<int>(prompts.size());
  co.n_seq = n;
  std::vector<Generation> gens(static_cast<size_t>(n));
  auto ctx = make_context(model, pool, co);
  if (!ctx) return gens;
  auto slot = [&](int s) { return n - 1 - s; };
  Batch batch;
  std::vector<size_t> logits_index(static_cast<size_t>(n));
  // Interleave the prompts' tokens (each sequence's positions still in order).
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  for (size_t i = 0; i < longest; ++i) {
    for (int s = 0; s < n; ++s) {
      const auto& p = prompts[static_cast<size_t>(s)];
      if (i >= p.size()) continue;
      if (i + 1 == p.size()) logits_index[static_cast<size_t>(s)] = batch.size();
      batch.add(p[i], slot(s), static_cast<int64_t>(i), i + 1 == p.size());
    }
  }
  for (int step = 0; step < n_gen; ++step) {
    Status st = ctx->decode(batch);
    if (!st.ok()) {
      ADD_FAILURE() << "decode: " << st.error().message;
      return gens;
    }
    Batch next;
    for (int s = 0; s < n; ++s) {
      auto logits = ctx->logits(logits_index[static_cast<size_t>(s)]);
      Generation& g = gens[static_cast<size_t>(s)];
      g.logits.emplace_back(logits.begin(), logits.end());
      g.tokens.push_back(argmax(logits));
      logits_index[static_cast<size_t>(s)] = next.size();
      next.add(g.tokens.back(), slot(s), ctx->seq_len(slot(s)), true);
    }
    batch = next;
  }
  return gens;
}

TEST(Batch, GreedyIsDeterministicAndBatchedEqualsAlone) {
  ThreadPool pool(2);
  auto model = make_model(batch_model(), pool);
  ASSERT_NE(model, nullptr);
  const int64_t n_vocab = model->config().n_vocab;
  const std::vector<std::vector<int32_t>> prompts = {
      random_tokens(5, n_vocab, 1), random_tokens(13, n_vocab, 2), random_tokens(9, n_vocab, 3)};
  constexpr int kGen = 8;
  for (QuantType kv : {QuantType::kF32, QuantType::kF16}) {
    SCOPED_TRACE(kv == QuantType::kF32 ? "kv f32" : "kv f16");
    ContextOptions co;
    co.n_ctx = 48;
    co.kv_type = kv;
    // The first batch holds all three prompts (27 tokens); with n_batch 5 it is decoded in
    // chunks that split sequences.
    ContextOptions co_chunked = co;
    co_chunked.n_batch = 5;
    const auto together = generate_together(*model, pool, co, prompts, kGen);
    const auto chunked = generate_together(*model, pool, co_chunked, prompts, kGen);
    for (size_t s = 0; s < prompts.size(); ++s) {
      SCOPED_TRACE("sequence " + std::to_string(s));
      const Generation alone = generate_alone(*model, pool, co, prompts[s], kGen);
      const Generation again = generate_alone(*model, pool, co, prompts[s], kGen);
      ASSERT_EQ(alone.tokens.size(), static_cast<size_t>(kGen));
      // Deterministic: the same run twice is bit-identical.
      EXPECT_EQ(alone.tokens, again.tokens);
      EXPECT_EQ(alone.logits, again.logits);
      // Batched with others: the same tokens, logits within float rounding.
      for (const auto* batched : {&together, &chunked}) {
        const Generation& g = (*batched)[s];
        EXPECT_EQ(g.tokens, alone.tokens);
        ASSERT_EQ(g.logits.size(), alone.logits.size());
        for (size_t i = 0; i < alone.logits.size(); ++i) {
          const double scale = std::max(1.0, max_abs(alone.logits[i]));
          EXPECT_LE(max_abs_diff(g.logits[i], alone.logits[i]), 1e-5 * scale) << "step " << i;
        }
      }
    }
  }
}

// Logits decoded alone and in a batch also match the reference (so the identity above is not
// two equal wrong answers), with single-threaded and 2-thread pools.
TEST(Batch, GenerationMatchesReferenceAndThreadCount) {
  ThreadPool pool1(1), pool2(2);
  auto model = make_model(batch_model(), pool2);
  ASSERT_NE(model, nullptr);
  const auto prompt = random_tokens(6, model->config().n_vocab, 9);
  ContextOptions co;
  co.n_ctx = 32;
  co.kv_type = QuantType::kF32;
  const Generation g1 = generate_alone(*model, pool1, co, prompt, 5);
  const Generation g2 = generate_alone(*model, pool2, co, prompt, 5);
  EXPECT_EQ(g1.tokens, g2.tokens);
  std::vector<int32_t> seq = prompt;
  seq.insert(seq.end(), g2.tokens.begin(), g2.tokens.end() - 1);
  const std::vector<double> ref = ReferenceModel(*model).forward(seq);
  const size_t n_vocab = static_cast<size_t>(model->config().n_vocab);
  for (size_t i = 0; i < g2.logits.size(); ++i) {
    const size_t row = prompt.size() - 1 + i;
    const LogitDiff d = compare_logits(g2.logits[i], std::span(ref).subspan(row * n_vocab, n_vocab));
    EXPECT_LE(d.max_abs, 1e-4 * d.max_ref) << "step " << i;
    EXPECT_LE(max_abs_diff(g1.logits[i], g2.logits[i]), 1e-5 * std::max(1.0, d.max_ref));
  }
}

class SeqOps : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = make_model(batch_model(), pool_);
    ASSERT_NE(model_, nullptr);
    n_vocab_ = model_->config().n_vocab;
    ContextOptions co;
    co.n_ctx = 24;
    co.n_seq = 3;
    co.n_batch = 16;
    co.kv_type = QuantType::kF32;
    ctx_ = make_context(*model_, pool_, co);
    ASSERT_NE(ctx_, nullptr);
    ref_ = std::make_unique<ReferenceModel>(*model_);
  }

  // Reference logits of the last token of `tokens`.
  std::vector<double> ref_last(const std::vector<int32_t>& tokens) const {
    const std::vector<double> all = ref_->forward(tokens);
    return std::vector<double>(all.end() - n_vocab_, all.end());
  }

  void expect_matches_ref(std::span<const float> actual, const std::vector<int32_t>& tokens) {
    const LogitDiff d = compare_logits(actual, ref_last(tokens));
    EXPECT_LE(d.max_abs, 1e-4 * d.max_ref);
  }

  ThreadPool pool_{2};
  std::unique_ptr<Model> model_;
  std::unique_ptr<Context> ctx_;
  std::unique_ptr<ReferenceModel> ref_;
  int64_t n_vocab_ = 0;
};

TEST_F(SeqOps, CopyAndTruncate) {
  const auto a = random_tokens(10, n_vocab_, 21);
  decode_all(*ctx_, a, 0);
  EXPECT_EQ(ctx_->seq_len(0), 10);
  EXPECT_EQ(ctx_->seq_len(1), 0);

  // Full copy: seq 1 continues exactly like seq 0 would.
  ctx_->seq_copy(0, 1);
  EXPECT_EQ(ctx_->seq_len(1), 10);
  // Partial copy: seq 2 holds a's first 4 positions.
  ctx_->seq_copy(0, 2, 4);
  EXPECT_EQ(ctx_->seq_len(2), 4);

  const int32_t next0 = 17, next1 = 33, next2 = 45;
  Batch batch;
  batch.add(next0, 0, 10, true);
  batch.add(next1, 1, 10, true);
  batch.add(next2, 2, 4, true);
  ASSERT_TRUE(ctx_->decode(batch).ok());
  std::vector<int32_t> s0 = a, s1 = a, s2(a.begin(), a.begin() + 4);
  s0.push_back(next0);
  s1.push_back(next1);
  s2.push_back(next2);
  expect_matches_ref(ctx_->logits(0), s0);
  expect_matches_ref(ctx_->logits(1), s1);
  expect_matches_ref(ctx_->logits(2), s2);

  // Copying over a longer sequence replaces it.
  ctx_->seq_copy(2, 0);
  EXPECT_EQ(ctx_->seq_len(0), 5);
  decode_all(*ctx_, std::vector<int32_t>{7}, 0);
  s2.push_back(7);
  expect_matches_ref(ctx_->logits(0), s2);

  // Truncate then continue differently: the forgotten positions are not attended to.
  ctx_->seq_truncate(1, 3);
  EXPECT_EQ(ctx_->seq_len(1), 3);
  const std::vector<int32_t> tail = {99, 100};
  const auto logits = decode_all(*ctx_, tail, 1);
  std::vector<int32_t> s1b(a.begin(), a.begin() + 3);
  s1b.insert(s1b.end(), tail.begin(), tail.end());
  expect_matches_ref(std::span(logits).subspan(static_cast<size_t>(n_vocab_)), s1b);

  ctx_->seq_clear(1);
  EXPECT_EQ(ctx_->seq_len(1), 0);
  EXPECT_EQ(ctx_->seq_len(0), 6);  // other sequences untouched
  EXPECT_EQ(ctx_->seq_len(2), 5);
}

// KV reuse as `primer chat` does it: turn 1 is decoded, then the conversation continues from
// the longest common prefix. The logits equal decoding the whole conversation from scratch.
TEST(KvReuse, SecondTurnEqualsWholeConversation) {
  ThreadPool pool(2);
  auto model = make_model(batch_model(), pool);
  ASSERT_NE(model, nullptr);
  const int64_t n_vocab = model->config().n_vocab;
  const auto turn1 = random_tokens(12, n_vocab, 31);
  // The whole conversation: turn 1's first 9 tokens re-rendered identically, then different
  // text (a template may re-render the end of the previous turn differently).
  std::vector<int32_t> whole(turn1.begin(), turn1.begin() + 9);
  const auto turn2 = random_tokens(10, n_vocab, 32);
  whole.insert(whole.end(), turn2.begin(), turn2.end());

  for (QuantType kv : {QuantType::kF32, QuantType::kF16}) {
    SCOPED_TRACE(kv == QuantType::kF32 ? "kv f32" : "kv f16");
    ContextOptions co;
    co.n_ctx = 40;
    co.kv_type = kv;
    auto fresh = make_context(*model, pool, co);
    auto reused = make_context(*model, pool, co);
    ASSERT_TRUE(fresh && reused);
    const std::vector<float> expected = decode_all(*fresh, whole);

    decode_all(*reused, turn1);
    reused->seq_truncate(0, 9);
    const std::vector<float> suffix = decode_all(*reused, std::span(whole).subspan(9));
    ASSERT_EQ(reused->seq_len(0), static_cast<int64_t>(whole.size()));
    const auto expected_suffix = std::span(expected).subspan(9 * static_cast<size_t>(n_vocab));
    ASSERT_EQ(suffix.size(), expected_suffix.size());
    EXPECT_LE(max_abs_diff(suffix, expected_suffix), 1e-5 * std::max(1.0, max_abs(expected_suffix)));
  }
}

// Every invalid batch is refused with an error, and leaves the context exactly as it was: the
// sequences' lengths, and the logits of the next valid decode.
TEST_F(SeqOps, InvalidBatchesChangeNothing) {
  const auto prompt = random_tokens(6, n_vocab_, 41);
  decode_all(*ctx_, prompt, 0);
  decode_all(*ctx_, std::span(prompt).first(3), 1);

  struct Bad {
    const char* what;
    Batch batch;
  };
  std::vector<Bad> bad;
  auto add = [&](const char* what, std::initializer_list<std::tuple<int32_t, int32_t, int64_t>> items) {
    Bad b{what, {}};
    for (auto [tok, seq, pos] : items) b.batch.add(tok, seq, pos, true);
    bad.push_back(std::move(b));
  };
  const int32_t v = static_cast<int32_t>(n_vocab_);
  add("empty batch", {});
  add("position gap", {{1, 0, 7}});
  add("position repeats the past", {{1, 0, 5}});
  add("positions out of order", {{1, 0, 7}, {2, 0, 6}});
  add("same position twice", {{1, 0, 6}, {2, 0, 6}});
  add("seq out of range", {{1, 3, 0}});
  add("negative seq", {{1, -1, 0}});
  add("token out of range", {{v, 0, 6}});
  add("negative token", {{-1, 0, 6}});
  add("valid first token, bad second", {{1, 1, 3}, {v + 5, 0, 6}});
  add("context full", {});
  for (int64_t p = 6; p <= 24; ++p) bad.back().batch.add(1, 0, p, false);  // 19 > 24 - 6 free
  bad.back().batch.add(2, 1, 3, true);

  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    Status st = ctx_->decode(b.batch);
    EXPECT_FALSE(st.ok());
    if (!st.ok()) {
      EXPECT_FALSE(st.error().message.empty());
      std::printf("  %-30s -> %s\n", b.what, st.error().message.c_str());
    }
    EXPECT_EQ(ctx_->seq_len(0), 6);
    EXPECT_EQ(ctx_->seq_len(1), 3);
    EXPECT_EQ(ctx_->seq_len(2), 0);
  }

  // The caches are intact: continuing both sequences gives the reference logits.
  Batch batch;
  batch.add(50, 0, 6, true);
  batch.add(51, 1, 3, true);
  ASSERT_TRUE(ctx_->decode(batch).ok());
  std::vector<int32_t> s0 = prompt, s1(prompt.begin(), prompt.begin() + 3);
  s0.push_back(50);
  s1.push_back(51);
  expect_matches_ref(ctx_->logits(0), s0);
  expect_matches_ref(ctx_->logits(1), s1);

  // Filling the context exactly is fine; one more token is not.
  ctx_->seq_clear(2);
  std::vector<int32_t> fill = random_tokens(24, n_vocab_, 42);
  decode_all(*ctx_, fill, 2);
  EXPECT_EQ(ctx_->seq_len(2), 24);
  Batch one;
  one.add(1, 2, 24, true);
  EXPECT_FALSE(ctx_->decode(one).ok());
  EXPECT_EQ(ctx_->seq_len(2), 24);
}

}  // namespace
}  // namespace primer::testing
