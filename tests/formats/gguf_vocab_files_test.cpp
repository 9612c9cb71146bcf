// Opens every real vocabulary GGUF in shared/vocab/ (written by llama.cpp's converters) and
// checks metadata we know from the models.
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "primer/gguf.h"

namespace primer {
namespace {

namespace fs = std::filesystem;

const std::string kVocabDir = std::string(PRIMER_SHARED_DIR) + "/vocab";

struct Expected {
  const char* model;  // tokenizer.ggml.model
  size_t n_tokens;
};

// Token counts of the original models' vocabularies.
const std::map<std::string, Expected> kExpected = {
    {"ggml-vocab-llama-spm.gguf", {"llama", 32000}},
    {"ggml-vocab-phi-3.gguf", {"llama", 32064}},
    {"ggml-vocab-gpt-2.gguf", {"gpt2", 50257}},
    {"ggml-vocab-falcon.gguf", {"gpt2", 65024}},
    {"ggml-vocab-starcoder.gguf", {"gpt2", 49152}},
    {"ggml-vocab-deepseek-coder.gguf", {"gpt2", 32256}},
    {"ggml-vocab-bert-bge.gguf", {"bert", 30522}},
};

TEST(GgufVocabFiles, OpenEveryFile) {
  size_t opened = 0;
  for (const auto& entry : fs::directory_iterator(kVocabDir)) {
    if (entry.path().extension() != ".gguf") continue;
    std::string file = entry.path().filename().string();
    SCOPED_TRACE(file);
    auto r = GgufFile::open(entry.path().string());
    ASSERT_TRUE(r.ok()) << r.error().message;
    const GgufFile& f = *r;
    EXPECT_GE(f.version(), 2u);
    EXPECT_TRUE(f.tensors().empty());  // vocab-only files
    auto model = f.get_string("tokenizer.ggml.model");
    ASSERT_TRUE(model.ok()) << model.error().message;
    auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.error().message;
    auto it = kExpected.find(file);
    if (it != kExpected.end()) {
      EXPECT_EQ(*model, it->second.model);
      EXPECT_EQ(tokens->size(), it->second.n_tokens);
    }
    auto types = f.get_i32_array("tokenizer.ggml.token_type");
    ASSERT_TRUE(types.ok()) << types.error().message;
    EXPECT_EQ(types->size(), tokens->size());
    if (*model == "gpt2") {
      auto merges = f.get_string_array("tokenizer.ggml.merges");
      ASSERT_TRUE(merges.ok()) << merges.error().message;
      EXPECT_GT(merges->size(), 10000u);
      EXPECT_NE((*merges)[0].find(' '), std::string_view::npos);
    }
    if (*model == "llama") {
      auto scores = f.get_f32_array("tokenizer.ggml.scores");
      ASSERT_TRUE(scores.ok()) << scores.error().message;
      EXPECT_EQ(scores->size(), tokens->size());
    }
    ++opened;
  }
  EXPECT_GE(opened, kExpected.size());
}

TEST(GgufVocabFiles, LlamaSpmDetails) {
  auto r = GgufFile::open(kVocabDir + "/ggml-vocab-llama-spm.gguf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto tokens = *r->get_string_array("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens[0], "<unk>");
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(tokens[2], "</s>");
  EXPECT_EQ(tokens[3], "<0x00>");
  EXPECT_EQ(tokens[29871], "\xE2\x96\x81");  // "▁"
  EXPECT_EQ(*r->get_uint("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(*r->get_uint("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(*r->get_string("general.architecture"), "llama");
}

TEST(GgufVocabFiles, Gpt2Details) {
  auto r = GgufFile::open(kVocabDir + "/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto tokens = *r->get_string_array("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens[0], "!");
  EXPECT_EQ(tokens[50256], "<|endoftext|>");
  auto merges = *r->get_string_array("tokenizer.ggml.merges");
  EXPECT_EQ(merges[0], "\xC4\xA0 t");  // "Ġ t"
  EXPECT_EQ(*r->get_string("tokenizer.ggml.pre"), "gpt-2");
}

}  // namespace
}  // namespace primer
