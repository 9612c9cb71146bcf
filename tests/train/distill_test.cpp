// Distillation end to end: a short logit-distillation run whose KL to the teacher falls, and
// sequence-level distillation from a tiny gen-model teacher (answers -> chat shard -> SFT).
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

#include "distill_test_util.h"

namespace primer::train {
namespace {

using testing::DistillTempDir;
using testing::TeacherSpec;

Recipe tiny_recipe(const std::string& out_dir, const std::string& tokenizer, int64_t steps) {
  Recipe r;
  r.shape.arch = "llama";
  r.shape.n_embd = 32;
  r.shape.n_layer = 1;
  r.shape.n_head = 2;
  r.shape.n_head_kv = 1;
  r.shape.n_ff = 64;
  r.shape.n_ctx = 64;
  r.tokenizer = tokenizer;
  r.batch_size = 4;
  r.seq_len = 16;
  r.steps = steps;
  r.lr = 1e-2f;
  r.min_lr = 1e-3f;
  r.warmup_steps = 2;
  r.threads = 2;
  r.eval_every = 0;
  r.eval_batches = 2;
  r.checkpoint_every = 0;
  r.out_dir = out_dir;
  r.seed = 5;
  return r;
}

TEST(Distill, LogitDistillationKlFalls) {
  DistillTempDir dir;
  const std::string teacher = dir.file("teacher.gguf");
  TeacherSpec spec;
  testing::make_teacher(teacher, spec);
  const uint64_t vh = testing::vocab_hash_of(teacher);
  // The text uses 8 of the 300 ids: a random teacher is a random function of its context, and few
  // distinct contexts let a tiny student fit it within a few dozen steps.
  const int64_t dv = 8;
  testing::write_shard(dir.file("train.bin"), testing::random_tokens(16 * 64 + 1, dv, 1), 50, spec.n_vocab, vh);
  testing::write_shard(dir.file("val.bin"), testing::random_tokens(16 * 8 + 1, dv, 2), 50, spec.n_vocab, vh);

  const int64_t steps = testing::kSanitized ? 12 : 30;
  Recipe r = tiny_recipe(dir.file("out"), teacher, steps);
  r.lr = 3e-2f;
  r.train_data = dir.file("train.bin");
  r.val_data = dir.file("val.bin");
  r.loss.distill_weight = 1.0f;  // pure KL: the curve below is the distillation signal alone
  r.loss.temperature = 1.0f;
  r.teacher_top_k = 16;

  std::vector<double> kl;
  LogitDistillOptions o;
  o.teacher = teacher;
  o.on_step = [&](int64_t, const StepStats& st, float) { kl.push_back(st.kl); };
  Logger quiet(LogLevel::kOff);
  auto rep = run_logit_distillation(r, o, quiet);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_FALSE(rep->cache.reused);
  EXPECT_EQ(rep->cache.path, dir.file("out") + "/teacher-topk.bin");
  EXPECT_EQ(rep->train.steps_done, steps);
  ASSERT_EQ(static_cast<int64_t>(kl.size()), steps);
  const double first = (kl[0] + kl[1]) / 2;
  const double last = (kl[kl.size() - 1] + kl[kl.size() - 2]) / 2;
  EXPECT_GT(first, 0.1);
  EXPECT_LT(last, 0.8 * first) << "KL first " << first << " last " << last;
  std::printf("KL first %.4f last %.4f\n", first, last);
  for (double v : kl) EXPECT_TRUE(std::isfinite(v));

  // A top_k the trainer cannot take is refused up front.
  Recipe big = r;
  big.out_dir = dir.file("out-big");
  big.teacher_top_k = kMaxTeacherTopK + 1;
  auto bad = run_logit_distillation(big, o, quiet);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("top_k"), std::string::npos) << bad.error().message;
}

// The oracle for the cache's alignment with the training windows: a student that IS the teacher
// (init_from the teacher's GGUF) has forward KL = -log(teacher mass on its top-k) at every
// position, computed here from the cache for the windows the first batch draws. A cache shifted
// by one position or window, or read in another window order, gives a KL of several nats.
TEST(Distill, StudentEqualToTeacherHasOnlyTheTopKTailAsKl) {
  DistillTempDir dir;
  const std::string teacher = dir.file("teacher.gguf");
  TeacherSpec spec;
  spec.arch = "qwen2";  // (TrainModel::from_gguf wants every tensor its arch may have: q/k/v biases)
  testing::make_teacher(teacher, spec);
  const uint64_t vh = testing::vocab_hash_of(teacher);
  testing::write_shard(dir.file("train.bin"), testing::random_tokens(16 * 32 + 1, spec.n_vocab, 1), 50, spec.n_vocab, vh);
  Recipe r = tiny_recipe(dir.file("out"), teacher, 1);
  r.init_from = teacher;
  r.shape = ModelShape{};
  r.train_data = dir.file("train.bin");
  r.loss.distill_weight = 1.0f;
  r.teacher_top_k = 8;
  r.lr = 1e-9f;
  std::vector<double> kl;
  LogitDistillOptions o;
  o.teacher = teacher;
  o.on_step = [&](int64_t, const StepStats& st, float) { kl.push_back(st.kl); };
  Logger quiet(LogLevel::kOff);
  auto rep = run_logit_distillation(r, o, quiet);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  ASSERT_EQ(kl.size(), 1u);

  ThreadPool pool(1);
  auto cache = TeacherCache::open(rep->cache.path, pool);
  ASSERT_TRUE(cache.ok());
  auto shard = Shard::open(r.train_data);
  ASSERT_TRUE(shard.ok());
  const BatchSampler sampler(*shard, r.seq_len, r.seed);
  const int k = cache->k();
  std::vector<int32_t> ids(static_cast<size_t>(r.seq_len * k));
  std::vector<float> lps(ids.size());
  double want = 0;
  for (int64_t i = 0; i < r.batch_size; ++i) {
    cache->fill(sampler.window_of(static_cast<uint64_t>(i)), ids.data(), lps.data());
    for (int64_t pos = 0; pos < r.seq_len; ++pos) {
      double m = 0;
      for (int j = 0; j < k; ++j) m += std::exp(static_cast<double>(lps[static_cast<size_t>(pos * k + j)]));
      want -= std::log(m);
    }
  }
  want /= static_cast<double>(r.batch_size * r.seq_len);
  EXPECT_GT(want, 0.01);  // the tail is not empty: the check below is not 0 == 0
  EXPECT_NEAR(kl[0], want, 2e-3 + 0.02 * want);
  std::printf("KL %.5f, expected from the cache %.5f\n", kl[0], want);
}

TEST(Distill, LogitDistillationRefusesAnotherVocabulary) {
  DistillTempDir dir;
  const std::string teacher = dir.file("teacher.gguf"), student_tok = dir.file("student-vocab.gguf");
  TeacherSpec spec;
  testing::make_teacher(teacher, spec);
  TeacherSpec other = spec;
  other.n_vocab = 280;
  testing::make_teacher(student_tok, other);
  testing::write_shard(dir.file("train.bin"), testing::random_tokens(16 * 8 + 1, other.n_vocab, 1), 50, other.n_vocab,
                       testing::vocab_hash_of(student_tok));
  Recipe r = tiny_recipe(dir.file("out"), student_tok, 2);
  r.train_data = dir.file("train.bin");
  r.loss.distill_weight = 0.5f;
  LogitDistillOptions o;
  o.teacher = teacher;
  Logger quiet(LogLevel::kOff);
  auto rep = run_logit_distillation(r, o, quiet);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("vocabulary mismatch"), std::string::npos) << rep.error().message;
  EXPECT_NE(rep.error().message.find("300 tokens"), std::string::npos) << rep.error().message;
  EXPECT_NE(rep.error().message.find("280"), std::string::npos) << rep.error().message;
}

void write_prompts(const std::string& path, int n) {
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      f << "{\"prompt\": \"tell me about the number " << i << "\"}\n";
    } else {
      f << "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\": "
           "\"what is "
        << i << "?\"}, {\"role\": \"assistant\", \"content\": \"dropped\"}]}\n";
    }
  }
}

std::vector<nlohmann::json> read_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(Distill, SequenceLevelEndToEnd) {
  DistillTempDir dir;
  const std::string teacher = dir.file("teacher.gguf");
  TeacherSpec spec;
  spec.n_vocab = 320;  // the synthetic vocabulary carries <|im_start|>/<|im_end|> and a ChatML template
  testing::make_teacher(teacher, spec);
  const int n_prompts = 8;
  write_prompts(dir.file("prompts.jsonl"), n_prompts);

  Recipe r = tiny_recipe(dir.file("out"), teacher, 3);
  r.batch_size = 2;
  SequenceDistillOptions o;
  o.teacher = teacher;
  o.prompts = dir.file("prompts.jsonl");
  o.sampling.temperature = 0.8f;
  o.sampling.seed = 11;
  o.max_tokens = 24;
  o.n_parallel = 3;
  o.val_fraction = 0.2;
  int64_t steps_seen = 0;
  o.on_step = [&](int64_t, const StepStats& st, float) {
    ++steps_seen;
    EXPECT_TRUE(std::isfinite(st.loss));
    EXPECT_EQ(st.kl, 0.0);
  };
  Logger quiet(LogLevel::kOff);
  auto rep = run_sequence_distillation(r, o, quiet);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->n_responses, n_prompts);
  EXPECT_EQ(rep->train.steps_done, 3);
  EXPECT_EQ(steps_seen, 3);
  const auto rows = read_rows(rep->responses_path);
  ASSERT_EQ(static_cast<int>(rows.size()), n_prompts);
  for (int i = 0; i < n_prompts; ++i) {
    const auto& m = rows[static_cast<size_t>(i)]["messages"];
    ASSERT_GE(m.size(), 2u);
    EXPECT_EQ(m.back()["role"], "assistant");
    EXPECT_NE(m.back()["content"], "dropped");
    EXPECT_EQ(m[m.size() - 2]["role"], "user");
    const auto& p = rows[static_cast<size_t>(i)]["provenance"];
    EXPECT_EQ(p["prompt_index"], i);
    EXPECT_EQ(p["seed"], 11 + i);
    EXPECT_EQ(p["teacher"], "teacher.gguf");
    EXPECT_LE(p["completion_tokens"].get<int64_t>(), 24);
  }
  // The student's shard is the chat data: masked to the assistant's tokens, teacher's vocabulary.
  auto shard = Shard::open(dir.file("out") + "/sequence-data/train.bin");
  ASSERT_TRUE(shard.ok()) << shard.error().message;
  EXPECT_TRUE(shard->has_mask());
  EXPECT_EQ(shard->tokenizer_hash(), testing::vocab_hash_of(teacher));
  const auto mask = shard->mask();
  const size_t on = static_cast<size_t>(std::count(mask.begin(), mask.end(), uint8_t{1}));
  EXPECT_GT(on, 0u);
  EXPECT_LT(on, mask.size());
  EXPECT_TRUE(std::filesystem::exists(rep->train.gguf_path)) << rep->train.gguf_path;
}

TEST(Distill, TeacherAnswersDoNotDependOnBatching) {
  DistillTempDir dir;
  const std::string teacher = dir.file("teacher.gguf");
  TeacherSpec spec;
  spec.n_vocab = 320;
  testing::make_teacher(teacher, spec);
  write_prompts(dir.file("prompts.jsonl"), 5);
  SequenceDistillOptions o;
  o.teacher = teacher;
  o.prompts = dir.file("prompts.jsonl");
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 3;
  o.max_tokens = 16;
  Logger quiet(LogLevel::kOff);
  o.n_parallel = 1;
  ASSERT_TRUE(generate_teacher_responses(o, dir.file("a.jsonl"), 2, quiet).ok());
  o.n_parallel = 4;
  ASSERT_TRUE(generate_teacher_responses(o, dir.file("b.jsonl"), 2, quiet).ok());
  EXPECT_EQ(read_rows(dir.file("a.jsonl")), read_rows(dir.file("b.jsonl")));
  o.sampling.seed = 4;
  ASSERT_TRUE(generate_teacher_responses(o, dir.file("c.jsonl"), 2, quiet).ok());
  EXPECT_NE(read_rows(dir.file("a.jsonl")), read_rows(dir.file("c.jsonl")));
}

TEST(Distill, PromptSetErrorsNameTheLine) {
  DistillTempDir dir;
  const std::string p = dir.file("p.jsonl");
  {
    std::ofstream f(p);
    f << "{\"prompt\": \"ok\"}\n\n{\"text\": \"no prompt\"}\n";
  }
  auto r = read_prompt_set(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("p.jsonl:3"), std::string::npos) << r.error().message;
  {
    std::ofstream f(p);
    f << "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{not json\n";
  }
  r = read_prompt_set(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("p.jsonl:2"), std::string::npos) << r.error().message;
  {
    std::ofstream f(p);
    f << "{\"messages\": [{\"role\": \"assistant\", \"content\": \"only an answer\"}]}\n";
  }
  EXPECT_FALSE(read_prompt_set(p).ok());
  EXPECT_FALSE(read_prompt_set(dir.file("missing.jsonl")).ok());
}

}  // namespace
}  // namespace primer::train
