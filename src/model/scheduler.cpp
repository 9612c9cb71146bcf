// The Scheduler's public side: creation, submit/cancel/stats from any thread, the owner thread's
// loop and shutdown. One step of the loop (admission, the batched decode, sampling) is in
// scheduler_step.cpp; one request's generation in scheduler_stream.cpp.
#include <algorithm>
#include <utility>

#include "model/scheduler_impl.h"

namespace primer {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kError: return "error";
  }
  return "?";
}

Result<std::unique_ptr<Scheduler>> Scheduler::create(const Model& model, ThreadPool& pool,
                                                     const SchedulerOptions& options) {
  if (options.n_slots < 1 || options.n_slots > 1024) {
    return make_error("[scheduler] n_slots %d: must be in [1, 1024]", options.n_slots);
  }
  if (options.n_batch < 1) {
    return make_error("[scheduler] n_batch %lld: must be >= 1", static_cast<long long>(options.n_batch));
  }
  auto impl = std::make_unique<Impl>(model, pool);
  impl->options = options;
  ContextOptions co;
  co.n_ctx = options.n_ctx;
  co.n_seq = options.n_slots;
  co.n_batch = options.n_batch;
  co.kv_type = options.kv_type;
  PRIMER_ASSIGN_OR_RETURN(impl->ctx, Context::create(model, pool, co));
  impl->env.tok = &model.tokenizer();
  impl->env.eos_ids = model.tokenizer().eos_ids();
  // Built up front (0.1-0.3 s for a 150k vocabulary) so no request stalls the batch for it.
  impl->env.texts = std::make_shared<const TokenTexts>(model.tokenizer());
  Impl* self = impl.get();
  impl->env.on_finish = [self](const sched::StreamSummary& s) { self->record(s, true); };
  impl->slots.resize(static_cast<size_t>(options.n_slots));
  for (int i = 0; i < options.n_slots; ++i) {
    impl->slots[static_cast<size_t>(i)].seq = i;
    impl->slots[static_cast<size_t>(i)].cached.reserve(static_cast<size_t>(impl->ctx->n_ctx()));
  }
  SchedulerStats& st = impl->stats;
  st.n_slots = options.n_slots;
  st.kv_cells_total = static_cast<int64_t>(options.n_slots) * impl->ctx->n_ctx();
  st.ttft_bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  st.ttft_counts.assign(st.ttft_bounds.size() + 1, 0);
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(impl)));
}

Scheduler::Scheduler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const Model& Scheduler::model() const { return impl_->model; }
int64_t Scheduler::n_ctx() const { return impl_->ctx->n_ctx(); }
std::shared_ptr<const TokenTexts> Scheduler::token_texts() const { return impl_->env.texts; }

Scheduler::Submitted Scheduler::submit(GenerationRequest request, EventSink sink) {
  Impl& m = *impl_;
  auto refuse = [](SubmitError kind, std::string message) {
    Submitted s;
    s.refusal = Refusal{kind, std::move(message)};
    return s;
  };
  auto invalid = [&](const Error& e) { return refuse(SubmitError::kInvalid, e.message); };
  const int64_t n_vocab = m.model.config().n_vocab;
  const int64_t n_ctx = m.ctx->n_ctx();
  const auto& prompt = request.prompt;
  if (prompt.empty()) return invalid(make_error("prompt: empty (at least one token is needed)"));
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] < 0 || prompt[i] >= n_vocab) {
      return invalid(make_error("prompt: token %zu has id %d, outside the vocabulary [0, %lld)", i,
                                prompt[i], static_cast<long long>(n_vocab)));
    }
  }
  if (Status s = request.sampling.validate(); !s.ok()) return invalid(s.error());
  for (const auto& [id, bias] : request.sampling.logit_bias) {
    if (id >= n_vocab) {
      return invalid(make_error("logit_bias: token id %d is outside the vocabulary [0, %lld)", id,
                                static_cast<long long>(n_vocab)));
    }
  }
  if (request.max_tokens == 0) {
    return invalid(make_error("max_tokens: 0 (must be >= 1; < 0 for no limit)"));
  }
  if (request.top_logprobs > 20) {
    return invalid(make_error("top_logprobs: %d (must be in [0, 20])", request.top_logprobs));
  }
  for (size_t i = 0; i < request.stop.size(); ++i) {
    if (request.stop[i].empty()) return invalid(make_error("stop[%zu]: empty string", i));
  }
  if (!sink) return invalid(make_error("[scheduler] submit: no event sink"));
  if (static_cast<int64_t>(prompt.size()) + 1 > n_ctx) {
    return refuse(SubmitError::kTooLong,
                  make_error("prompt: %zu tokens do not fit in the context of %lld (one position "
                             "is needed for the answer)",
                             prompt.size(), static_cast<long long>(n_ctx)).message);
  }
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.stopping) return refuse(SubmitError::kOverloaded, "[scheduler] shutting down");
  if (m.n_queued >= m.options.max_queue) {
    ++m.stats.requests_rejected;
    return refuse(SubmitError::kOverloaded,
                  make_error("[scheduler] queue full: %zu requests are waiting for a slot",
                             m.n_queued).message);
  }
  sched::Pending p;
  p.id = m.next_id++;
  p.req = std::move(request);
  p.sink = std::move(sink);
  p.submitted = sched::Clock::now();
  Submitted out;
  out.id = p.id;
  m.live.insert(p.id);
  m.incoming.push_back(std::move(p));
  ++m.n_queued;
  ++m.stats.requests_total;
  m.cv.notify_one();
  return out;
}

void Scheduler::cancel(uint64_t id) {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.live.count(id) == 0) return;
    m.cancels.push_back(id);
  }
  m.cv.notify_one();
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  SchedulerStats s = impl_->stats;
  s.queue_depth = impl_->n_queued;
  return s;
}

// ---- owner thread ----

void Scheduler::Impl::run() {
  std::vector<uint64_t> cancel_ids;
  bool idle = true;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      const bool busy = !idle || !waiting.empty() ||
                        std::any_of(slots.begin(), slots.end(), [](const SchedSlot& s) { return s.stream != nullptr; });
      if (!busy) {
        cv.wait(lock, [&] { return stopping || !incoming.empty() || !cancels.empty(); });
      }
      if (stopping) break;
      while (!incoming.empty()) {
        waiting.push_back(std::move(incoming.front()));
        incoming.pop_front();
      }
      cancel_ids.swap(cancels);
      cancels.clear();
    }
    const bool did = step(cancel_ids);
    cancel_ids.clear();
    // Nothing decodable (should not happen while requests wait): sleep until the next event.
    idle = !did;
    if (!did && !waiting.empty()) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(1));
    }
  }
  shutdown();
}

void Scheduler::Impl::shutdown() {
  for (SchedSlot& s : slots) {
    if (s.stream) end_stream(s, FinishReason::kCancelled);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    while (!incoming.empty()) {
      waiting.push_back(std::move(incoming.front()));
      incoming.pop_front();
    }
  }
  for (sched::Pending& p : waiting) finish_waiting(p, FinishReason::kCancelled);
  waiting.clear();
}

void Scheduler::Impl::record(const sched::StreamSummary& s, bool admitted) {
  std::lock_guard<std::mutex> lock(mu);
  live.erase(s.id);
  if (s.finish == FinishReason::kCancelled) ++stats.requests_cancelled;
  if (admitted) {
    --stats.slots_busy;
    stats.prompt_tokens_total += static_cast<uint64_t>(s.prompt_tokens);
    stats.prompt_tokens_cached += static_cast<uint64_t>(s.cached_tokens);
    stats.completion_tokens_total += static_cast<uint64_t>(s.completion_tokens);
  }
}

}  // namespace primer
