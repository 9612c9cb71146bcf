// run_training: the loop behind `primer train` and `primer distill`.
//
//   per step s (0-based): lr = lr_at(s); grads = 0
//     for micro-batch a < grad_accum: samples (s * grad_accum + a) * batch_size + [0, batch_size)
//       forward_backward(grad_scale = 1 / grad_accum)       (teacher targets per window if any)
//     loss not finite -> stop; norm = clip_grad_norm; norm not finite -> stop; AdamW step
//     every eval_every steps (and at the end): validation loss + greedy samples
//     every checkpoint_every steps (and at the end): checkpoint, loss.csv, loss.svg
//   export OUT/model.gguf
//
// Everything a step depends on is (params, AdamW m/v/t, step): the checkpoint holds exactly that,
// and the sampler's batches are a pure function of (seed, sample index), so a resumed run repeats
// an uninterrupted one bit for bit.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "primer/train_loop.h"
#include "train/checkpoint.h"
#include "train/train_loop_eval.h"
#include "train/train_loop_internal.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One log line per sample: control characters (newlines...) shown as escapes.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool same_shape(const ModelShape& a, const ModelShape& b) {
  return a.arch == b.arch && a.n_vocab == b.n_vocab && a.n_embd == b.n_embd && a.n_layer == b.n_layer &&
         a.n_head == b.n_head && a.n_head_kv == b.n_head_kv && a.head_dim == b.head_dim && a.n_ff == b.n_ff &&
         a.tied_embeddings == b.tied_embeddings;
}

class Run {
 public:
  Run(const Recipe& r, const TrainRunOptions& o, Logger& logger) : r_(r), o_(o), log_(logger) {}

  Result<TrainRunReport> run() {
    PRIMER_TRY(setup());
    if (state_step_ >= r_.steps) {
      log_.info("[train] " + ckpt_dir_ + " is already at step " + std::to_string(state_step_) + " of " +
                std::to_string(r_.steps) + ": nothing to train");
    }
    start_ = Clock::now();
    last_print_ = start_;
    tokens_at_print_ = tokens_;
    for (int64_t s = state_step_; s < r_.steps; ++s) PRIMER_TRY(step(s));
    PRIMER_TRY(write_curves());
    return finish();
  }

 private:
  Status setup() {
    if (!r_.init_from.empty()) {
      auto m = TrainModel::from_gguf(r_.init_from);
      if (!m.ok()) return m.error().wrap("[train] model.init_from");
      model_ = std::make_unique<TrainModel>(std::move(m).value());
    }
    PRIMER_ASSIGN_OR_RETURN(data_, open_recipe_data(r_, model_ ? &model_->shape() : nullptr));
    if (!model_) {
      PRIMER_ASSIGN_OR_RETURN(TrainModel m, TrainModel::create(data_.shape));
      model_ = std::make_unique<TrainModel>(std::move(m));
      model_->init(r_.seed, r_.init_std);
    }
    if (o_.teacher.k > 0) {
      if (!o_.teacher.fill) return Error{"[train] teacher targets without a fill function"};
      loss_ = r_.loss;
    }
    ckpt_dir_ = (fs::path(r_.out_dir) / "checkpoints").string();
    std::error_code ec;
    fs::create_directories(ckpt_dir_, ec);
    if (ec) return Error{"[train] cannot create " + ckpt_dir_ + ": " + ec.message()};
    adam_ = std::make_unique<AdamW>(*model_, r_.adamw);
    PRIMER_TRY(restore());

    pool_ = std::make_unique<ThreadPool>(r_.threads);
    trainer_ = std::make_unique<Trainer>(*model_, r_.batch_size, r_.seq_len, *pool_);
    sampler_ = std::make_unique<BatchSampler>(*data_.train, r_.seq_len, r_.seed);
    if (data_.val) val_sampler_ = std::make_unique<BatchSampler>(*data_.val, r_.seq_len, r_.seed, false);
    const size_t n = static_cast<size_t>(r_.batch_size * r_.seq_len);
    tokens_buf_.resize(n);
    targets_buf_.resize(n);
    if (o_.teacher.k > 0) {
      teacher_ids_.resize(n * static_cast<size_t>(o_.teacher.k));
      teacher_lp_.resize(n * static_cast<size_t>(o_.teacher.k));
    }
    if (data_.tokenizer && !r_.sample_prompts.empty()) {
      scratch_.tokens.resize(static_cast<size_t>(r_.seq_len));
      scratch_.targets.resize(static_cast<size_t>(r_.seq_len));
      scratch_.logits.resize(static_cast<size_t>(r_.seq_len * model_->shape().n_vocab));
    }
    log_start();
    return ok_status();
  }

  // A fresh run refuses an output folder that already holds a run; --resume continues it.
  Status restore() {
    PRIMER_ASSIGN_OR_RETURN(std::string latest, latest_checkpoint(ckpt_dir_));
    if (!o_.resume) {
      if (!latest.empty()) {
        return Error{"[train] " + r_.out_dir + " already holds a run (latest checkpoint " + latest +
                     "): continue it with --resume, or choose another output.dir"};
      }
      return ok_status();
    }
    if (latest.empty()) return Error{"[train] --resume: no checkpoint in " + ckpt_dir_};
    PRIMER_ASSIGN_OR_RETURN(Checkpoint c, read_checkpoint(latest));
    if (!same_shape(c.shape, model_->shape()) || c.params.size() != model_->n_params()) {
      return Error{"[train] --resume: " + latest + " holds a model of another shape than the recipe's"};
    }
    if (c.recipe_hash != recipe_hash(r_)) {
      return Error{"[train] --resume: " + latest + " was made by a different recipe (shape, data, batch, schedule, "
                   "optimizer or seed changed); only steps, cadences, threads and output options may change"};
    }
    std::copy(c.params.begin(), c.params.end(), model_->params().begin());
    std::copy(c.adam_m.begin(), c.adam_m.end(), adam_->m().begin());
    std::copy(c.adam_v.begin(), c.adam_v.end(), adam_->v().begin());
    adam_->set_steps_taken(c.adam_t);
    state_step_ = c.step;
    tokens_ = c.tokens_seen;
    seconds_before_ = c.seconds;
    history_ = std::move(c.history);
    last_checkpoint_ = latest;
    for (const LossRow& row : history_) {
      if (std::isfinite(row.val_loss)) last_val_ = row.val_loss;
    }
    log_.info("[train] resuming from " + latest + " (step " + std::to_string(c.step) + ")");
    return ok_status();
  }

  void log_start() {
    const ModelShape& m = model_->shape();
    const int64_t per_step = r_.batch_size * r_.grad_accum * r_.seq_len;
    log_.log(LogLevel::kInfo,
             "[train] %s: %.2fM params (n_embd %lld, %lld layers, %lld heads / %lld kv, n_ff %lld, vocab %lld); "
             "trainer scratch %.1f MiB",
             m.arch.c_str(), static_cast<double>(model_->n_params()) / 1e6, static_cast<long long>(m.n_embd),
             static_cast<long long>(m.n_layer), static_cast<long long>(m.n_head), static_cast<long long>(m.n_head_kv),
             static_cast<long long>(m.n_ff), static_cast<long long>(m.n_vocab),
             static_cast<double>(trainer_->scratch_bytes()) / (1 << 20));
    log_.log(LogLevel::kInfo,
             "[train] data: %llu tokens, %lld windows; %lld x %lld x %lld = %lld tokens/step, %lld steps (%.2f epochs), "
             "%d threads",
             static_cast<unsigned long long>(data_.train->n_tokens()), static_cast<long long>(sampler_->n_windows()),
             static_cast<long long>(r_.batch_size), static_cast<long long>(r_.grad_accum),
             static_cast<long long>(r_.seq_len), static_cast<long long>(per_step), static_cast<long long>(r_.steps),
             static_cast<double>(r_.steps * r_.batch_size * r_.grad_accum) /
                 static_cast<double>(std::max<int64_t>(1, sampler_->n_windows())),
             pool_->size());
  }

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  Status step(int64_t s) {
    const float lr = lr_at(s, r_.warmup_steps, r_.steps, r_.lr, r_.min_lr);
    model_->zero_grads();
    StepStats total;
    const float scale = 1.0f / static_cast<float>(r_.grad_accum);
    for (int64_t a = 0; a < r_.grad_accum; ++a) {
      const uint64_t first = static_cast<uint64_t>((s * r_.grad_accum + a) * r_.batch_size);
      sampler_->fill(first, r_.batch_size, tokens_buf_.data(), targets_buf_.data());
      TeacherTopK topk;
      BatchView batch{r_.batch_size, r_.seq_len, tokens_buf_.data(), targets_buf_.data(), nullptr};
      if (o_.teacher.k > 0) {
        const size_t per_seq = static_cast<size_t>(r_.seq_len) * static_cast<size_t>(o_.teacher.k);
        for (int64_t i = 0; i < r_.batch_size; ++i) {
          o_.teacher.fill(sampler_->window_of(first + static_cast<uint64_t>(i)), teacher_ids_.data() + i * per_seq,
                          teacher_lp_.data() + i * per_seq);
        }
        topk = TeacherTopK{o_.teacher.k, teacher_ids_.data(), teacher_lp_.data()};
        batch.teacher = &topk;
      }
      const StepStats st = trainer_->forward_backward(batch, loss_, scale);
      total.loss += st.loss * scale;
      total.cross_entropy += st.cross_entropy * scale;
      total.kl += st.kl * scale;
      total.n_targets += st.n_targets;
    }
    const int64_t done = s + 1;
    if (!std::isfinite(total.loss)) return stop_bad(done, "the loss is " + std::to_string(total.loss));
    const double norm = clip_grad_norm(*model_, r_.grad_clip, *pool_);
    if (!std::isfinite(norm)) return stop_bad(done, "the gradient norm is " + std::to_string(norm));
    adam_->step(*model_, lr, *pool_);
    tokens_ += r_.batch_size * r_.grad_accum * r_.seq_len;
    history_.push_back(LossRow{done, lr, total.loss, std::nan(""), tokens_, seconds_before_ + elapsed()});

    const bool last = done == r_.steps;
    const bool eval = last || (r_.eval_every > 0 && done % r_.eval_every == 0);
    if (eval) {
      const auto t0 = Clock::now();
      run_eval(done);
      eval_seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
    }
    progress(done, lr, eval || done == state_step_ + 1);
    if (last || (r_.checkpoint_every > 0 && done % r_.checkpoint_every == 0)) PRIMER_TRY(checkpoint(done));
    if (o_.on_step) o_.on_step(done, total, lr);
    return ok_status();
  }

  Status stop_bad(int64_t step, const std::string& what) {
    const std::string kept = last_checkpoint_.empty() ? "no checkpoint was written yet"
                                                      : "the latest checkpoint is still " + last_checkpoint_;
    return Error{"[train] step " + std::to_string(step) + ": " + what + "; stopping (" + kept +
                 "). Try a lower train.lr, a longer warm-up or gradient clipping"};
  }

  void run_eval(int64_t done) {
    if (val_sampler_) {
      last_val_ = validation_loss(*trainer_, *val_sampler_, r_.eval_batches, r_.batch_size, r_.seq_len,
                                  tokens_buf_.data(), targets_buf_.data());
      history_.back().val_loss = last_val_;
      log_.log(LogLevel::kInfo, "[eval] step %lld: val loss %.4f (perplexity %.2f)", static_cast<long long>(done),
               last_val_, std::exp(last_val_));
    }
    if (scratch_.logits.empty()) return;
    const Tokenizer& tok = *data_.tokenizer;
    const std::vector<int32_t> stop = tok.eos_ids();
    for (const std::string& prompt : r_.sample_prompts) {
      std::vector<int32_t> ids = tok.encode(prompt);
      const std::vector<int32_t> gen = greedy_continuation(*trainer_, ids, r_.sample_tokens, r_.seq_len,
                                                           model_->shape().n_vocab, stop, scratch_);
      log_.info("[sample] " + printable(prompt) + " ⟶ " + printable(tok.decode(gen)));
    }
  }

  void progress(int64_t done, float lr, bool force) {
    const auto now = Clock::now();
    const double since = std::chrono::duration<double>(now - last_print_).count();
    if (!force && since < 1.0 && done != r_.steps) return;
    const double train_s = since - eval_seconds_;  // tokens/s of training, evaluation excluded
    const double rate = train_s > 0 ? static_cast<double>(tokens_ - tokens_at_print_) / train_s : 0;
    const double per_step = elapsed() / static_cast<double>(done - state_step_);
    log_.info(progress_line(done, r_.steps, history_.back().train_loss, last_val_, lr, rate,
                            per_step * static_cast<double>(r_.steps - done)));
    last_print_ = now;
    tokens_at_print_ = tokens_;
    eval_seconds_ = 0;
  }

  Status checkpoint(int64_t done) {
    CheckpointView c;
    c.recipe_hash = recipe_hash(r_);
    c.shape = model_->shape();
    c.step = done;
    c.tokens_seen = tokens_;
    c.seconds = seconds_before_ + elapsed();
    c.adam_t = adam_->steps_taken();
    c.tokenizer = r_.tokenizer.empty() ? "" : fs::absolute(r_.tokenizer).string();
    c.model_name = r_.model_name;
    c.params = model_->params();
    c.adam_m = adam_->m();
    c.adam_v = adam_->v();
    c.history = history_;
    auto path = write_checkpoint(ckpt_dir_, c);
    if (!path.ok()) return Error{"[train] " + path.error().message};
    last_checkpoint_ = *path;
    log_.debug("[train] wrote " + last_checkpoint_);
    return write_curves();
  }

  Status write_curves() {
    const std::string csv = (fs::path(r_.out_dir) / "loss.csv").string();
    const std::string svg = (fs::path(r_.out_dir) / "loss.svg").string();
    Status s = write_file_atomic(csv, loss_csv(history_));
    if (!s.ok()) return s.error().wrap("[train] loss curve");
    s = write_file_atomic(svg, loss_svg(history_, r_.model_name + ": loss"));
    if (!s.ok()) return s.error().wrap("[train] loss plot");
    return ok_status();
  }

  Result<TrainRunReport> finish() {
    TrainRunReport rep;
    rep.steps_done = history_.empty() ? state_step_ : history_.back().step;
    rep.tokens_seen = tokens_;
    rep.final_train_loss = history_.empty() ? std::nan("") : history_.back().train_loss;
    rep.final_val_loss = last_val_;
    rep.seconds = seconds_before_ + elapsed();
    if (!data_.tokenizer) {
      log_.warn("[train] no data.tokenizer in the recipe: not exporting a GGUF (the engine needs a tokenizer)");
      return rep;
    }
    ExportOptions e;
    e.tokenizer = r_.tokenizer;
    e.type = r_.export_type;
    e.name = r_.model_name;
    if (!r_.path.empty()) e.extra_strings.emplace_back("primer.train.recipe", read_text(r_.path));
    e.extra_strings.emplace_back("primer.train.steps", std::to_string(rep.steps_done));
    e.extra_strings.emplace_back("primer.train.tokens", std::to_string(rep.tokens_seen));
    rep.gguf_path = (fs::path(r_.out_dir) / "model.gguf").string();
    Status s = export_gguf(*model_, rep.gguf_path, e);
    if (!s.ok()) return s.error().wrap("[train] export");
    log_.info("[train] done: " + std::to_string(rep.steps_done) + " steps, " + std::to_string(rep.tokens_seen) +
              " tokens in " + format_duration(rep.seconds) + "; wrote " + rep.gguf_path);
    return rep;
  }

  const Recipe& r_;
  const TrainRunOptions& o_;
  Logger& log_;
  RecipeData data_;
  std::unique_ptr<TrainModel> model_;
  std::unique_ptr<AdamW> adam_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Trainer> trainer_;
  std::unique_ptr<BatchSampler> sampler_, val_sampler_;
  LossConfig loss_;
  std::vector<int32_t> tokens_buf_, targets_buf_, teacher_ids_;
  std::vector<float> teacher_lp_;
  SampleScratch scratch_;
  std::string ckpt_dir_, last_checkpoint_;
  int64_t state_step_ = 0, tokens_ = 0, tokens_at_print_ = 0;
  double seconds_before_ = 0, last_val_ = std::nan(""), eval_seconds_ = 0;
  std::vector<LossRow> history_;
  Clock::time_point start_, last_print_;
};

}  // namespace

Result<TrainRunReport> run_training(const Recipe& recipe, const TrainRunOptions& options, Logger& logger) {
  Run run(recipe, options, logger);
  return run.run();
}

}  // namespace primer::train
