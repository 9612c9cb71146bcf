// `primer tokenize`: output formats and flags agree with the library; errors exit non-zero.
#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>

#include "test_util.h"

namespace primer {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
};

RunResult run(const std::string& args) {
  std::string cmd = std::string(PRIMER_BINARY) + " tokenize " + args + " 2>/dev/null";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string join(const std::vector<TokenId>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) s.push_back(' ');
    s.append(std::to_string(ids[i]));
  }
  s.push_back('\n');
  return s;
}

TEST(TokenizeCli, IdsPiecesAndFlags) {
  const Tokenizer* tok = testing::npm_tokenizer("llama3_1");
  ASSERT_NE(tok, nullptr);
  std::string dir = testing::node_tokenizer_dir("llama3_1");
  std::string files = "--tokenizer " + dir + "/tokenizer.json --config " + dir + "/tokenizer_config.json";
  const std::string text = "Hello <|eot_id|> world";

  RunResult ids = run(files + " '" + text + "'");
  EXPECT_EQ(ids.exit_code, 0);
  EXPECT_EQ(ids.out, join(tok->encode(text)));  // with BOS
  EXPECT_EQ(ids.out.substr(0, 7), "128000 ");

  EncodeOptions plain;
  plain.add_special = false;
  plain.parse_special = false;
  RunResult no = run(files + " --no-special --no-parse-special --ids '" + text + "'");
  EXPECT_EQ(no.exit_code, 0);
  EXPECT_EQ(no.out, join(tok->encode(text, plain)));

  RunResult pieces = run(files + " --pieces --no-special 'Hi there'");
  EXPECT_EQ(pieces.exit_code, 0);
  EXPECT_EQ(pieces.out, "13347\tHi\tHi\n1070\t\u0120there\t there\n");

  RunResult stdin_run = run(files + " --no-special - < " + dir + "/tokenizer_config.json");
  EXPECT_EQ(stdin_run.exit_code, 0);
  EXPECT_EQ(stdin_run.out, join(tok->encode(testing::read_file_or_empty(dir + "/tokenizer_config.json"), [] {
                             EncodeOptions o;
                             o.add_special = false;
                             return o;
                           }())));
}

TEST(TokenizeCli, Errors) {
  EXPECT_EQ(run("x").exit_code, 2);  // neither --gguf nor --tokenizer
  EXPECT_EQ(run("--tokenizer /nonexistent.json x").exit_code, 1);
  EXPECT_EQ(run("--gguf /nonexistent.gguf x").exit_code, 1);
  EXPECT_NE(run("--tokenizer a.json --gguf b.gguf x").exit_code, 0);
}

}  // namespace
}  // namespace primer
