#pragma once
// The training loop behind `primer train RECIPE` and `primer distill`: a recipe file (TOML,
// documented in docs/training.md), progress, evaluation with sample generations, a loss curve
// (CSV + SVG), checkpoints that resume bit-exactly, and export to GGUF.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/log.h"
#include "primer/train.h"

namespace primer::train {

struct Recipe {
  std::string path;                  // where it was read from ("" when built in code)
  // [model]
  ModelShape shape;                  // n_vocab 0: taken from the data's tokenizer
  float init_std = 0.02f;
  std::string init_from;             // a GGUF to start from instead of random weights
  // [data]
  std::string train_data;            // shard file (train.bin) — relative paths are relative to the recipe
  std::string val_data;              // "" : no validation
  std::string tokenizer;             // tokenizer.json or GGUF (export, samples, vocab check)
  // [train]
  int64_t batch_size = 8;            // sequences per micro-batch
  int64_t grad_accum = 1;            // micro-batches per optimizer step
  int64_t seq_len = 256;
  int64_t steps = 1000;
  float lr = 1e-3f;
  float min_lr = 1e-4f;
  int64_t warmup_steps = 100;
  AdamWConfig adamw;
  float grad_clip = 1.0f;            // 0: off
  int threads = 0;                   // 0: all cores
  uint64_t seed = 1;
  // [eval]
  int64_t eval_every = 100;          // steps; 0: only at the end
  int64_t eval_batches = 8;
  std::vector<std::string> sample_prompts;  // greedy continuations printed at each eval
  int64_t sample_tokens = 32;
  // [checkpoint]
  int64_t checkpoint_every = 500;    // steps; 0: only at the end
  // [output]
  std::string out_dir = "out";       // checkpoints/, loss.csv, loss.svg, model.gguf
  FileType export_type = FileType::kF32;
  std::string model_name;
  // [distill] (primer distill)
  LossConfig loss;                   // distill_weight, temperature, kl, reverse_share
  int teacher_top_k = 32;

  // Parses a recipe; errors name the file, the key and the line ("recipe.toml:12: train.steps
  // must be > 0"). Unknown keys are errors (a typo must not silently train the wrong thing).
  static Result<Recipe> load(const std::string& path);
  static Result<Recipe> parse(std::string_view toml_text, const std::string& name);
  // Checks the whole recipe against the data (files exist, shards valid, vocabularies agree,
  // shape valid, seq_len <= n_ctx, enough windows for one batch).
  Status validate_against_data() const;
};

// Teacher targets for logit distillation: fills the teacher's top-k ids and log-probabilities
// for every position of training window `window` ([seq_len * k] each).
struct TeacherTargets {
  int k = 0;
  std::function<void(int64_t window, int32_t* ids, float* logprobs)> fill;
};

struct TrainRunOptions {
  bool resume = false;               // continue from out_dir/checkpoints/latest
  TeacherTargets teacher;            // k == 0: plain training
  // Called after every optimizer step (tests; progress is logged by the loop itself).
  std::function<void(int64_t step, const StepStats& stats, float lr)> on_step;
};

struct TrainRunReport {
  int64_t steps_done = 0;
  int64_t tokens_seen = 0;
  double final_train_loss = 0;
  double final_val_loss = 0;         // NaN without validation data
  double seconds = 0;
  std::string gguf_path;             // the exported model
};

// Runs (or resumes) a recipe to completion. Progress lines (step, loss, val loss, tokens/s, ETA,
// lr) at info level; a NaN/inf loss stops the run with an error naming the step, keeping the last
// good checkpoint.
Result<TrainRunReport> run_training(const Recipe& recipe, const TrainRunOptions& options, Logger& logger);

// Exports a checkpoint's parameters as GGUF (`primer train export`). Empty options.tokenizer /
// options.name: the ones the checkpoint recorded from its recipe.
Status export_checkpoint(const std::string& checkpoint_path, const std::string& out_path, ExportOptions options);

}  // namespace primer::train
