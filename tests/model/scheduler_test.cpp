// The continuous-batching Scheduler on a tiny random model with a byte-level vocabulary: every
// request's output equals `primer run`'s generate() loop run alone (greedy and seeded sampling),
// whether it runs alone, with 7 others, or joins mid-flight; prefix reuse (idle slots, busy slots,
// duplicate prompts), cancellation, back-pressure, validation, stop strings, length limits,
// logprobs, grammar, shutdown and the counters.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "model/engine_test_util.h"
#include "model/scheduler_test_util.h"
#include "primer/grammar.h"
#include "primer/scheduler.h"

namespace primer::testing {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // One thread: the tests' models are tiny, and idle workers spinning on a loaded 2-core CI
    // machine would cost more than the work (EightConcurrentEqualEachAlone uses two).
    oracle_pool_ = new ThreadPool(1);
    model_ = make_model(tiny_model_options("qwen2", 11), *oracle_pool_).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete oracle_pool_;
  }
  void SetUp() override { ASSERT_NE(model_, nullptr); }

  std::unique_ptr<Scheduler> make(SchedulerOptions o, ThreadPool* pool = nullptr) {
    auto s = Scheduler::create(*model_, pool ? *pool : pool_, o);
    if (!s.ok()) {
      ADD_FAILURE() << s.error().message;
      return nullptr;
    }
    return std::move(s).value();
  }
  Expected alone(const GenerationRequest& r, int64_t n_ctx = 0, int64_t n_batch = 256) {
    OracleOptions o;
    o.n_ctx = n_ctx;
    o.n_batch = n_batch;
    return run_alone(*model_, *oracle_pool_, r, o);
  }
  uint64_t submit(Scheduler& s, const GenerationRequest& r, Collected& c) {
    auto sub = s.submit(r, c.sink());
    EXPECT_TRUE(sub.ok()) << sub.refusal->message;
    return sub.id;
  }
  std::vector<int32_t> prompt(int64_t n, uint32_t seed) { return random_tokens(n, 297, seed); }

  static GenerationRequest greedy(std::vector<int32_t> prompt, int64_t max_tokens) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.sampling.temperature = 0;
    r.max_tokens = max_tokens;
    r.top_logprobs = 0;  // token ids come back with the logprobs
    return r;
  }

  static Model* model_;
  static ThreadPool* oracle_pool_;
  ThreadPool pool_{1};
};

Model* SchedulerTest::model_ = nullptr;
ThreadPool* SchedulerTest::oracle_pool_ = nullptr;

TEST_F(SchedulerTest, GreedyAloneEqualsGenerate) {
  SchedulerOptions o;
  o.n_slots = 2;
  o.n_batch = 16;  // prompts are decoded in several chunks
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  int n_eos = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("prompt seed " + std::to_string(seed));
    GenerationRequest r = greedy(prompt(3 + 9 * seed, seed), 40);
    if (seed == 6) r.top_logprobs = -1;  // no logprobs: the same text
    Collected c;
    submit(*s, r, c);
    ASSERT_TRUE(c.wait_done());
    const Expected want = alone(r, 0, 16);
    expect_same(c, want);
    EXPECT_EQ(c.done.prompt_tokens, static_cast<int64_t>(r.prompt.size()));
    if (want.finish == FinishReason::kStop) ++n_eos;
  }
  // A bias on the end-of-generation token makes some runs end on it after a few tokens (the
  // random model rarely picks it by itself).
  const int32_t eos = model_->tokenizer().eos_ids().front();
  for (float bias : {1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 3.5f, 4.0f}) {
    SCOPED_TRACE("eos bias " + std::to_string(bias));
    GenerationRequest r = greedy(prompt(30, 9), 40);
    r.sampling.logit_bias[eos] = bias;
    Collected c;
    submit(*s, r, c);
    ASSERT_TRUE(c.wait_done());
    const Expected want = alone(r, 0, 16);
    expect_same(c, want);
    if (want.finish == FinishReason::kStop && !want.tokens.empty()) ++n_eos;
  }
  EXPECT_GT(n_eos, 0) << "no run ended on an end-of-generation token after some text";
}

TEST_F(SchedulerTest, EightConcurrentEqualEachAlone) {
  SchedulerOptions o;
  o.n_slots = 8;
  o.n_batch = 64;
  ThreadPool two(2);
  auto s = make(o, &two);
  ASSERT_NE(s, nullptr);
  std::vector<GenerationRequest> reqs;
  for (uint32_t i = 0; i < 8; ++i) {
    GenerationRequest r = greedy(prompt(5 + 7 * i, 100 + i), 24 + 3 * i);
    r.ignore_eos = i % 2 == 0;
    reqs.push_back(r);
  }
  std::vector<Collected> got(reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) submit(*s, reqs[i], got[i]);
  for (size_t i = 0; i < reqs.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    ASSERT_TRUE(got[i].wait_done());
    expect_same(got[i], alone(reqs[i], 0, 64));
  }
  // Batched: far fewer decode steps than tokens generated.
  const SchedulerStats st = s->stats();
  EXPECT_LT(st.steps_total, st.completion_tokens_total);
  EXPECT_EQ(st.requests_total, 8u);
  EXPECT_EQ(st.slots_busy, 0);
  EXPECT_EQ(st.queue_depth, 0u);
}

TEST_F(SchedulerTest, RequestsJoinMidFlight) {
  SchedulerOptions o;
  o.n_slots = 4;
  o.n_batch = 32;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  GenerationRequest first = greedy(prompt(20, 7), 80);
  first.ignore_eos = true;
  Collected c0;
  submit(*s, first, c0);
  ASSERT_TRUE(c0.wait_deltas(3));
  std::vector<GenerationRequest> later;
  std::vector<Collected> got(3);
  for (uint32_t i = 0; i < 3; ++i) later.push_back(greedy(prompt(10 + 15 * i, 200 + i), 20));
  for (size_t i = 0; i < later.size(); ++i) submit(*s, later[i], got[i]);
  for (size_t i = 0; i < later.size(); ++i) {
    ASSERT_TRUE(got[i].wait_done());
    expect_same(got[i], alone(later[i]));
  }
  ASSERT_TRUE(c0.wait_done());
  expect_same(c0, alone(first));
  // The later ones ran while the first was generating (they finished first, 20 tokens each).
  const SchedulerStats st = s->stats();
  EXPECT_LT(st.steps_total, st.completion_tokens_total);
}

TEST_F(SchedulerTest, PrefixReuseFromIdleAndBusySlots) {
  SchedulerOptions o;
  o.n_slots = 2;
  o.n_batch = 16;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  const std::vector<int32_t> system = prompt(40, 31);
  auto with_tail = [&](uint32_t seed) {
    std::vector<int32_t> p = system;
    for (int32_t t : prompt(9, seed)) p.push_back(t);
    return p;
  };
  // 1. The first request computes the shared part.
  GenerationRequest a = greedy(with_tail(1), 10);
  Collected ca;
  submit(*s, a, ca);
  ASSERT_TRUE(ca.wait_done());
  EXPECT_EQ(ca.done.cached_tokens, 0);
  // 2. From the idle slot: the 40 shared tokens are reused; the output equals an uncached run.
  GenerationRequest b = greedy(with_tail(2), 10);
  Collected cb;
  submit(*s, b, cb);
  ASSERT_TRUE(cb.wait_done());
  EXPECT_GE(cb.done.cached_tokens, 40);
  expect_same(cb, alone(b));
  // 3. The same prompt again: all but the last token reused.
  Collected cb2;
  submit(*s, b, cb2);
  ASSERT_TRUE(cb2.wait_done());
  EXPECT_EQ(cb2.done.cached_tokens, static_cast<int64_t>(b.prompt.size()) - 1);
  expect_same(cb2, alone(b));
  // 4. From a busy slot: a long request runs; one with the same prefix copies its KV.
  GenerationRequest longer = greedy(with_tail(3), 200);
  longer.ignore_eos = true;
  Collected cl;
  submit(*s, longer, cl);
  ASSERT_TRUE(cl.wait_deltas(2));
  GenerationRequest c = greedy(with_tail(3), 8);
  c.prompt.push_back(5);
  Collected cc;
  submit(*s, c, cc);
  ASSERT_TRUE(cc.wait_done());
  EXPECT_GE(cc.done.cached_tokens, 49);
  expect_same(cc, alone(c));
  s->cancel(1000);  // unknown ids are ignored
  ASSERT_TRUE(cl.wait_done());
  expect_same(cl, alone(longer));
  const SchedulerStats st = s->stats();
  EXPECT_GE(st.prompt_tokens_cached, 40u + 48u + 49u);
}

TEST_F(SchedulerTest, DuplicatePromptsComputeThePrefixOnce) {
  SchedulerOptions o;
  o.n_slots = 4;
  o.n_batch = 32;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  // n = 4 choices: four requests with one 100-token prompt, submitted together.
  GenerationRequest r = greedy(prompt(100, 77), 12);
  std::vector<Collected> got(4);
  for (Collected& c : got) submit(*s, r, c);
  const Expected want = alone(r);
  std::vector<int64_t> cached;
  for (Collected& c : got) {
    ASSERT_TRUE(c.wait_done());
    expect_same(c, want);
    cached.push_back(c.done.cached_tokens);
  }
  // The prompt is computed once; the other three copy it (all of it, or all but the last few
  // tokens when the first prefill was close to done: the scheduler waits only for >= 16 tokens).
  std::sort(cached.begin(), cached.end());
  EXPECT_EQ(cached[0], 0);
  for (size_t i = 1; i < cached.size(); ++i) {
    EXPECT_GE(cached[i], 99 - 16);
    EXPECT_LE(cached[i], 99);
  }
  const SchedulerStats st = s->stats();
  EXPECT_EQ(st.prompt_tokens_total, 400u);
  EXPECT_EQ(st.prompt_tokens_cached, static_cast<uint64_t>(cached[1] + cached[2] + cached[3]));
}

TEST_F(SchedulerTest, CancelFreesTheSlot) {
  SchedulerOptions o;
  o.n_slots = 1;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  GenerationRequest endless = greedy(prompt(10, 3), -1);
  endless.ignore_eos = true;
  Collected running, queued, next;
  const uint64_t id_running = submit(*s, endless, running);
  ASSERT_TRUE(running.wait_deltas(2));
  // A queued request is cancelled without ever running.
  const uint64_t id_queued = submit(*s, greedy(prompt(12, 4), 5), queued);
  s->cancel(id_queued);
  ASSERT_TRUE(queued.wait_done());
  EXPECT_EQ(queued.done.finish, FinishReason::kCancelled);
  EXPECT_EQ(queued.done.completion_tokens, 0);
  // The running one ends at the next step and its slot serves the next request.
  s->cancel(id_running);
  ASSERT_TRUE(running.wait_done());
  EXPECT_EQ(running.done.finish, FinishReason::kCancelled);
  EXPECT_LT(running.done.completion_tokens, 250);
  const GenerationRequest r = greedy(prompt(12, 5), 6);
  submit(*s, r, next);
  ASSERT_TRUE(next.wait_done());
  expect_same(next, alone(r));
  s->cancel(id_running);  // already finished: ignored
  const SchedulerStats st = s->stats();
  EXPECT_EQ(st.requests_cancelled, 2u);
  EXPECT_EQ(st.slots_busy, 0);
}

TEST_F(SchedulerTest, QueueFullIsRefusedAndValidationNamesTheField) {
  SchedulerOptions o;
  o.n_slots = 1;
  o.max_queue = 2;
  o.n_ctx = 64;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  // The first request's sink blocks the scheduler thread until released, so the queue stays full.
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> blocked{false};
  Collected first;
  EventSink inner = first.sink();
  auto gated = [&](GenerationEvent&& ev) {
    std::unique_lock<std::mutex> lock(gate_mu);
    blocked = true;
    gate_cv.wait(lock, [&] { return open; });
    lock.unlock();
    inner(std::move(ev));
  };
  GenerationRequest r = greedy(prompt(8, 9), 4);
  r.ignore_eos = true;
  ASSERT_TRUE(s->submit(r, gated).ok());
  while (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Collected q1, q2, q3;
  submit(*s, r, q1);
  submit(*s, r, q2);
  auto refused = s->submit(r, q3.sink());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal->kind, Scheduler::SubmitError::kOverloaded);
  EXPECT_EQ(s->stats().queue_depth, 2u);
  EXPECT_EQ(s->stats().requests_rejected, 1u);
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(first.wait_done());
  ASSERT_TRUE(q1.wait_done());
  ASSERT_TRUE(q2.wait_done());
  EXPECT_EQ(q1.text, first.text);
  EXPECT_EQ(q2.text, first.text);

  // Validation: the message names the field.
  auto expect_refused = [&](GenerationRequest bad, Scheduler::SubmitError kind, const std::string& field) {
    Collected c;
    auto sub = s->submit(std::move(bad), c.sink());
    ASSERT_FALSE(sub.ok()) << field;
    EXPECT_EQ(sub.refusal->kind, kind) << field;
    EXPECT_NE(sub.refusal->message.find(field), std::string::npos) << sub.refusal->message;
  };
  using E = Scheduler::SubmitError;
  expect_refused(greedy({}, 4), E::kInvalid, "prompt");
  expect_refused(greedy({1, 300}, 4), E::kInvalid, "prompt");
  expect_refused(greedy({1, -1}, 4), E::kInvalid, "prompt");
  expect_refused(greedy(prompt(64, 1), 4), E::kTooLong, "prompt");
  expect_refused(greedy({1, 2}, 0), E::kInvalid, "max_tokens");
  GenerationRequest bad = greedy({1, 2}, 4);
  bad.sampling.temperature = -1;
  expect_refused(bad, E::kInvalid, "temperature");
  bad = greedy({1, 2}, 4);
  bad.sampling.top_p = 0;
  expect_refused(bad, E::kInvalid, "top_p");
  bad = greedy({1, 2}, 4);
  bad.sampling.logit_bias[300] = 1;
  expect_refused(bad, E::kInvalid, "logit_bias");
  bad = greedy({1, 2}, 4);
  bad.top_logprobs = 21;
  expect_refused(bad, E::kInvalid, "top_logprobs");
  bad = greedy({1, 2}, 4);
  bad.stop = {"ok", ""};
  expect_refused(bad, E::kInvalid, "stop[1]");
  // The longest prompt that fits: n_ctx - 1 tokens, one token generated, then the context is full.
  Collected fits;
  submit(*s, greedy(prompt(63, 2), -1), fits);
  ASSERT_TRUE(fits.wait_done());
  if (fits.done.finish == FinishReason::kLength) {
    EXPECT_EQ(fits.done.completion_tokens, 2);
  }
}

TEST_F(SchedulerTest, StopStringsAcrossTokens) {
  SchedulerOptions o;
  o.n_slots = 3;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  GenerationRequest r = greedy(prompt(15, 21), 40);
  r.ignore_eos = true;
  const Expected full = alone(r);
  ASSERT_EQ(full.tokens.size(), 40u);
  // A 3-byte stop string from the middle of the output: tokens are 1-2 bytes, so it spans at
  // least two tokens.
  ASSERT_GT(full.text.size(), 12u);
  const std::string stop = full.text.substr(full.text.size() / 3, 3);
  GenerationRequest rs = r;
  rs.stop = {"never-there", stop};
  const Expected want = alone(rs);
  EXPECT_EQ(want.finish, FinishReason::kStop);
  EXPECT_EQ(want.text, full.text.substr(0, full.text.find(stop)));
  // Alone and beside two unrelated requests.
  Collected c, other1, other2;
  submit(*s, greedy(prompt(30, 22), 30), other1);
  submit(*s, rs, c);
  submit(*s, greedy(prompt(9, 23), 30), other2);
  ASSERT_TRUE(c.wait_done());
  expect_same(c, want);
  EXPECT_EQ(c.text.find(stop), std::string::npos);
  ASSERT_TRUE(other1.wait_done());
  ASSERT_TRUE(other2.wait_done());
}

TEST_F(SchedulerTest, MaxTokensAndContextFullEndWithLength) {
  SchedulerOptions o;
  o.n_slots = 2;
  o.n_ctx = 64;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  GenerationRequest r = greedy(prompt(10, 41), 5);
  r.ignore_eos = true;
  Collected c;
  submit(*s, r, c);
  ASSERT_TRUE(c.wait_done());
  EXPECT_EQ(c.done.finish, FinishReason::kLength);
  EXPECT_EQ(c.done.completion_tokens, 5);
  expect_same(c, alone(r, 64));
  // No limit: runs until the slot's context is full (prompt 50 + 14 decoded + 1 sampled).
  GenerationRequest endless = greedy(prompt(50, 42), -1);
  endless.ignore_eos = true;
  Collected e;
  submit(*s, endless, e);
  ASSERT_TRUE(e.wait_done());
  EXPECT_EQ(e.done.finish, FinishReason::kLength);
  EXPECT_EQ(e.done.completion_tokens, 64 - 50 + 1);
  expect_same(e, alone(endless, 64));
}

TEST_F(SchedulerTest, LogprobsAreTheLogSoftmaxOfTheLogits) {
  SchedulerOptions o;
  o.n_slots = 2;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  GenerationRequest r = greedy(prompt(12, 51), 12);
  r.ignore_eos = true;
  r.top_logprobs = 3;
  Collected c;
  submit(*s, r, c);
  ASSERT_TRUE(c.wait_done());
  ASSERT_EQ(c.logprobs.size(), 12u);
  // The oracle's logits for every generated position, from one decode of prompt + tokens.
  ContextOptions co;
  auto ctx = make_context(*model_, *oracle_pool_, co);
  ASSERT_NE(ctx, nullptr);
  std::vector<int32_t> all = r.prompt;
  for (const TokenLogprob& lp : c.logprobs) all.push_back(lp.token);
  const std::vector<float> logits = decode_all(*ctx, all);
  const size_t n_vocab = static_cast<size_t>(model_->config().n_vocab);
  for (size_t i = 0; i < c.logprobs.size(); ++i) {
    SCOPED_TRACE("token " + std::to_string(i));
    const TokenLogprob& lp = c.logprobs[i];
    const std::span<const float> row(logits.data() + (r.prompt.size() - 1 + i) * n_vocab, n_vocab);
    EXPECT_NEAR(lp.logprob, token_logprob(row, lp.token), 1e-4);
    ASSERT_EQ(lp.top.size(), 3u);
    EXPECT_EQ(lp.top[0].first, lp.token);  // greedy: the most likely token
    EXPECT_EQ(lp.top[0].second, lp.logprob);
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(lp.top[k].second, token_logprob(row, lp.top[k].first), 1e-4);
      if (k > 0) {
        EXPECT_GE(lp.top[k - 1].second, lp.top[k].second);
      }
    }
    // Nothing outside the top 3 is more likely than the third.
    for (size_t id = 0; id < n_vocab; ++id) {
      const int32_t tid = static_cast<int32_t>(id);
      if (tid == lp.top[0].first || tid == lp.top[1].first || tid == lp.top[2].first) continue;
      EXPECT_LE(row[id], row[static_cast<size_t>(lp.top[2].first)]);
    }
  }
  // The output is the decoded text of the same ids; each ASCII token's text is its decoding.
  EXPECT_EQ(model_->tokenizer().decode(std::vector<int32_t>(all.begin() + 12, all.end())), c.text);
  for (const TokenLogprob& lp : c.logprobs) {
    const bool ascii = std::all_of(lp.text.begin(), lp.text.end(), [](char ch) { return (ch & 0x80) == 0; });
    if (ascii) {
      EXPECT_EQ(lp.text, model_->tokenizer().decode({lp.token}));
    }
  }
}

TEST_F(SchedulerTest, SeededSamplingIsReproducibleInAnyBatch) {
  SchedulerOptions o;
  o.n_slots = 4;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  auto sampled = [&](uint64_t seed) {
    GenerationRequest r = greedy(prompt(14, 61), 24);
    r.sampling.temperature = 1.0f;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    r.sampling.min_p = 0.0f;
    r.sampling.seed = seed;
    r.sampling.presence_penalty = 0.5f;
    r.sampling.frequency_penalty = 0.3f;
    r.sampling.logit_bias[65] = 2.0f;
    return r;
  };
  const Expected want = alone(sampled(123));
  // Alone, then together with other seeds and greedy requests.
  Collected a;
  submit(*s, sampled(123), a);
  ASSERT_TRUE(a.wait_done());
  expect_same(a, want);
  std::vector<Collected> batch(4);
  submit(*s, sampled(7), batch[0]);
  submit(*s, sampled(123), batch[1]);
  submit(*s, greedy(prompt(40, 62), 20), batch[2]);
  submit(*s, sampled(8), batch[3]);
  for (Collected& c : batch) ASSERT_TRUE(c.wait_done());
  expect_same(batch[1], want);
  expect_same(batch[0], alone(sampled(7)));
  expect_same(batch[3], alone(sampled(8)));
  EXPECT_TRUE(batch[0].text != want.text || batch[3].text != want.text);
}

TEST_F(SchedulerTest, GrammarConstrainsTheOutput) {
  SchedulerOptions o;
  o.n_slots = 2;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  auto g = Grammar::parse(R"(root ::= ("yes" | "no" | "maybe") "!")");
  ASSERT_TRUE(g.ok()) << g.error().message;
  for (uint32_t seed = 0; seed < 4; ++seed) {
    GenerationRequest r = greedy(prompt(10, 70 + seed), 20);
    r.grammar = *g;
    if (seed % 2 == 1) {
      r.sampling.temperature = 1.0f;
      r.sampling.seed = seed;
    }
    Collected c;
    submit(*s, r, c);
    ASSERT_TRUE(c.wait_done());
    EXPECT_TRUE(c.text == "yes!" || c.text == "no!" || c.text == "maybe!") << c.text;
    EXPECT_EQ(c.done.finish, FinishReason::kStop);
  }
}

TEST_F(SchedulerTest, ShutdownCancelsEverything) {
  std::vector<Collected> got(5);
  {
    SchedulerOptions o;
    o.n_slots = 2;
    auto s = make(o);
    ASSERT_NE(s, nullptr);
    GenerationRequest r = greedy(prompt(10, 81), -1);
    r.ignore_eos = true;
    for (Collected& c : got) submit(*s, r, c);
    ASSERT_TRUE(got[0].wait_deltas(1));
  }
  for (Collected& c : got) {
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_EQ(c.n_done, 1u);
    EXPECT_FALSE(c.delta_after_done);
    EXPECT_TRUE(c.done.finish == FinishReason::kCancelled || c.done.finish == FinishReason::kLength);
  }
}

TEST_F(SchedulerTest, StatsCountTokensAndTimeToFirstToken) {
  SchedulerOptions o;
  o.n_slots = 2;
  auto s = make(o);
  ASSERT_NE(s, nullptr);
  std::vector<Collected> got(3);
  int64_t completion = 0, prompt_total = 0;
  for (uint32_t i = 0; i < 3; ++i) submit(*s, greedy(prompt(10 + i, 90 + i), 6), got[i]);
  for (Collected& c : got) {
    ASSERT_TRUE(c.wait_done());
    completion += c.done.completion_tokens;
    prompt_total += c.done.prompt_tokens;
    EXPECT_GT(c.done.time_to_first_token_s, 0.0);
  }
  const SchedulerStats st = s->stats();
  EXPECT_EQ(st.requests_total, 3u);
  EXPECT_EQ(st.completion_tokens_total, static_cast<uint64_t>(completion));
  EXPECT_EQ(st.prompt_tokens_total, static_cast<uint64_t>(prompt_total));
  EXPECT_GT(st.steps_total, 0u);
  EXPECT_GT(st.decode_seconds_total, 0.0);
  EXPECT_EQ(st.n_slots, 2);
  EXPECT_EQ(st.kv_cells_total, 2 * s->n_ctx());
  EXPECT_GT(st.kv_cells_used, 0);
  ASSERT_EQ(st.ttft_counts.size(), st.ttft_bounds.size() + 1);
  EXPECT_EQ(st.ttft_counts.back(), 3u);
  for (size_t b = 1; b < st.ttft_counts.size(); ++b) {
    EXPECT_GE(st.ttft_counts[b], st.ttft_counts[b - 1]);
  }
  EXPECT_GT(st.ttft_sum_s, 0.0);
}

}  // namespace
}  // namespace primer::testing
