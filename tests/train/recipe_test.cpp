// Recipe files: every key maps onto its field, defaults, paths relative to the recipe, and each
// kind of mistake gives its own message with file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "loop_test_util.h"
#include "primer/train_loop.h"

namespace primer::train {
namespace {

using loop_testing::LoopTempDir;
using loop_testing::TinyData;

// 1-based line of the first line containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t pos = text.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

const char* kMinimal =
    "[model]\n"
    "n_embd = 32\n"
    "n_layer = 2\n"
    "n_head = 4\n"
    "[data]\n"
    "train = \"data/train.bin\"\n";

std::string parse_error(const std::string& text, const std::string& name = "r.toml") {
  auto r = Recipe::parse(text, name);
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
  return r.ok() ? "" : r.error().message;
}

TEST(RecipeTest, EveryKeyMapsOntoItsField) {
  const std::string text =
      "[model]\narch = \"qwen3\"\nn_vocab = 300\nn_embd = 64\nn_layer = 3\nn_head = 4\nn_head_kv = 2\n"
      "head_dim = 32\nn_ff = 160\nn_ctx = 512\ntied_embeddings = false\nrope_theta = 1e6\nrms_eps = 1e-6\n"
      "init_std = 0.01\n"
      "[data]\ntrain = \"d/train.bin\"\nval = \"d/val.bin\"\ntokenizer = \"tok.json\"\n"
      "[train]\nbatch_size = 16\ngrad_accum = 4\nseq_len = 128\nsteps = 1e4\nlr = 6e-4\nmin_lr = 6e-5\n"
      "warmup_steps = 200\nbeta1 = 0.8\nbeta2 = 0.99\neps = 1e-7\nweight_decay = 0.05\ngrad_clip = 0.5\n"
      "threads = 3\nseed = 42\n"
      "[eval]\nevery = 50\nbatches = 4\nsample_prompts = [\"Once upon\", \"The\"]\nsample_tokens = 20\n"
      "[checkpoint]\nevery = 250\n"
      "[output]\ndir = \"runs/a\"\ntype = \"f16\"\nname = \"tiny\"\n"
      "[distill]\nweight = 0.7\ntemperature = 2\nkl = \"mixed\"\nreverse_share = 0.25\ntop_k = 16\n";
  auto r = Recipe::parse(text, "/recipes/x/a.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ModelShape& m = r->shape;
  EXPECT_EQ(m.arch, "qwen3");
  EXPECT_EQ(m.n_vocab, 300);
  EXPECT_EQ(m.n_embd, 64);
  EXPECT_EQ(m.n_layer, 3);
  EXPECT_EQ(m.n_head, 4);
  EXPECT_EQ(m.n_head_kv, 2);
  EXPECT_EQ(m.head_dim, 32);
  EXPECT_EQ(m.n_ff, 160);
  EXPECT_EQ(m.n_ctx, 512);
  EXPECT_FALSE(m.tied_embeddings);
  EXPECT_FLOAT_EQ(m.rope_theta, 1e6f);
  EXPECT_FLOAT_EQ(m.rms_eps, 1e-6f);
  EXPECT_FLOAT_EQ(r->init_std, 0.01f);
  EXPECT_EQ(r->train_data, "/recipes/x/d/train.bin");
  EXPECT_EQ(r->val_data, "/recipes/x/d/val.bin");
  EXPECT_EQ(r->tokenizer, "/recipes/x/tok.json");
  EXPECT_EQ(r->batch_size, 16);
  EXPECT_EQ(r->grad_accum, 4);
  EXPECT_EQ(r->seq_len, 128);
  EXPECT_EQ(r->steps, 10000);
  EXPECT_FLOAT_EQ(r->lr, 6e-4f);
  EXPECT_FLOAT_EQ(r->min_lr, 6e-5f);
  EXPECT_EQ(r->warmup_steps, 200);
  EXPECT_FLOAT_EQ(r->adamw.beta1, 0.8f);
  EXPECT_FLOAT_EQ(r->adamw.beta2, 0.99f);
  EXPECT_FLOAT_EQ(r->adamw.eps, 1e-7f);
  EXPECT_FLOAT_EQ(r->adamw.weight_decay, 0.05f);
  EXPECT_FLOAT_EQ(r->grad_clip, 0.5f);
  EXPECT_EQ(r->threads, 3);
  EXPECT_EQ(r->seed, 42u);
  EXPECT_EQ(r->eval_every, 50);
  EXPECT_EQ(r->eval_batches, 4);
  ASSERT_EQ(r->sample_prompts.size(), 2u);
  EXPECT_EQ(r->sample_prompts[0], "Once upon");
  EXPECT_EQ(r->sample_tokens, 20);
  EXPECT_EQ(r->checkpoint_every, 250);
  EXPECT_EQ(r->out_dir, "/recipes/x/runs/a");
  EXPECT_EQ(r->export_type, FileType::kF16);
  EXPECT_EQ(r->model_name, "tiny");
  EXPECT_FLOAT_EQ(r->loss.distill_weight, 0.7f);
  EXPECT_FLOAT_EQ(r->loss.temperature, 2.0f);
  EXPECT_EQ(r->loss.kl, KlDirection::kMixed);
  EXPECT_FLOAT_EQ(r->loss.reverse_share, 0.25f);
  EXPECT_EQ(r->teacher_top_k, 16);
  EXPECT_EQ(r->path, "/recipes/x/a.toml");
}

TEST(RecipeTest, DefaultsFillTheRest) {
  auto r = Recipe::parse(kMinimal, "/r/base.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Recipe d;  // the header's defaults
  EXPECT_EQ(r->shape.arch, "llama");
  EXPECT_EQ(r->shape.n_vocab, 0);        // from the data
  EXPECT_EQ(r->shape.n_head_kv, 4);      // = n_head
  EXPECT_EQ(r->shape.head_dim, 8);       // n_embd / n_head
  EXPECT_EQ(r->shape.n_ff, 96);          // round_up(8/3 * 32, 32)
  EXPECT_EQ(r->shape.n_ctx, r->seq_len); // = train.seq_len
  EXPECT_TRUE(r->shape.tied_embeddings);
  EXPECT_EQ(r->batch_size, d.batch_size);
  EXPECT_EQ(r->seq_len, d.seq_len);
  EXPECT_EQ(r->steps, d.steps);
  EXPECT_EQ(r->lr, d.lr);
  EXPECT_EQ(r->adamw.weight_decay, d.adamw.weight_decay);
  EXPECT_EQ(r->eval_every, d.eval_every);
  EXPECT_EQ(r->checkpoint_every, d.checkpoint_every);
  EXPECT_EQ(r->export_type, FileType::kF32);
  EXPECT_EQ(r->out_dir, "/r/out");
  EXPECT_EQ(r->model_name, "base");
  EXPECT_EQ(r->val_data, "");
  EXPECT_EQ(r->loss.distill_weight, 0.0f);
}

TEST(RecipeTest, DataDirMeansTrainAndValBins) {
  LoopTempDir dir;
  std::filesystem::create_directories(dir.file("data"));
  const std::string text = "[model]\nn_embd = 32\nn_layer = 1\nn_head = 2\n[data]\ndir = \"data\"\n";
  // An empty val.bin (prepare --val-fraction 0) means no validation.
  loop_testing::write_shard(dir.file("data/val.bin"), {}, 257, 0);
  auto no_val = Recipe::parse(text, dir.file("r.toml"));
  ASSERT_TRUE(no_val.ok()) << no_val.error().message;
  EXPECT_EQ(no_val->val_data, "");
  loop_testing::write_shard(dir.file("data/val.bin"), {1, 2, 3}, 257, 0);
  auto r = Recipe::parse(text, dir.file("r.toml"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->train_data, dir.file("data/train.bin"));
  EXPECT_EQ(r->val_data, dir.file("data/val.bin"));
  // A relative recipe path: each path is resolved against its folder once.
  auto rel = Recipe::parse(text, "rel/r.toml");
  ASSERT_TRUE(rel.ok()) << rel.error().message;
  EXPECT_EQ(rel->train_data, "rel/data/train.bin");
  EXPECT_EQ(rel->out_dir, "rel/out");
  EXPECT_EQ(parse_error(text + "train = \"x.bin\"\n"), "r.toml:7: data.train and data.dir are exclusive (dir means dir/train.bin)");
}

TEST(RecipeTest, LoadReadsTheFileAndNamesItInErrors) {
  LoopTempDir dir;
  loop_testing::write_text_file(dir.file("r.toml"), std::string(kMinimal) + "[train]\nsteps = 0\n");
  auto r = Recipe::load(dir.file("r.toml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, dir.file("r.toml") + ":8: train.steps must be >= 1 (got 0)");
  auto missing = Recipe::load(dir.file("nope.toml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open " + dir.file("nope.toml")), std::string::npos);
}

TEST(RecipeTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[train]\nstepz = 5\n"),
            "r.toml:8: unknown key train.stepz (did you mean 'steps'?)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[trian]\nsteps = 5\n"),
            "r.toml:7: unknown section [trian] (did you mean 'train'?)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[train]\nfoo = 5\n"), "r.toml:8: unknown key train.foo");
  EXPECT_EQ(parse_error("model = 5\n"), "r.toml:1: model must be a table ([model])");
}

TEST(RecipeTest, WrongTypesNameKeyAndType) {
  const std::string base = std::string(kMinimal) + "[train]\n";
  EXPECT_EQ(parse_error(base + "steps = \"ten\"\n"), "r.toml:8: train.steps must be an integer (got a string)");
  EXPECT_EQ(parse_error(base + "steps = 2.5\n"), "r.toml:8: train.steps must be an integer (got a number)");
  EXPECT_EQ(parse_error(base + "lr = \"fast\"\n"), "r.toml:8: train.lr must be a number (got a string)");
  EXPECT_EQ(parse_error(base + "lr = true\n"), "r.toml:8: train.lr must be a number (got a boolean)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[eval]\nsample_prompts = \"hi\"\n"),
            "r.toml:8: eval.sample_prompts must be an array of strings (got a string)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[eval]\nsample_prompts = [\n\"a\",\n2]\n"),
            "r.toml:10: eval.sample_prompts must be an array of strings (an element is an integer)");
  EXPECT_EQ(parse_error("[model]\nn_embd = 32\nn_layer = 2\nn_head = 4\ntied_embeddings = 1\n[data]\ntrain = \"t\"\n"),
            "r.toml:5: model.tied_embeddings must be true or false (got an integer)");
  EXPECT_EQ(parse_error("[model]\nn_embd = 32\nn_layer = 2\nn_head = 4\n[data]\ntrain = 3\n"),
            "r.toml:6: data.train must be a string (got an integer)");
}

TEST(RecipeTest, OutOfRangeValues) {
  const std::string base = std::string(kMinimal) + "[train]\n";
  EXPECT_EQ(parse_error(base + "steps = 0\n"), "r.toml:8: train.steps must be >= 1 (got 0)");
  EXPECT_EQ(parse_error(base + "batch_size = -2\n"), "r.toml:8: train.batch_size must be in [1, 1048576] (got -2)");
  EXPECT_EQ(parse_error(base + "lr = 0\n"), "r.toml:8: train.lr must be > 0 (got 0)");
  EXPECT_EQ(parse_error(base + "beta2 = 1.0\n"), "r.toml:8: train.beta2 must be >= 0 and < 1 (got 1)");
  EXPECT_EQ(parse_error(base + "lr = 1e-4\nmin_lr = 1e-3\n"),
            "r.toml:9: train.min_lr must satisfy min_lr <= lr (min_lr 0.001000, lr 0.000100)");
  EXPECT_EQ(parse_error(base + "lr = inf\n"), "r.toml:8: train.lr must be > 0 (got inf)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[distill]\nweight = 1.5\n"),
            "r.toml:8: distill.weight must be >= 0 and <= 1 (got 1.5)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[distill]\nkl = \"sideways\"\n"),
            "r.toml:8: distill.kl must be \"forward\", \"reverse\" or \"mixed\" (got \"sideways\")");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[output]\ntype = \"Q4_0\"\n"),
            "r.toml:8: output.type must be \"F32\", \"F16\" or \"BF16\" (got \"Q4_0\"; quantize further with "
            "primer quantize)");
  EXPECT_EQ(parse_error("[model]\narch = \"gpt2\"\n"),
            "r.toml:2: model.arch must be \"llama\", \"qwen2\" or \"qwen3\" (got \"gpt2\")");
}

TEST(RecipeTest, ImpossibleShapesPointAtTheKey) {
  const std::string bad_width = "[model]\nn_layer = 2\nn_head = 3\nn_embd = 100\n[data]\ntrain = \"t\"\n";
  EXPECT_EQ(parse_error(bad_width),
            "r.toml:" + std::to_string(line_of(bad_width, "n_embd")) +
                ": [train] model shape: n_embd 100 is not a multiple of n_head 3");
  const std::string bad_kv = "[model]\nn_embd = 64\nn_layer = 2\nn_head = 4\nn_head_kv = 3\n[data]\ntrain = \"t\"\n";
  EXPECT_EQ(parse_error(bad_kv), "r.toml:4: [train] model shape: n_head 4 is not a multiple of n_head_kv 3");
  const std::string odd = "[model]\nn_embd = 36\nn_layer = 2\nn_head = 4\n[data]\ntrain = \"t\"\n";
  EXPECT_EQ(parse_error(odd), "r.toml:1: [train] model shape: head_dim 9 is odd (RoPE rotates pairs)");
  EXPECT_EQ(parse_error("[model]\nn_embd = 32\nn_head = 4\n[data]\ntrain = \"t\"\n"),
            "r.toml:1: model.n_layer is required");
  const std::string ctx = "[model]\nn_embd = 32\nn_layer = 2\nn_head = 4\nn_ctx = 128\n[data]\ntrain = \"t\"\n"
                          "[train]\nseq_len = 256\n";
  EXPECT_EQ(parse_error(ctx), "r.toml:9: train.seq_len must be <= model.n_ctx (256 > 128)");
}

TEST(RecipeTest, OtherMistakes) {
  EXPECT_EQ(parse_error("[model]\nn_embd = 32\nn_layer = 2\nn_head = 4\n[data]\n"), "r.toml:5: data.train is required");
  EXPECT_EQ(parse_error("[model]\nn_embd = 32\nn_layer = 2\nn_head = 4\n"), "r.toml: data.train is required (no [data] section)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[eval]\nsample_prompts = [\"hi\"]\n"),
            "r.toml:8: eval.sample_prompts needs data.tokenizer (to encode the prompts)");
  EXPECT_EQ(parse_error("[model]\ninit_from = \"m.gguf\"\nn_embd = 32\n[data]\ntrain = \"t\"\n"),
            "r.toml:3: model.n_embd cannot be set with model.init_from (the GGUF gives the shape)");
  const std::string syntax = std::string(kMinimal) + "[train]\nsteps = = 3\n";
  const std::string msg = parse_error(syntax);
  EXPECT_EQ(msg.rfind("r.toml:8: ", 0), 0u) << msg;
}

TEST(RecipeTest, ValidateAgainstData) {
  TinyData d;
  loop_testing::make_tiny_data(d);
  const std::string out = d.dir.file("out");
  auto ok = Recipe::parse(loop_testing::tiny_recipe_toml(d, out), "r.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  Status s = ok->validate_against_data();
  EXPECT_TRUE(s.ok()) << s.error().message;

  Recipe r = *ok;
  r.train_data = d.dir.file("missing.bin");
  EXPECT_EQ(r.validate_against_data().error().message, "[recipe] data.train: " + r.train_data + " does not exist");

  r = *ok;
  r.val_data = d.dir.file("empty.bin");
  loop_testing::write_shard(r.val_data, {}, 257, d.hash);
  EXPECT_EQ(r.validate_against_data().error().message, "[recipe] data.val: " + r.val_data + " is empty (no tokens)");

  r = *ok;
  r.batch_size = 400;
  r.seq_len = 32;  // 6000 tokens: 187 windows of 33
  EXPECT_EQ(r.validate_against_data().error().message,
            "[recipe] data.train: " + r.train_data +
                " has 6000 tokens, 187 windows of seq_len + 1 = 33 tokens; 400 needed (train.batch_size for data.train)");

  r = *ok;
  r.shape.n_vocab = 300;
  EXPECT_EQ(r.validate_against_data().error().message,
            "[recipe] data.tokenizer " + d.tokenizer + " has 257 tokens but the model has n_vocab 300");

  r = *ok;
  r.train_data = d.dir.file("other.bin");
  r.val_data = "";
  loop_testing::write_shard(r.train_data, loop_testing::byte_tokens(loop_testing::synthetic_text(3000, 5)), 257, 12345);
  const std::string m = r.validate_against_data().error().message;
  EXPECT_NE(m.find("was prepared with another tokenizer than data.tokenizer"), std::string::npos) << m;
}

}  // namespace
}  // namespace primer::train
