// GET /metrics: Prometheus text exposition format (version 0.0.4).
#include <sstream>

#include "serve/server_impl.h"

namespace primer {

namespace {

void family(std::ostringstream& o, const char* name, const char* type, const char* help) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// A family with one unlabelled sample.
template <class T>
void metric(std::ostringstream& o, const char* name, const char* type, const char* help, T value) {
  family(o, name, type, help);
  o << name << ' ' << value << '\n';
}

}  // namespace

std::string ServerImpl::metrics_text() {
  std::ostringstream o;
  o.precision(9);
  family(o, "primer_http_responses_total", "counter", "HTTP responses by endpoint and status code.");
  {
    std::lock_guard<std::mutex> lock(counters_mu);
    for (const auto& [key, n] : responses) {
      o << "primer_http_responses_total{endpoint=\"" << key.first << "\",code=\"" << key.second << "\"} " << n << '\n';
    }
  }
  metric(o, "primer_ready", "gauge", "1 when the model is loaded and requests are served.",
         (ready.load() ? 1 : 0));
  if (!ready.load()) return o.str();

  const SchedulerStats s = scheduler->stats();
  metric(o, "primer_requests_total", "counter", "Generation requests accepted (one per choice).",
         s.requests_total);
  metric(o, "primer_requests_rejected_total", "counter", "Requests refused because the queue was full (429).",
         s.requests_rejected);
  metric(o, "primer_requests_cancelled_total", "counter", "Requests cancelled (client gone, shutdown).",
         s.requests_cancelled);
  metric(o, "primer_prompt_tokens_total", "counter", "Prompt tokens of finished requests.",
         s.prompt_tokens_total);
  metric(o, "primer_prompt_tokens_cached_total", "counter", "Prompt tokens reused from the KV cache.",
         s.prompt_tokens_cached);
  metric(o, "primer_completion_tokens_total", "counter", "Generated tokens.",
         s.completion_tokens_total);
  metric(o, "primer_decode_steps_total", "counter", "Forward passes (one per batching step).",
         s.steps_total);
  metric(o, "primer_decode_seconds_total", "counter", "Seconds spent in forward passes.",
         s.decode_seconds_total);
  metric(o, "primer_generation_tokens_per_second", "gauge", "Generated tokens per second of forward-pass time, since start.",
         (s.decode_seconds_total > 0 ? static_cast<double>(s.completion_tokens_total) / s.decode_seconds_total : 0.0));
  metric(o, "primer_queue_depth", "gauge", "Requests waiting for a slot.",
         s.queue_depth);
  metric(o, "primer_slots_busy", "gauge", "Slots generating or processing a prompt.",
         s.slots_busy);
  metric(o, "primer_slots_total", "gauge", "Slots (--parallel).",
         s.n_slots);
  metric(o, "primer_kv_cache_cells_used", "gauge", "KV-cache positions holding tokens, all slots.",
         s.kv_cells_used);
  metric(o, "primer_kv_cache_cells_total", "gauge", "KV-cache positions, all slots.",
         s.kv_cells_total);
  metric(o, "primer_kv_cache_usage_ratio", "gauge", "Used / total KV-cache positions.",
         (s.kv_cells_total > 0 ? static_cast<double>(s.kv_cells_used) / static_cast<double>(s.kv_cells_total) : 0.0));
  family(o, "primer_time_to_first_token_seconds", "histogram", "From request arrival to its first token.");
  uint64_t count = 0;
  for (size_t i = 0; i < s.ttft_bounds.size() && i < s.ttft_counts.size(); ++i) {
    o << "primer_time_to_first_token_seconds_bucket{le=\"" << s.ttft_bounds[i] << "\"} " << s.ttft_counts[i] << '\n';
  }
  if (!s.ttft_counts.empty()) count = s.ttft_counts.back();
  o << "primer_time_to_first_token_seconds_bucket{le=\"+Inf\"} " << count << '\n';
  o << "primer_time_to_first_token_seconds_sum " << s.ttft_sum_s << '\n';
  o << "primer_time_to_first_token_seconds_count " << count << '\n';
  return o.str();
}

}  // namespace primer
