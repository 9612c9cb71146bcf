// One step of the Scheduler's owner thread:
//   cancellations -> admissions (prefix reuse) -> ONE Context::decode over every active slot
//   (one token per generating slot first, then prompt chunks up to n_batch tokens in all)
//   -> per slot: sample, detokenize, stop strings, events.
#include <algorithm>
#include <chrono>
#include <utility>

#include "model/scheduler_impl.h"

namespace primer {
namespace {

// A request whose prompt shares at least this many more tokens with a prompt being prefilled
// than any cache holds now waits for that prefill and copies it (n > 1 choices are n requests
// with one prompt: the prefix is computed once).
constexpr int64_t kMinSharedToWait = 16;

// Tokens `prompt` shares with `cached`, at most prompt.size() - 1: the last prompt token is always
// decoded (its logits start the generation).
int64_t reusable(const std::vector<int32_t>& prompt, const std::vector<int32_t>& cached) {
  const size_t limit = std::min(cached.size(), prompt.size() - 1);
  size_t n = 0;
  while (n < limit && cached[n] == prompt[n]) ++n;
  return static_cast<int64_t>(n);
}

}  // namespace

void Scheduler::Impl::end_stream(SchedSlot& slot, std::optional<FinishReason> abort_reason,
                                 std::string error) {
  PRIMER_CHECK(slot.stream != nullptr);
  if (abort_reason) slot.stream->abort(*abort_reason, std::move(error));
  PRIMER_CHECK(slot.stream->done());  // counters recorded by env.on_finish
  slot.stream.reset();
  slot.prefilling = false;
  slot.next_token = -1;
}

void Scheduler::Impl::finish_waiting(sched::Pending& p, FinishReason reason) {
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::kDone;
  ev.finish = reason;
  ev.prompt_tokens = static_cast<int64_t>(p.req.prompt.size());
  {
    std::lock_guard<std::mutex> lock(mu);
    live.erase(p.id);
    --n_queued;
    if (reason == FinishReason::kCancelled) ++stats.requests_cancelled;
  }
  p.sink(std::move(ev));
}

std::optional<size_t> Scheduler::Impl::pick_slot(const sched::Pending& p, int64_t& reuse) {
  const auto& prompt = p.req.prompt;
  std::optional<size_t> idle, busy;
  int64_t idle_lcp = -1, busy_lcp = 0, in_prefill = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    const SchedSlot& s = slots[i];
    const int64_t l = reusable(prompt, s.cached);
    if (s.stream) {
      if (l > busy_lcp) {
        busy_lcp = l;
        busy = i;
      }
      if (s.prefilling) in_prefill = std::max(in_prefill, reusable(prompt, s.stream->prompt()));
    } else if (l > idle_lcp || (l == idle_lcp && s.last_used < slots[*idle].last_used)) {
      idle_lcp = l;
      idle = i;
    }
  }
  if (!idle) return std::nullopt;
  if (in_prefill >= std::max(idle_lcp, busy_lcp) + kMinSharedToWait) return std::nullopt;
  SchedSlot& chosen = slots[*idle];
  if (busy && busy_lcp > idle_lcp) {
    const SchedSlot& src = slots[*busy];
    ctx->seq_copy(src.seq, chosen.seq, busy_lcp);
    chosen.cached.assign(src.cached.begin(), src.cached.begin() + busy_lcp);
    reuse = busy_lcp;
  } else {
    ctx->seq_truncate(chosen.seq, idle_lcp);
    chosen.cached.resize(static_cast<size_t>(idle_lcp));
    reuse = idle_lcp;
  }
  return idle;
}

void Scheduler::Impl::admit() {
  size_t n_admitted = 0;
  for (size_t i = 0; i < waiting.size();) {
    const bool any_idle =
        std::any_of(slots.begin(), slots.end(), [](const SchedSlot& s) { return s.stream == nullptr; });
    if (!any_idle) break;
    int64_t reuse = 0;
    const std::optional<size_t> k = pick_slot(waiting[i], reuse);
    if (!k) {  // waits for a prefill it shares a prefix with
      ++i;
      continue;
    }
    SchedSlot& s = slots[*k];
    s.stream = std::make_unique<sched::Stream>(std::move(waiting[i]), env, reuse);
    s.prefilling = true;
    s.next_token = -1;
    s.last_used = step_no;
    s.admitted = ++admissions;
    waiting.erase(waiting.begin() + static_cast<ptrdiff_t>(i));
    ++n_admitted;
  }
  if (n_admitted > 0) {
    std::lock_guard<std::mutex> lock(mu);
    n_queued -= n_admitted;
    stats.slots_busy += static_cast<int>(n_admitted);
  }
}

bool Scheduler::Impl::step(std::vector<uint64_t>& cancel_ids) {
  ++step_no;
  // 1. Cancellations: queued requests end at once; running ones free their slot (KV kept).
  for (uint64_t id : cancel_ids) {
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (waiting[i].id != id) continue;
      finish_waiting(waiting[i], FinishReason::kCancelled);
      waiting.erase(waiting.begin() + static_cast<ptrdiff_t>(i));
      break;
    }
    for (SchedSlot& s : slots) {
      if (s.stream && s.stream->id() == id) end_stream(s, FinishReason::kCancelled);
    }
  }

  // 2. Admissions.
  admit();

  // 3. One batch: a token per generating slot, then prompt chunks (oldest admission first).
  batch.clear();
  for (SchedSlot& s : slots) {
    s.in_batch = false;
    if (!s.stream || s.prefilling) continue;
    s.batch_row = batch.size();
    s.in_batch = true;
    batch.add(s.next_token, s.seq, static_cast<int64_t>(s.cached.size()), true);
  }
  std::vector<SchedSlot*>& prefill = prefill_order;
  prefill.clear();
  for (SchedSlot& s : slots) {
    if (s.stream && s.prefilling) prefill.push_back(&s);
  }
  std::sort(prefill.begin(), prefill.end(),
            [](const SchedSlot* a, const SchedSlot* b) { return a->admitted < b->admitted; });
  const size_t n_batch = static_cast<size_t>(ctx->n_batch());
  for (SchedSlot* s : prefill) {
    if (batch.size() >= n_batch) break;
    const auto& prompt = s->stream->prompt();
    const size_t done = s->cached.size();
    const size_t n = std::min(prompt.size() - done, n_batch - batch.size());
    for (size_t j = 0; j < n; ++j) {
      const bool last = done + j + 1 == prompt.size();
      if (last) s->batch_row = batch.size();
      batch.add(prompt[done + j], s->seq, static_cast<int64_t>(done + j), last);
    }
    s->in_batch = true;
  }
  if (batch.empty()) {
    publish_step(0.0, false);
    return false;
  }

  // 4. Decode.
  const auto t0 = sched::Clock::now();
  const Status st = ctx->decode(batch);
  const double decode_s = std::chrono::duration<double>(sched::Clock::now() - t0).count();
  if (!st.ok()) {
    for (SchedSlot& s : slots) {
      if (s.in_batch) end_stream(s, FinishReason::kError, st.error().message);
    }
    publish_step(decode_s, true);
    return true;
  }

  // 5. Mirror the cache, sample, send events. Batch rows of one slot are contiguous and in order.
  const int64_t n_ctx = ctx->n_ctx();
  for (size_t i = 0; i < batch.size(); ++i) {
    SchedSlot& s = slots[static_cast<size_t>(batch.seq(i))];
    s.cached.push_back(batch.token(i));
  }
  for (SchedSlot& s : slots) {
    if (!s.in_batch) continue;
    if (s.prefilling) {
      if (s.cached.size() < s.stream->prompt().size()) continue;  // more chunks to come
      s.prefilling = false;
    }
    const std::optional<int32_t> next = s.stream->on_logits(
        ctx->logits(s.batch_row), static_cast<int64_t>(s.cached.size()), n_ctx);
    if (std::optional<double> ttft = s.stream->take_ttft()) ttfts.push_back(*ttft);
    if (next) {
      s.next_token = *next;
    } else {
      end_stream(s, std::nullopt);
    }
  }
  publish_step(decode_s, true);
  return true;
}

void Scheduler::Impl::publish_step(double decode_s, bool decoded) {
  int busy = 0;
  int64_t cells = 0;
  for (const SchedSlot& s : slots) {
    busy += s.stream ? 1 : 0;
    cells += static_cast<int64_t>(s.cached.size());
  }
  std::lock_guard<std::mutex> lock(mu);
  if (decoded) {
    ++stats.steps_total;
    stats.decode_seconds_total += decode_s;
  }
  stats.slots_busy = busy;
  stats.kv_cells_used = cells;
  for (double t : ttfts) {
    for (size_t b = 0; b < stats.ttft_bounds.size(); ++b) {
      if (t <= stats.ttft_bounds[b]) ++stats.ttft_counts[b];
    }
    ++stats.ttft_counts.back();
    stats.ttft_sum_s += t;
  }
  ttfts.clear();
}

}  // namespace primer
