// `primer gen-model`, `primer info` and `primer quantize` end to end through the real binary
// (PRIMER_BINARY): the files they write load with the library, info's JSON agrees with the
// model, and bad arguments exit non-zero with a message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.h"
#include "primer/model.h"

namespace primer {
namespace {

namespace fs = std::filesystem;

using testing::RunResult;

class ModelCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("primer_model_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  RunResult run(const std::string& args) const { return testing::run_primer(args, dir_); }

  fs::path dir_;
};

TEST_F(ModelCli, GenModelInfoQuantizeEndToEnd) {
  const std::string f32 = path("tiny.gguf");
  RunResult gen = run("gen-model --arch qwen3 --n-embd 256 --n-layer 2 --n-head 4 --n-head-kv 2 --head-dim 64 "
                      "--n-ff 512 --n-vocab 400 --untied --rope-scaling linear:2 --seed 3 -t 2 -o " + f32);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_NE(gen.err.find("wrote"), std::string::npos) << gen.err;

  auto model = Model::load(f32);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ((*model)->config().n_embd, 256);
  EXPECT_EQ((*model)->config().head_dim, 64);
  EXPECT_EQ((*model)->config().n_vocab, 400);
  EXPECT_FALSE((*model)->config().tied_output);
  EXPECT_FLOAT_EQ((*model)->config().rope.linear_factor, 2.0f);

  RunResult info = run("info " + f32);
  ASSERT_EQ(info.exit_code, 0) << info.err;
  for (const char* needle : {"architecture:    qwen3", "n_embd 256", "n_layer 2", "head_dim 64", "n_ff 512",
                             "scaling linear (factor 2)", "output.weight", "file type:       F32", "400 tokens",
                             "chat template:"}) {
    EXPECT_NE(info.out.find(needle), std::string::npos) << needle << "\n" << info.out;
  }
  EXPECT_EQ(info.out.find("blk.1.ffn_down.weight"), std::string::npos);  // no table without --tensors

  const std::string q = path("tiny-q4km.gguf");
  RunResult quant = run("quantize " + f32 + " " + q + " --type q4_k_m -t 2");
  ASSERT_EQ(quant.exit_code, 0) << quant.err;

  RunResult json_run = run("info --json --tensors " + q);
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  auto j = nlohmann::json::parse(json_run.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << json_run.out;
  EXPECT_EQ(j["architecture"], "qwen3");
  EXPECT_EQ(j["n_vocab"], 400);
  EXPECT_EQ(j["file_type"], "Q4_K_M");
  EXPECT_EQ(j["tied_output"], false);
  EXPECT_EQ(j["tokenizer"]["vocab_size"], 400);
  ASSERT_TRUE(j["tensors"].is_array());
  auto qm = Model::load(q);
  ASSERT_TRUE(qm.ok()) << qm.error().message;
  EXPECT_EQ(j["tensors"].size(), (*qm)->gguf().tensors().size());
  EXPECT_EQ(j["weight_bytes"], (*qm)->weight_bytes());
  int n_q6k = 0;
  for (const auto& t : j["tensors"]) {
    const GgufTensorInfo* info_t = (*qm)->gguf().find_tensor(t["name"].get<std::string>());
    ASSERT_NE(info_t, nullptr);
    EXPECT_EQ(t["bytes"], info_t->n_bytes);
    if (t["type"] == "q6_K") ++n_q6k;
  }
  // Q4_K_M with 2 layers: output, and attn_v + ffn_down of layer 1 (use_more_bits(1, 2): i >= 7n/8).
  EXPECT_EQ(n_q6k, 3);
  EXPECT_EQ(j["tensor_types"]["q6_K"]["tensors"], 3);

  RunResult table = run("info --tensors " + q);
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("blk.1.ffn_down.weight"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("q6_K"), std::string::npos);
}

TEST_F(ModelCli, InfoOnAVocabularyOnlyFile) {
  RunResult r = run("info " + std::string(PRIMER_SHARED_DIR) + "/vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("SentencePiece BPE (llama), 32000 tokens; bos 1 '<s>'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vocabulary only"), std::string::npos) << r.out;
}

TEST_F(ModelCli, BadArgumentsFailWithAMessage) {
  struct Case { std::string args; std::string needle; };
  const Case cases[] = {
      {"gen-model --arch gemma3 -o " + path("x.gguf"), "gemma3"},
      {"gen-model --n-head 4 --n-head-kv 3 -o " + path("x.gguf"), "n_head 4 is not a multiple of n_head_kv 3"},
      {"gen-model --type Q3_K_XL -o " + path("x.gguf"), "Q3_K_XL"},
      {"gen-model --n-layer 0 -o " + path("x.gguf"), "n_layer 0"},
      {"gen-model --vocab-from " + path("none.json") + " -o " + path("x.gguf"), "none.json"},
      {"gen-model --n-embd 64", "--output"},
      {"info " + path("missing.gguf"), "missing.gguf"},
      {"info", "model"},
      {"quantize " + path("missing.gguf") + " " + path("out.gguf"), "missing.gguf"},
      {"quantize a.gguf a.gguf", "same file"},
      {"quantize a.gguf b.gguf --type Q9", "Q9"},
  };
  for (const Case& c : cases) {
    RunResult r = run(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\nstderr: " << r.err;
  }
  // info on a file that is not a model.
  const std::string junk = path("junk.gguf");
  FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("not a gguf file at all", f);
  std::fclose(f);
  RunResult r = run("info " + junk);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("junk.gguf"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace primer
