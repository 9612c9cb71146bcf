// Checkpoints: the file round-trips, damage is detected, only the newest two are kept, and a
// disk that fills up while checkpointing leaves the previous checkpoint as the latest.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>

#include "loop_test_util.h"
#include "primer/train_loop.h"
#include "train/checkpoint.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;
using loop_testing::LoopTempDir;
using loop_testing::TinyData;

struct Owned {
  std::vector<float> p, m, v;
  std::vector<LossRow> rows;
};

CheckpointView sample_view(Owned& o, int64_t step) {
  o.p = {1.0f, -2.5f, 3.25f, 1e-30f};
  o.m = {0.1f, 0.2f, 0.3f, 0.4f};
  o.v = {1e-8f, 2e-8f, 3e-8f, 4e-8f};
  o.rows = {{1, 1e-3f, 5.5, std::nan(""), 64, 0.5}, {2, 2e-3f, 5.25, 5.3, 128, 1.0}};
  CheckpointView c;
  c.recipe_hash = 0x1234abcd5678ef00ull;
  c.shape.arch = "qwen2";
  c.shape.n_vocab = 300;
  c.shape.n_embd = 64;
  c.shape.n_layer = 2;
  c.shape.n_head = 4;
  c.shape.n_head_kv = 2;
  c.shape.head_dim = 16;
  c.shape.n_ff = 96;
  c.shape.n_ctx = 128;
  c.shape.tied_embeddings = false;
  c.shape.rope_theta = 1e6f;
  c.shape.rms_eps = 1e-6f;
  c.step = step;
  c.tokens_seen = 128;
  c.seconds = 1.5;
  c.adam_t = step;
  c.tokenizer = "/x/tokenizer.json";
  c.model_name = "tiny";
  c.params = o.p;
  c.adam_m = o.m;
  c.adam_v = o.v;
  c.history = o.rows;
  return c;
}

TEST(CheckpointTest, RoundTripsEveryField) {
  LoopTempDir dir;
  Owned o;
  auto path = write_checkpoint(dir.path(), sample_view(o, 2));
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(*path, dir.file("step-2.ckpt"));
  EXPECT_EQ(loop_testing::read_text_file(dir.file("latest")), "step-2.ckpt\n");
  auto latest = latest_checkpoint(dir.path());
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, *path);
  auto c = read_checkpoint(*path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->recipe_hash, 0x1234abcd5678ef00ull);
  EXPECT_EQ(c->shape.arch, "qwen2");
  EXPECT_EQ(c->shape.n_vocab, 300);
  EXPECT_EQ(c->shape.head_dim, 16);
  EXPECT_EQ(c->shape.n_ctx, 128);
  EXPECT_FALSE(c->shape.tied_embeddings);
  EXPECT_EQ(c->shape.rope_theta, 1e6f);
  EXPECT_EQ(c->step, 2);
  EXPECT_EQ(c->tokens_seen, 128);
  EXPECT_EQ(c->seconds, 1.5);
  EXPECT_EQ(c->adam_t, 2);
  EXPECT_EQ(c->tokenizer, "/x/tokenizer.json");
  EXPECT_EQ(c->model_name, "tiny");
  EXPECT_EQ(c->params, o.p);
  EXPECT_EQ(c->adam_m, o.m);
  EXPECT_EQ(c->adam_v, o.v);
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_TRUE(std::isnan(c->history[0].val_loss));
  EXPECT_EQ(c->history[1].val_loss, 5.3);
  EXPECT_EQ(c->history[1].lr, 2e-3f);
  EXPECT_FALSE(fs::exists(dir.file("step-2.ckpt.tmp")));
}

TEST(CheckpointTest, DamageIsDetected) {
  LoopTempDir dir;
  Owned o;
  auto path = write_checkpoint(dir.path(), sample_view(o, 3));
  ASSERT_TRUE(path.ok());
  std::string bytes = loop_testing::read_text_file(*path);

  std::string flipped = bytes;
  flipped[100] ^= 0x10;
  loop_testing::write_text_file(dir.file("flip.ckpt"), flipped);
  EXPECT_EQ(read_checkpoint(dir.file("flip.ckpt")).error().message,
            "[checkpoint] " + dir.file("flip.ckpt") + ": checksum mismatch (truncated or corrupted file)");

  loop_testing::write_text_file(dir.file("cut.ckpt"), bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(read_checkpoint(dir.file("cut.ckpt")).error().message,
            "[checkpoint] " + dir.file("cut.ckpt") + ": checksum mismatch (truncated or corrupted file)");

  loop_testing::write_text_file(dir.file("junk.ckpt"), std::string(64, 'x'));
  EXPECT_EQ(read_checkpoint(dir.file("junk.ckpt")).error().message,
            "[checkpoint] " + dir.file("junk.ckpt") + ": not a checkpoint (bad magic)");

  loop_testing::write_text_file(dir.file("latest"), "model.gguf\n");
  EXPECT_EQ(latest_checkpoint(dir.path()).error().message,
            "[checkpoint] " + dir.file("latest") + ": does not name a checkpoint ('model.gguf')");
}

TEST(CheckpointTest, KeepsTheNewestTwo) {
  LoopTempDir dir;
  Owned o;
  for (int64_t step : {5, 10, 15, 20}) ASSERT_TRUE(write_checkpoint(dir.path(), sample_view(o, step)).ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"latest", "step-15.ckpt", "step-20.ckpt"}));
  EXPECT_EQ(*latest_checkpoint(dir.path()), dir.file("step-20.ckpt"));
}

// A full disk is simulated in a child process: RLIMIT_FSIZE below the checkpoint's size (with
// SIGXFSZ ignored, write() fails with EFBIG like it would with ENOSPC).
TEST(CheckpointTest, DiskFullWhileCheckpointingKeepsThePreviousOne) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kOff);
  auto parsed = Recipe::parse(loop_testing::tiny_recipe_toml(d, d.dir.file("run"), "", "[checkpoint]\nevery = 10\n"),
                              "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  Recipe r = *parsed;
  r.steps = 10;
  ASSERT_TRUE(run_training(r, {}, quiet).ok());
  const std::string ckpt_dir = d.dir.file("run/checkpoints");
  const std::string good = ckpt_dir + "/step-10.ckpt";
  ASSERT_TRUE(fs::exists(good));
  const std::string good_bytes = loop_testing::read_text_file(good);
  ASSERT_GT(good_bytes.size(), 64u * 1024u);

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {64 * 1024, 64 * 1024};
    setrlimit(RLIMIT_FSIZE, &lim);
    Recipe longer = r;
    longer.steps = 20;
    TrainRunOptions o;
    o.resume = true;
    Logger off(LogLevel::kOff);
    auto rep = run_training(longer, o, off);
    const std::string msg = rep.ok() ? "OK" : rep.error().message;
    if (write(fds[1], msg.data(), msg.size()) < 0) _exit(5);
    _exit(rep.ok() ? 0 : 1);
  }
  close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << msg;
  EXPECT_EQ(msg, "[train] [checkpoint] step 20: writing " + ckpt_dir + "/step-20.ckpt: File too large "
                 "(the previous checkpoint stays the latest)");
  // Nothing half-written is left, and the previous checkpoint is intact and still the latest.
  EXPECT_FALSE(fs::exists(ckpt_dir + "/step-20.ckpt"));
  EXPECT_FALSE(fs::exists(ckpt_dir + "/step-20.ckpt.tmp"));
  EXPECT_EQ(*latest_checkpoint(ckpt_dir), good);
  EXPECT_EQ(loop_testing::read_text_file(good), good_bytes);
  // With space again, the run resumes from it and finishes.
  Recipe longer = r;
  longer.steps = 20;
  TrainRunOptions resume;
  resume.resume = true;
  auto rep = run_training(longer, resume, quiet);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->steps_done, 20);
  EXPECT_EQ(*latest_checkpoint(ckpt_dir), ckpt_dir + "/step-20.ckpt");
}

TEST(CheckpointTest, ExportCheckpointWritesALoadableGguf) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  Logger quiet(LogLevel::kOff);
  auto parsed = Recipe::parse(loop_testing::tiny_recipe_toml(d, d.dir.file("run")), "test.toml");
  ASSERT_TRUE(parsed.ok());
  Recipe r = *parsed;
  r.steps = 2;
  ASSERT_TRUE(run_training(r, {}, quiet).ok());
  ExportOptions e;
  e.type = FileType::kF32;
  Status s = export_checkpoint(d.dir.file("run/checkpoints/step-2.ckpt"), d.dir.file("x.gguf"), e);
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Same parameters as the run's own export at its end (the recipe text key aside).
  auto a = TrainModel::from_gguf(d.dir.file("x.gguf"));
  auto b = TrainModel::from_gguf(d.dir.file("run/model.gguf"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->n_params(), b->n_params());
  EXPECT_EQ(std::memcmp(a->params().data(), b->params().data(), a->n_params() * sizeof(float)), 0);
}

}  // namespace
}  // namespace primer::train
