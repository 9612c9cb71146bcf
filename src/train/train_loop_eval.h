#pragma once
// Private to the training loop: validation loss, greedy samples, progress formatting.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "primer/train.h"
#include "primer/train_data.h"

namespace primer::train {

// Mean cross-entropy over the first min(eval_batches * batch_size, n_windows) windows of the
// validation shard, in order (the same windows at every evaluation). tokens / targets:
// [batch_size * seq_len] scratch. NaN when no window has a target.
double validation_loss(Trainer& trainer, const BatchSampler& val, int64_t eval_batches, int64_t batch_size,
                       int64_t seq_len, int32_t* tokens, int32_t* targets);

// Buffers for greedy_continuation, allocated once per run.
struct SampleScratch {
  std::vector<int32_t> tokens;   // [seq_len]
  std::vector<int32_t> targets;  // [seq_len]
  std::vector<float> logits;     // [seq_len * n_vocab]
};

// Greedy decoding with Trainer::logits on a 1-sequence batch: up to n_new tokens after
// `context` (its last seq_len tokens are the window), stopping before any of stop_ids.
std::vector<int32_t> greedy_continuation(Trainer& trainer, std::vector<int32_t> context, int64_t n_new,
                                         int64_t seq_len, int64_t n_vocab, std::span<const int32_t> stop_ids,
                                         SampleScratch& scratch);

// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);
// "step 120/1000 | loss 3.4512 | val 3.5123 | lr 6.00e-04 | 25.3k tok/s | ETA 4m12s"
std::string progress_line(int64_t step, int64_t steps, double loss, double val_loss, float lr, double tokens_per_s,
                          double eta_s);

}  // namespace primer::train
