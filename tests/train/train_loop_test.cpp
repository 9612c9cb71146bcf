// The training loop: bit-exact resume after an interruption, the loss curve and progress output,
// gradient accumulation, NaN stops, teacher targets per window, refusals on resume.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "loop_test_util.h"
#include "primer/train_loop.h"
#include "train/checkpoint.h"

namespace primer::train {
namespace {

// Whether `text` contains `pattern`, where each '#' in the pattern matches a number (one or more
// of 0-9 . e + - k). std::regex is avoided: GCC 12 warns inside <regex> under -O2 with sanitizers.
bool contains_pattern(const std::string& text, const std::string& pattern) {
  auto is_num = [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-' || c == 'k'; };
  for (size_t start = 0; start < text.size(); ++start) {
    size_t t = start, p = 0;
    bool ok = true;
    while (ok && p < pattern.size()) {
      if (pattern[p] == '#') {
        const size_t t0 = t;
        while (t < text.size() && is_num(text[t])) ++t;
        ok = t > t0;
      } else {
        ok = t < text.size() && text[t] == pattern[p];
        ++t;
      }
      ++p;
    }
    if (ok) return true;
  }
  return false;
}

namespace fs = std::filesystem;
using loop_testing::TinyData;
using loop_testing::kTinyBatch;
using loop_testing::kTinySeq;

Recipe parse_ok(const std::string& text) {
  auto r = Recipe::parse(text, "test.toml");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : Recipe{};
}

struct Recorded {
  std::vector<int64_t> steps;
  std::vector<double> losses;
  std::vector<float> lrs;
};

TrainRunOptions recording(Recorded* rec, bool resume = false) {
  TrainRunOptions o;
  o.resume = resume;
  o.on_step = [rec](int64_t step, const StepStats& s, float lr) {
    rec->steps.push_back(step);
    rec->losses.push_back(s.loss);
    rec->lrs.push_back(lr);
  };
  return o;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Drops the seconds column (wall time differs between runs).
std::string csv_without_seconds(const std::string& csv) {
  std::string out;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

TEST(TrainLoopTest, ResumeAfterInterruptionIsBitExact) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  const std::string train_extra = "grad_accum = 2\n";
  const std::string ckpt = "[checkpoint]\nevery = 10\n";
  // A: 20 steps uninterrupted.
  Logger quiet(LogLevel::kWarn);
  Recorded a;
  const Recipe ra = parse_ok(loop_testing::tiny_recipe_toml(d, d.dir.file("a"), train_extra, ckpt));
  auto rep_a = run_training(ra, recording(&a), quiet);
  ASSERT_TRUE(rep_a.ok()) << rep_a.error().message;
  ASSERT_EQ(a.losses.size(), 20u);

  // B: the same recipe, killed right after step 10's checkpoint (in a child process), resumed here.
  const Recipe rb = parse_ok(loop_testing::tiny_recipe_toml(d, d.dir.file("b"), train_extra, ckpt));
  fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    TrainRunOptions o;
    o.on_step = [](int64_t step, const StepStats&, float) {
      if (step == 10) _exit(0);
    };
    Logger child_log(LogLevel::kOff);
    auto r = run_training(rb, o, child_log);
    _exit(r.ok() ? 3 : 4);  // reaching here means the interruption did not happen
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto latest = latest_checkpoint(d.dir.file("b/checkpoints"));
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(fs::path(*latest).filename(), "step-10.ckpt");
  EXPECT_FALSE(fs::exists(d.dir.file("b/model.gguf")));

  Recorded b;
  auto rep_b = run_training(rb, recording(&b, /*resume=*/true), quiet);
  ASSERT_TRUE(rep_b.ok()) << rep_b.error().message;
  ASSERT_EQ(b.steps.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(b.steps[i], a.steps[10 + i]);
    EXPECT_EQ(b.losses[i], a.losses[10 + i]) << "step " << b.steps[i];  // exact, not approximate
    EXPECT_EQ(b.lrs[i], a.lrs[10 + i]);
  }
  EXPECT_EQ(rep_b->steps_done, 20);
  EXPECT_EQ(rep_b->tokens_seen, rep_a->tokens_seen);
  EXPECT_EQ(rep_b->final_val_loss, rep_a->final_val_loss);

  auto ca = read_checkpoint(d.dir.file("a/checkpoints/step-20.ckpt"));
  auto cb = read_checkpoint(d.dir.file("b/checkpoints/step-20.ckpt"));
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  ASSERT_TRUE(cb.ok()) << cb.error().message;
  EXPECT_TRUE(bitwise_equal(ca->params, cb->params));
  EXPECT_TRUE(bitwise_equal(ca->adam_m, cb->adam_m));
  EXPECT_TRUE(bitwise_equal(ca->adam_v, cb->adam_v));
  EXPECT_EQ(ca->adam_t, cb->adam_t);
  ASSERT_EQ(ca->history.size(), cb->history.size());
  for (size_t i = 0; i < ca->history.size(); ++i) {
    EXPECT_EQ(ca->history[i].train_loss, cb->history[i].train_loss);
    EXPECT_TRUE(ca->history[i].val_loss == cb->history[i].val_loss ||
                (std::isnan(ca->history[i].val_loss) && std::isnan(cb->history[i].val_loss)));
  }
  EXPECT_EQ(csv_without_seconds(loop_testing::read_text_file(d.dir.file("a/loss.csv"))),
            csv_without_seconds(loop_testing::read_text_file(d.dir.file("b/loss.csv"))));
  EXPECT_EQ(loop_testing::read_text_file(d.dir.file("a/model.gguf")),
            loop_testing::read_text_file(d.dir.file("b/model.gguf")));
}

TEST(TrainLoopTest, LossCurveProgressAndSamples) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  const std::string out = d.dir.file("run");
  const Recipe r = parse_ok(loop_testing::tiny_recipe_toml(
      d, out, "", "", "[eval]\nevery = 10\nbatches = 2\nsample_prompts = [\"the cat\", \"a dog\"]\nsample_tokens = 8\n"));
  std::FILE* log_file = std::tmpfile();
  ASSERT_NE(log_file, nullptr);
  Logger logger(LogLevel::kInfo, log_file);
  Recorded rec;
  auto rep = run_training(r, recording(&rec), logger);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  std::rewind(log_file);
  std::string log;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof(buf), log_file)) log.append(buf, n);
  std::fclose(log_file);

  // Progress: the first and last steps at least, with every field ('#': a number).
  EXPECT_TRUE(contains_pattern(log, "step 1/20 | loss # | val - | lr # | # tok/s | ETA ")) << log;
  EXPECT_TRUE(contains_pattern(log, "step 20/20 | loss # | val # |")) << log;
  EXPECT_TRUE(contains_pattern(log, "[eval] step 10: val loss # (perplexity")) << log;
  EXPECT_NE(log.find("[sample] the cat ⟶ "), std::string::npos) << log;
  EXPECT_NE(log.find("[sample] a dog ⟶ "), std::string::npos) << log;

  // The model learned something: tiny grammar text is far from uniform over 257 tokens.
  EXPECT_LT(rec.losses.back(), rec.losses.front() - 0.5) << rec.losses.front() << " -> " << rec.losses.back();
  EXPECT_NEAR(rec.losses.front(), std::log(257.0), 0.3);  // ~uniform at init
  EXPECT_TRUE(std::isfinite(rep->final_val_loss));
  EXPECT_EQ(rep->tokens_seen, 20 * kTinyBatch * kTinySeq);
  EXPECT_EQ(rep->gguf_path, out + "/model.gguf");
  EXPECT_TRUE(fs::exists(rep->gguf_path));

  // loss.csv: a header, one row per step, val_loss at the eval steps only.
  std::istringstream csv(loop_testing::read_text_file(out + "/loss.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "step,lr,train_loss,val_loss,tokens,seconds");
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 5u) << line;
    EXPECT_EQ(std::stoi(f[0]), rows);
    EXPECT_NEAR(std::stod(f[2]), rec.losses[static_cast<size_t>(rows - 1)], 1e-5);
    EXPECT_EQ(f[3].empty(), rows % 10 != 0) << line;
    EXPECT_EQ(std::stoll(f[4]), rows * kTinyBatch * kTinySeq);
  }
  EXPECT_EQ(rows, 20);
  // lr follows the schedule.
  for (size_t i = 0; i < rec.lrs.size(); ++i) {
    EXPECT_EQ(rec.lrs[i], lr_at(static_cast<int64_t>(i), r.warmup_steps, r.steps, r.lr, r.min_lr));
  }

  const std::string svg = loop_testing::read_text_file(out + "/loss.svg");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("train loss"), std::string::npos);
  EXPECT_NE(svg.find("validation loss"), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 20, true);
  size_t polylines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++polylines;
  EXPECT_EQ(polylines, 2u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(TrainLoopTest, GradientAccumulationMatchesOneBigBatch) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kWarn);
  Recorded big, acc;
  // batch 4 x accum 1 vs batch 2 x accum 2: the same samples per step, the same mean gradient.
  const std::string base = loop_testing::tiny_recipe_toml(d, d.dir.file("big"));
  Recipe r1 = parse_ok(base);
  r1.steps = 4;
  Recipe r2 = r1;
  r2.batch_size = kTinyBatch / 2;
  r2.grad_accum = 2;
  r2.out_dir = d.dir.file("acc");
  ASSERT_TRUE(run_training(r1, recording(&big), quiet).ok());
  ASSERT_TRUE(run_training(r2, recording(&acc), quiet).ok());
  ASSERT_EQ(big.losses.size(), 4u);
  ASSERT_EQ(acc.losses.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(acc.losses[i], big.losses[i], 2e-4 * big.losses[i]) << i;
  auto c1 = read_checkpoint(d.dir.file("big/checkpoints/step-4.ckpt"));
  auto c2 = read_checkpoint(d.dir.file("acc/checkpoints/step-4.ckpt"));
  ASSERT_TRUE(c1.ok() && c2.ok());
  double max_diff = 0;
  for (size_t i = 0; i < c1->params.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(c1->params[i] - c2->params[i])));
  }
  EXPECT_LT(max_diff, 1e-3);  // 4 Adam steps of lr <= 3e-3 move a weight by <= 1.2e-2
}

TEST(TrainLoopTest, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kOff);
  Recipe r = parse_ok(loop_testing::tiny_recipe_toml(d, d.dir.file("nan"), "", "[checkpoint]\nevery = 1\n"));
  r.lr = 1e30f;
  r.min_lr = 1e30f;
  r.warmup_steps = 0;
  r.grad_clip = 0;
  auto rep = run_training(r, {}, quiet);
  ASSERT_FALSE(rep.ok());
  const std::string& msg = rep.error().message;
  int bad_step = 0;
  ASSERT_EQ(std::sscanf(msg.c_str(), "[train] step %d: the ", &bad_step), 1) << msg;
  const std::string rest = msg.substr(msg.find(": the ") + 6);
  bool named = false;
  for (const char* what : {"loss is ", "gradient norm is "}) {
    for (const char* value : {"nan;", "-nan;", "inf;", "-inf;"}) named |= rest.rfind(std::string(what) + value, 0) == 0;
  }
  EXPECT_TRUE(named) << msg;
  ASSERT_GE(bad_step, 2) << msg;  // step 1 starts from finite weights
  const std::string kept = d.dir.file("nan/checkpoints/step-" + std::to_string(bad_step - 1) + ".ckpt");
  EXPECT_NE(msg.find("the latest checkpoint is still " + kept), std::string::npos) << msg;
  auto latest = latest_checkpoint(d.dir.file("nan/checkpoints"));
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, kept);
  EXPECT_TRUE(read_checkpoint(kept).ok());
  EXPECT_FALSE(fs::exists(d.dir.file("nan/model.gguf")));
}

TEST(TrainLoopTest, TeacherTargetsFollowTheSampledWindows) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kOff);
  Recipe r = parse_ok(loop_testing::tiny_recipe_toml(d, d.dir.file("kd"), "grad_accum = 2\n",
                                                     "[distill]\nweight = 0.5\ntop_k = 4\n"));
  r.steps = 3;
  std::vector<int64_t> asked;
  TrainRunOptions o;
  o.teacher.k = 4;
  o.teacher.fill = [&asked, &r](int64_t window, int32_t* ids, float* logprobs) {
    asked.push_back(window);
    for (int64_t p = 0; p < r.seq_len; ++p) {
      for (int j = 0; j < 4; ++j) {
        ids[p * 4 + j] = 'a' + j;
        logprobs[p * 4 + j] = std::log(0.25f);
      }
    }
  };
  std::vector<double> kl;
  o.on_step = [&kl](int64_t, const StepStats& s, float) { kl.push_back(s.kl); };
  auto rep = run_training(r, o, quiet);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  auto shard = Shard::open(d.train);
  ASSERT_TRUE(shard.ok());
  BatchSampler sampler(*shard, r.seq_len, r.seed);
  ASSERT_EQ(asked.size(), static_cast<size_t>(3 * 2 * kTinyBatch));
  for (size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(asked[i], sampler.window_of(i)) << i;
  ASSERT_EQ(kl.size(), 3u);
  for (double v : kl) EXPECT_GT(v, 0.1);  // the student is far from the uniform-over-4 teacher
}

TEST(TrainLoopTest, ResumeRefusals) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kOff);
  Recipe r = parse_ok(loop_testing::tiny_recipe_toml(d, d.dir.file("run")));
  r.steps = 2;
  TrainRunOptions resume;
  resume.resume = true;
  auto none = run_training(r, resume, quiet);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "[train] --resume: no checkpoint in " + d.dir.file("run/checkpoints"));

  ASSERT_TRUE(run_training(r, {}, quiet).ok());
  auto again = run_training(r, {}, quiet);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "[train] " + d.dir.file("run") + " already holds a run (latest checkpoint " +
                                       d.dir.file("run/checkpoints/step-2.ckpt") +
                                       "): continue it with --resume, or choose another output.dir");

  Recipe changed = r;
  changed.lr *= 2;
  auto other = run_training(changed, resume, quiet);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("was made by a different recipe"), std::string::npos) << other.error().message;

  // More steps on a finished run: --resume extends it (steps is not part of the recipe hash).
  Recipe longer = r;
  longer.steps = 4;
  Recorded rec;
  auto ext = run_training(longer, recording(&rec, true), quiet);
  ASSERT_TRUE(ext.ok()) << ext.error().message;
  EXPECT_EQ(rec.steps, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(ext->steps_done, 4);
}

}  // namespace
}  // namespace primer::train
