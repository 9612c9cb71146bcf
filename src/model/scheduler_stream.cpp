// One request's sample -> detokenize -> stop-string -> event loop (see scheduler_stream.h).
#include "model/scheduler_stream.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace primer::sched {
namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

SamplingParams effective_params(const GenerationRequest& r, const std::vector<int32_t>& eos_ids) {
  SamplingParams p = r.sampling;
  // ignore_eos: end-of-generation tokens are banned, so they are never sampled.
  if (r.ignore_eos) {
    for (int32_t id : eos_ids) p.logit_bias[id] = -INFINITY;
  }
  return p;
}

}  // namespace

Stream::Stream(Pending pending, const StreamEnv& env, int64_t cached_tokens)
    : p_(std::move(pending)),
      env_(env),
      sampler_(Sampler::from_params(effective_params(p_.req, env.eos_ids))),
      decoder_(*env.tok),
      stop_(p_.req.stop),
      cached_tokens_(cached_tokens) {
  if (p_.req.grammar) {
    PRIMER_CHECK(env.texts != nullptr);
    matcher_.emplace(p_.req.grammar, env.texts);
  }
}

int32_t Stream::sample(std::span<const float> logits) {
  int32_t t = sampler_->sample(logits);
  if (!matcher_ || matcher_->allows(t)) return t;
  // Rejection (grammar.h): the unconstrained choice left the grammar; sample again from the
  // logits with every disallowed token masked.
  masked_.assign(logits.begin(), logits.end());
  matcher_->mask(masked_);
  t = sampler_->sample(masked_);
  return matcher_->allows(t) ? t : -1;
}

TokenLogprob Stream::make_logprob(std::span<const float> logits, int32_t token) const {
  // log softmax of the raw logits, accumulated in double as token_logprob() does.
  double max_logit = -INFINITY;
  for (float l : logits) max_logit = std::max(max_logit, static_cast<double>(l));
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
  const double log_sum = std::log(sum);
  auto lp = [&](int32_t id) {
    return static_cast<float>((static_cast<double>(logits[static_cast<size_t>(id)]) - max_logit) -
                              log_sum);
  };
  TokenLogprob out;
  out.token = token;
  out.text = std::string(env_.texts->text(token));
  out.logprob = lp(token);
  const size_t n_top = static_cast<size_t>(std::max(0, p_.req.top_logprobs));
  if (n_top > 0) {
    // The n_top highest logits (ties: lower id first), by insertion into a short sorted list.
    std::vector<int32_t> top;
    top.reserve(n_top + 1);
    auto better = [&](int32_t a, int32_t b) {
      const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
      return la > lb || (la == lb && a < b);
    };
    for (int32_t id = 0; id < static_cast<int32_t>(logits.size()); ++id) {
      if (top.size() == n_top && !better(id, top.back())) continue;
      top.insert(std::upper_bound(top.begin(), top.end(), id, better), id);
      if (top.size() > n_top) top.pop_back();
    }
    out.top.reserve(top.size());
    for (int32_t id : top) out.top.emplace_back(id, lp(id));
  }
  return out;
}

std::optional<int32_t> Stream::on_logits(std::span<const float> logits, int64_t kv_len,
                                         int64_t n_ctx) {
  PRIMER_CHECK(!done_);
  const int32_t t = sample(logits);
  if (!ttft_) ttft_ = std::chrono::duration<double>(Clock::now() - p_.submitted).count();
  if (t < 0) {
    finish(FinishReason::kError, false);
    return std::nullopt;
  }
  if (contains(env_.eos_ids, t)) {
    // An end-of-generation token (with a grammar, allowed only when the output is complete).
    finish(FinishReason::kStop, true);
    return std::nullopt;
  }
  sampler_->accept(t);
  if (matcher_) matcher_->accept(t);
  ++n_generated_;
  if (p_.req.top_logprobs >= 0) {
    pending_lp_.push_back(make_logprob(logits, t));
    decoded_end_.push_back(kUnknown);
  }
  push_text(decoder_.push(t));
  if (done_) return std::nullopt;  // a stop string
  if (matcher_ && matcher_->finished()) {
    finish(FinishReason::kStop, true);
    return std::nullopt;
  }
  if (p_.req.max_tokens >= 0 && n_generated_ >= p_.req.max_tokens) {
    finish(FinishReason::kLength, true);
    return std::nullopt;
  }
  if (kv_len >= n_ctx) {
    finish(FinishReason::kLength, true);
    return std::nullopt;
  }
  return t;
}

void Stream::push_text(const std::string& piece) {
  decoded_bytes_ += piece.size();
  if (!piece.empty()) {
    for (uint64_t& end : decoded_end_) {
      if (end == kUnknown) end = decoded_bytes_;
    }
  }
  StopMatcher::Output out = stop_.push(piece);
  emit(std::move(out.text), false);
  if (out.stopped) finish(FinishReason::kStop, false);
}

void Stream::emit(std::string text, bool all_logprobs) {
  emitted_bytes_ += text.size();
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::kDelta;
  size_t n_ready = 0;
  if (all_logprobs) {
    n_ready = pending_lp_.size();
  } else {
    while (n_ready < pending_lp_.size() && decoded_end_[n_ready] <= emitted_bytes_) ++n_ready;
  }
  if (text.empty() && n_ready == 0) return;
  ev.text = std::move(text);
  ev.logprobs.assign(std::make_move_iterator(pending_lp_.begin()),
                     std::make_move_iterator(pending_lp_.begin() + static_cast<ptrdiff_t>(n_ready)));
  pending_lp_.erase(pending_lp_.begin(), pending_lp_.begin() + static_cast<ptrdiff_t>(n_ready));
  decoded_end_.erase(decoded_end_.begin(), decoded_end_.begin() + static_cast<ptrdiff_t>(n_ready));
  p_.sink(std::move(ev));
}

void Stream::finish(FinishReason reason, bool flush) {
  if (done_) return;
  if (flush) {
    // As generate(): the decoder's held bytes go through the stop matcher, then its held text.
    const std::string tail = decoder_.flush();
    decoded_bytes_ += tail.size();
    StopMatcher::Output out = stop_.push(tail);
    if (out.stopped) {
      emit(std::move(out.text), false);
      reason = FinishReason::kStop;
    } else {
      out.text += stop_.flush();
      emit(std::move(out.text), true);
    }
  }
  abort(reason, reason == FinishReason::kError ? "[scheduler] grammar: no token is allowed" : "");
}

void Stream::abort(FinishReason reason, std::string error) {
  if (done_) return;
  // Logprobs of tokens whose text was never emitted (a stop string, a cancel) are dropped.
  pending_lp_.clear();
  decoded_end_.clear();
  done_ = true;
  finish_ = reason;
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::kDone;
  ev.finish = reason;
  ev.error = std::move(error);
  ev.prompt_tokens = static_cast<int64_t>(p_.req.prompt.size());
  ev.cached_tokens = cached_tokens_;
  ev.completion_tokens = n_generated_;
  ev.time_to_first_token_s = ttft_.value_or(0.0);
  if (env_.on_finish) env_.on_finish(summary());
  p_.sink(std::move(ev));
}

StreamSummary Stream::summary() const {
  return StreamSummary{p_.id, finish_, static_cast<int64_t>(p_.req.prompt.size()), cached_tokens_,
                       n_generated_};
}

std::optional<double> Stream::take_ttft() {
  if (!ttft_ || ttft_taken_) return std::nullopt;
  ttft_taken_ = true;
  return ttft_;
}

}  // namespace primer::sched
