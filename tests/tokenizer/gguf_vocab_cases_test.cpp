// Tokenizers loaded from the real vocabulary GGUFs in shared/vocab/ must reproduce, id for id,
// the Hugging Face encodings in shared/vocab/cases/ (llama.cpp's tokenizer test data), and
// decode(encode(text)) must give the text back (except for BERT, which lowercases).
#include <gtest/gtest.h>

#include "primer/gguf.h"
#include "primer/tokenizer.h"
#include "tokenizer/gguf_vocab_cases.h"

namespace primer {
namespace {

const std::string kVocab = std::string(PRIMER_SHARED_DIR) + "/vocab/";

std::string show_ids(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) {
    s += ' ';
    s += std::to_string(id);
  }
  return s;
}

struct VocabParam {
  const char* name;  // shared/vocab/ggml-vocab-<name>.gguf
  bool round_trips;  // decode(encode(x)) == x (not for BERT: it lowercases and drops accents)
};

class GgufVocabCases : public ::testing::TestWithParam<VocabParam> {};

TEST_P(GgufVocabCases, MatchesReferenceIds) {
  std::string name = GetParam().name;
  std::string gguf_path = kVocab + "ggml-vocab-" + name + ".gguf";
  auto cases = testing::read_vocab_cases(kVocab + "cases/ggml-vocab-" + name + ".gguf.inp",
                                         kVocab + "cases/ggml-vocab-" + name + ".gguf.out");
  ASSERT_GT(cases.size(), 40u) << "cannot read the cases of " << name;
  auto gguf = GgufFile::open(gguf_path);
  ASSERT_TRUE(gguf.ok()) << gguf.error().message;
  auto tok = Tokenizer::from_gguf(*gguf);
  ASSERT_TRUE(tok.ok()) << tok.error().message;

  EncodeOptions opts;
  opts.add_special = false;  // the .out ids are add_special_tokens=False
  size_t failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    std::vector<TokenId> got = tok->encode(c.text, opts);
    if (got != c.ids && ++failures <= 8) {
      ADD_FAILURE() << name << " case " << i << " '" << c.text << "'\n  want:" << show_ids(c.ids)
                    << "\n  got: " << show_ids(got);
    }
    if (GetParam().round_trips) {
      EXPECT_EQ(tok->decode(got), c.text) << name << " case " << i << " does not round-trip";
    }
  }
  EXPECT_EQ(failures, 0u) << name << ": " << failures << " of " << cases.size() << " cases differ";
}

INSTANTIATE_TEST_SUITE_P(SharedVocab, GgufVocabCases,
                         ::testing::Values(VocabParam{"llama-spm", true}, VocabParam{"phi-3", true},
                                           VocabParam{"gpt-2", true}, VocabParam{"deepseek-coder", true},
                                           VocabParam{"falcon", true}, VocabParam{"starcoder", true},
                                           VocabParam{"bert-bge", false}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace primer
