// llama.cpp's tokenizer test cases (shared/vocab/cases/ggml-vocab-*.gguf.{inp,out}) run through
// the npm tokenizer.json of the same vocabulary: Qwen2 = qwen3's tokenizer.json, Llama-3 BPE =
// llama3's.
//
// Format: the .inp file is every case followed by "\n__ggml_vocab_test__\n" (so a case may itself
// start or end with newlines); the .out file has one line per case: the ids each preceded by a
// space (an empty line for an empty case). Ids are without BOS (add_special = false).
#include <gtest/gtest.h>

#include <sstream>

#include "test_util.h"

namespace primer {
namespace {

struct VocabCase {
  std::string text;
  std::vector<TokenId> ids;
};

std::vector<VocabCase> read_cases(const std::string& stem) {
  std::string dir = std::string(PRIMER_SHARED_DIR) + "/vocab/cases/";
  std::string inp = testing::read_file_or_empty(dir + stem + ".inp");
  std::string out = testing::read_file_or_empty(dir + stem + ".out");
  std::vector<VocabCase> cases;
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (true) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    cases.push_back({inp.substr(pos, next - pos), {}});
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  for (VocabCase& c : cases) {
    if (!std::getline(lines, line)) break;
    std::istringstream nums(line);
    TokenId id;
    while (nums >> id) c.ids.push_back(id);
  }
  return cases;
}

void run_cases(const std::string& tokenizer, const std::string& stem) {
  const Tokenizer* tok = testing::npm_tokenizer(tokenizer);
  ASSERT_NE(tok, nullptr);
  auto cases = read_cases(stem);
  ASSERT_GE(cases.size(), 40u) << stem;
  EncodeOptions opts;
  opts.add_special = false;
  for (const VocabCase& c : cases) {
    EXPECT_EQ(tok->encode(c.text, opts), c.ids) << "text: '" << c.text << "'";
    EXPECT_EQ(tok->decode(c.ids), c.text) << "round trip";
  }
}

TEST(VocabCases, Qwen2) { run_cases("qwen3", "ggml-vocab-qwen2.gguf"); }
TEST(VocabCases, Llama3Bpe) { run_cases("llama3", "ggml-vocab-llama-bpe.gguf"); }

}  // namespace
}  // namespace primer
