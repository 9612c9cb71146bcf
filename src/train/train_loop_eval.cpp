// Evaluation on the validation shard, greedy sample generations, and the progress line.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "train/train_loop_eval.h"

namespace primer::train {

double validation_loss(Trainer& trainer, const BatchSampler& val, int64_t eval_batches, int64_t batch_size,
                       int64_t seq_len, int32_t* tokens, int32_t* targets) {
  const int64_t n = std::min(eval_batches * batch_size, val.n_windows());
  double sum = 0;
  int64_t count = 0;
  for (int64_t w = 0; w < n; w += batch_size) {
    const int64_t nb = std::min(batch_size, n - w);
    for (int64_t i = 0; i < nb; ++i) val.fill_window(w + i, tokens + i * seq_len, targets + i * seq_len);
    BatchView batch{nb, seq_len, tokens, targets, nullptr};
    const StepStats s = trainer.evaluate(batch);
    sum += s.loss * static_cast<double>(s.n_targets);
    count += s.n_targets;
  }
  return count > 0 ? sum / static_cast<double>(count) : std::nan("");
}

std::vector<int32_t> greedy_continuation(Trainer& trainer, std::vector<int32_t> context, int64_t n_new,
                                         int64_t seq_len, int64_t n_vocab, std::span<const int32_t> stop_ids,
                                         SampleScratch& scratch) {
  PRIMER_CHECK(scratch.tokens.size() >= static_cast<size_t>(seq_len));
  PRIMER_CHECK(scratch.logits.size() >= static_cast<size_t>(seq_len * n_vocab));
  std::vector<int32_t> out;
  if (context.empty()) context.push_back(0);
  for (int64_t t = 0; t < n_new; ++t) {
    // The newest seq_len tokens; positions after them are padding the causal mask ignores.
    const size_t len = std::min(context.size(), static_cast<size_t>(seq_len));
    std::fill(scratch.tokens.begin(), scratch.tokens.end(), 0);
    std::fill(scratch.targets.begin(), scratch.targets.end(), -1);
    std::copy(context.end() - static_cast<std::ptrdiff_t>(len), context.end(), scratch.tokens.begin());
    BatchView batch{1, seq_len, scratch.tokens.data(), scratch.targets.data(), nullptr};
    trainer.logits(batch, scratch.logits);
    const float* row = scratch.logits.data() + (len - 1) * static_cast<size_t>(n_vocab);
    const int32_t next = static_cast<int32_t>(std::max_element(row, row + n_vocab) - row);
    if (std::find(stop_ids.begin(), stop_ids.end(), next) != stop_ids.end()) break;
    out.push_back(next);
    context.push_back(next);
  }
  return out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%lldh%02lldm", s / 3600, s / 60 % 60);
  else if (s >= 60) std::snprintf(buf, sizeof(buf), "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%llds", s);
  return buf;
}

std::string progress_line(int64_t step, int64_t steps, double loss, double val_loss, float lr, double tokens_per_s,
                          double eta_s) {
  char val[32] = "-";
  if (std::isfinite(val_loss)) std::snprintf(val, sizeof(val), "%.4f", val_loss);
  char rate[32];
  if (tokens_per_s >= 1e6) std::snprintf(rate, sizeof(rate), "%.2fM", tokens_per_s / 1e6);
  else if (tokens_per_s >= 1e3) std::snprintf(rate, sizeof(rate), "%.1fk", tokens_per_s / 1e3);
  else std::snprintf(rate, sizeof(rate), "%.0f", tokens_per_s);
  char buf[256];
  std::snprintf(buf, sizeof(buf), "step %lld/%lld | loss %.4f | val %s | lr %.2e | %s tok/s | ETA %s",
                static_cast<long long>(step), static_cast<long long>(steps), loss, val, static_cast<double>(lr), rate,
                format_duration(eta_s).c_str());
  return buf;
}

}  // namespace primer::train
