// The oracle of the Scheduler tests: `primer run`'s own generate() loop. Its source is compiled
// into this test binary (the model tests do not link the CLI library), so the Scheduler is
// compared with exactly the code `primer run` executes, not with a re-implementation.
#include "cli/generation.cpp"  // NOLINT(bugprone-suspicious-include)

#include <cmath>

#include "model/scheduler_test_util.h"

namespace primer::testing {

EventSink Collected::sink() {
  return [this](GenerationEvent&& ev) {
    std::lock_guard<std::mutex> lock(mu);
    if (n_done > 0) delta_after_done = true;
    if (ev.kind == GenerationEvent::Kind::kDelta) {
      ++n_deltas;
      text += ev.text;
      for (TokenLogprob& lp : ev.logprobs) logprobs.push_back(std::move(lp));
    } else {
      ++n_done;
      done = std::move(ev);
    }
    cv.notify_all();
  };
}

bool Collected::wait_done(double timeout_s) {
  std::unique_lock<std::mutex> lock(mu);
  const bool ok = cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return n_done > 0; });
  if (!ok) ADD_FAILURE() << "no kDone event within " << timeout_s << " s";
  return ok;
}

bool Collected::wait_deltas(size_t n, double timeout_s) {
  std::unique_lock<std::mutex> lock(mu);
  const bool ok = cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                              [&] { return n_deltas >= n || n_done > 0; });
  if (!ok) ADD_FAILURE() << "fewer than " << n << " deltas within " << timeout_s << " s";
  return ok && n_deltas >= n;
}

std::vector<int32_t> Collected::tokens() {
  std::lock_guard<std::mutex> lock(mu);
  std::vector<int32_t> ids;
  for (const TokenLogprob& lp : logprobs) ids.push_back(lp.token);
  return ids;
}

Expected run_alone(const Model& model, ThreadPool& pool, const GenerationRequest& request,
                   const OracleOptions& options) {
  Expected out;
  ContextOptions co;
  co.n_ctx = options.n_ctx;
  co.n_batch = options.n_batch;
  co.kv_type = options.kv_type;
  auto ctx = Context::create(model, pool, co);
  if (!ctx.ok()) {
    ADD_FAILURE() << ctx.error().message;
    return out;
  }
  cli::Sequence seq(**ctx);
  if (Status s = seq.append(request.prompt); !s.ok()) {
    ADD_FAILURE() << s.error().message;
    return out;
  }
  const Tokenizer& tok = model.tokenizer();
  SamplingParams sp = request.sampling;
  cli::GenerateOptions go;
  go.n_predict = request.max_tokens;
  go.stops = request.stop;
  if (request.ignore_eos) {
    for (int32_t id : tok.eos_ids()) sp.logit_bias[id] = -INFINITY;
  } else {
    go.eos_ids = tok.eos_ids();
  }
  auto sampler = Sampler::from_params(sp);
  auto r = cli::generate(seq, *sampler, tok, go, {});
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return out;
  }
  out.tokens = r->tokens;
  out.text = r->text;
  switch (r->reason) {
    case cli::StopReason::kEos:
    case cli::StopReason::kStopString: out.finish = FinishReason::kStop; break;
    case cli::StopReason::kLength:
    case cli::StopReason::kContextFull: out.finish = FinishReason::kLength; break;
  }
  return out;
}

void expect_same(Collected& got, const Expected& want) {
  std::lock_guard<std::mutex> lock(got.mu);
  EXPECT_EQ(got.n_done, 1u);
  EXPECT_FALSE(got.delta_after_done);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(finish_reason_name(got.done.finish), std::string(finish_reason_name(want.finish)));
  EXPECT_EQ(got.done.completion_tokens, static_cast<int64_t>(want.tokens.size()));
  if (!got.logprobs.empty() || got.done.completion_tokens == 0) {
    std::vector<int32_t> ids;
    for (const TokenLogprob& lp : got.logprobs) ids.push_back(lp.token);
    if (got.done.finish != FinishReason::kStop || ids.size() == want.tokens.size()) {
      EXPECT_EQ(ids, want.tokens);
    }
  }
}

}  // namespace primer::testing
