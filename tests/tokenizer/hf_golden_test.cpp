// Token ids, decodes and parse_special behaviour of five real tokenizers against goldens made by
// Hugging Face's JS runtime (scripts/gen-tokenizer-unit-goldens.mjs ->
// tests/golden/tokenizer/unit/*.json).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace primer {
namespace {

using nlohmann::json;

class HfGolden : public ::testing::TestWithParam<std::string> {};

std::string show_ids(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) s += std::to_string(id) + " ";
  return s;
}

TEST_P(HfGolden, MatchesReference) {
  const std::string name = GetParam();
  const Tokenizer* tok = testing::npm_tokenizer(name);
  ASSERT_NE(tok, nullptr);
  std::string text = testing::read_file_or_empty(std::string(PRIMER_GOLDEN_DIR) +
                                                 "/tokenizer/unit/" + name + ".json");
  ASSERT_FALSE(text.empty()) << "missing golden for " << name;
  json golden = json::parse(text);
  size_t n = 0;
  for (const json& c : golden.at("cases")) {
    std::string input = c.contains("text") ? c.at("text").get<std::string>()
                                           : testing::hex_to_bytes(c.at("bytes_hex").get<std::string>());
    SCOPED_TRACE(c.contains("text") ? "text: " + input : "bytes: " + c.at("bytes_hex").get<std::string>());
    auto ids = c.at("ids").get<std::vector<TokenId>>();
    auto ids_special = c.at("ids_special").get<std::vector<TokenId>>();
    EncodeOptions no_special;
    no_special.add_special = false;
    auto got = tok->encode(input, no_special);
    EXPECT_EQ(got, ids) << "got " << show_ids(got) << "\nwant " << show_ids(ids);
    auto got_special = tok->encode(input);
    EXPECT_EQ(got_special, ids_special);
    EXPECT_EQ(tok->decode(ids_special), c.at("decoded").get<std::string>());
    DecodeOptions skip;
    skip.skip_special = true;
    EXPECT_EQ(tok->decode(ids_special, skip), c.at("decoded_skip").get<std::string>());
    if (c.contains("ids_no_parse_special")) {
      EncodeOptions plain;
      plain.add_special = false;
      plain.parse_special = false;
      auto want = c.at("ids_no_parse_special").get<std::vector<TokenId>>();
      auto got_plain = tok->encode(input, plain);
      EXPECT_EQ(got_plain, want) << "got " << show_ids(got_plain) << "\nwant " << show_ids(want);
    }
    ++n;
  }
  EXPECT_GT(n, 50u);
}

INSTANTIATE_TEST_SUITE_P(Npm, HfGolden,
                         ::testing::Values("qwen3", "llama3", "llama3_1", "llama2", "gemma3"));

}  // namespace
}  // namespace primer
