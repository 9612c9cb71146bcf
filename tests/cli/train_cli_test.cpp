// `primer train`: a bad recipe is exit 2 with file:line, a run prints progress and writes the run
// folder, --resume continues, `primer train export` writes a GGUF `primer run` loads, and
// `primer quantize` turns a trained model into Q8_0 / Q4_K_M files that run.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_test_util.h"
#include "train/loop_test_util.h"

namespace primer::testing {
namespace {

namespace fs = std::filesystem;

TEST(TrainCliTest, BadRecipeIsExitTwoWithFileAndLine) {
  loop_testing::LoopTempDir dir;
  loop_testing::write_text_file(dir.file("r.toml"), "[model]\nn_embd = 32\n[train]\nstepz = 3\n");
  const RunResult r = run_primer("train '" + dir.file("r.toml") + "'", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "primer train: " + dir.file("r.toml") + ":4: unknown key train.stepz (did you mean 'steps'?)\n");
  const RunResult none = run_primer("train", dir.path());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("primer train: a recipe file is required"), std::string::npos) << none.err;
}

TEST(TrainCliTest, TrainResumeAndExport) {
  loop_testing::TinyData d;
  loop_testing::make_tiny_data(d);
  const std::string out = d.dir.file("run");
  loop_testing::write_text_file(d.dir.file("r.toml"), loop_testing::tiny_recipe_toml(d, out, "", "[checkpoint]\nevery = 2\n"));
  const RunResult r = run_primer("train '" + d.dir.file("r.toml") + "' --steps 4 -t 1", d.dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[I] step 4/4 | loss "), std::string::npos) << r.err;  // info by default
  EXPECT_NE(r.err.find("primer train: 4 steps, "), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out + "/model.gguf"));
  EXPECT_TRUE(fs::exists(out + "/loss.csv"));
  EXPECT_TRUE(fs::exists(out + "/loss.svg"));

  const RunResult again = run_primer("train '" + d.dir.file("r.toml") + "' --steps 4", d.dir.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a run"), std::string::npos) << again.err;

  const RunResult more = run_primer("--log-level warn train '" + d.dir.file("r.toml") + "' --steps 6 --resume -t 1",
                                    d.dir.path());
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(more.err.find("[I] step"), std::string::npos) << more.err;  // --log-level respected
  EXPECT_NE(more.err.find("primer train: 6 steps, "), std::string::npos) << more.err;

  const RunResult exp = run_primer("train export '" + out + "/checkpoints/step-4.ckpt' --out '" + d.dir.file("x.gguf") +
                                       "' --type F16",
                                   d.dir.path());
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  const RunResult run = run_primer("run -m '" + d.dir.file("x.gguf") + "' -p 'the cat' -n 4 --temp 0", d.dir.path());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  // Any quant type through `primer quantize`, served by `primer run`.
  for (const char* type : {"Q8_0", "Q4_K_M"}) {
    const std::string q = d.dir.file(std::string("q-") + type + ".gguf");
    const RunResult quant = run_primer("quantize '" + out + "/model.gguf' '" + q + "' --type " + type, d.dir.path());
    ASSERT_EQ(quant.exit_code, 0) << type << ": " << quant.err;
    const RunResult qrun = run_primer("run -m '" + q + "' -p 'the cat' -n 4 --temp 0", d.dir.path());
    EXPECT_EQ(qrun.exit_code, 0) << type << ": " << qrun.err;
    EXPECT_NE(qrun.err.find("generated: 4 tokens"), std::string::npos) << type << ": " << qrun.err;
  }
  const RunResult bad = run_primer("train export '" + out + "/loss.csv' --out '" + d.dir.file("y.gguf") + "'",
                                   d.dir.path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not a checkpoint"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace primer::testing
