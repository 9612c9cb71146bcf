// Added-token matching (longest first, lstrip/rstrip/single_word, normalized tokens,
// parse_special), post-processing and tokenizer_config.json handling, on tiny tokenizer.json
// files built here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "primer/tokenizer.h"

namespace primer {
namespace {

using nlohmann::json;
using Ids = std::vector<TokenId>;

// A character-level model: ids 0..25 = 'a'..'z', 26 = ' ', 27 = '!'; no merges.
json tiny_tokenizer() {
  json vocab = json::object();
  for (int i = 0; i < 26; ++i) vocab[std::string(1, static_cast<char>('a' + i))] = i;
  vocab[" "] = 26;
  vocab["!"] = 27;
  return json{{"version", "1.0"},
              {"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
}

json added(const std::string& content, int id, bool special, json extra = json::object()) {
  json t = {{"id", id}, {"content", content}, {"special", special}, {"lstrip", false},
            {"rstrip", false}, {"single_word", false}, {"normalized", false}};
  for (auto& [k, v] : extra.items()) t[k] = v;
  return t;
}

Tokenizer load(const json& j, const json& config = nullptr) {
  auto r = Tokenizer::from_hf_json(j.dump(), config.is_null() ? "" : config.dump());
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

Ids encode(const Tokenizer& t, std::string_view text, bool parse_special = true) {
  EncodeOptions o;
  o.add_special = false;
  o.parse_special = parse_special;
  return t.encode(text, o);
}

TEST(AddedTokens, LongestMatchFirstAndParseSpecial) {
  json j = tiny_tokenizer();
  j["added_tokens"] = {added("<s>", 30, true), added("<s>x", 31, true), added("<t>", 32, false)};
  Tokenizer t = load(j);
  EXPECT_EQ(encode(t, "a<s>xb<s>"), (Ids{0, 31, 1, 30}));
  EXPECT_EQ(encode(t, "<t><s>"), (Ids{32, 30}));
  // parse_special=false: special tokens are text (here: dropped chars '<' '>' are unknown to
  // the model, so only letters remain), non-special added tokens still match.
  EXPECT_EQ(encode(t, "<t><s>", false), (Ids{32, 18}));
  EXPECT_EQ(t.attr(30), TokenAttr::kControl);
  EXPECT_EQ(t.attr(32), TokenAttr::kUserDefined);
  EXPECT_EQ(t.attr(0), TokenAttr::kNormal);
  EXPECT_EQ(t.piece(31), "<s>x");
  EXPECT_EQ(t.find_piece("<t>"), 32);
  EXPECT_EQ(t.vocab_size(), 33u);
  EXPECT_EQ(t.attr(29), TokenAttr::kUnused);  // a hole
  EXPECT_EQ(t.piece(12345), "");
}

TEST(AddedTokens, LstripRstrip) {
  json j = tiny_tokenizer();
  j["added_tokens"] = {added("<l>", 30, true, {{"lstrip", true}}),
                       added("<r>", 31, true, {{"rstrip", true}})};
  Tokenizer t = load(j);
  EXPECT_EQ(encode(t, "a  <l>  b"), (Ids{0, 30, 26, 26, 1}));
  EXPECT_EQ(encode(t, "a  <r> \t b"), (Ids{0, 26, 26, 31, 1}));
  EXPECT_EQ(encode(t, " <l><r> "), (Ids{30, 31}));
}

TEST(AddedTokens, SingleWord) {
  json j = tiny_tokenizer();
  j["added_tokens"] = {added("ab", 30, false, {{"single_word", true}})};
  Tokenizer t = load(j);
  EXPECT_EQ(encode(t, "ab"), (Ids{30}));
  EXPECT_EQ(encode(t, "x ab!"), (Ids{23, 26, 30, 27}));
  EXPECT_EQ(encode(t, "xab"), (Ids{23, 0, 1}));  // inside a word: not matched
  EXPECT_EQ(encode(t, "abx"), (Ids{0, 1, 23}));
}

TEST(AddedTokens, NormalizedTokensMatchAfterNormalization) {
  json j = tiny_tokenizer();
  j["normalizer"] = {{"type", "Lowercase"}};
  j["added_tokens"] = {added("<up>", 30, false, {{"normalized", true}}),
                       added("<RAW>", 31, true, {{"normalized", false}})};
  Tokenizer t = load(j);
  EXPECT_EQ(encode(t, "A<UP>b"), (Ids{0, 30, 1}));   // "<UP>" lowercases to "<up>"
  EXPECT_EQ(encode(t, "<RAW>"), (Ids{31}));          // raw tokens match before normalization
  EXPECT_EQ(encode(t, "<raw>"), (Ids{17, 0, 22}));   // ...and only as written
}

TEST(AddedTokens, NormalizerRunsPerSegment) {
  // Mistral-style: Prepend("▁") applies to every segment between added tokens.
  json j = tiny_tokenizer();
  j["model"]["vocab"]["\u2581"] = 28;
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers",
                      {{{"type", "Prepend"}, {"prepend", "\u2581"}},
                       {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}}}};
  j["added_tokens"] = {added("<s>", 30, true)};
  Tokenizer t = load(j);
  EXPECT_EQ(encode(t, "a<s>b c"), (Ids{28, 0, 30, 28, 1, 28, 2}));
}

TEST(PostProcessor, TemplateAndConfig) {
  json j = tiny_tokenizer();
  j["added_tokens"] = {added("<s>", 30, true), added("</s>", 31, true), added("<|eot_id|>", 32, true)};
  j["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}},
        {{"type", "TemplateProcessing"},
         {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                     {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
         {"pair", json::array()},
         {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {30}}, {"tokens", {"<s>"}}}}}}}}}};
  json config = {{"bos_token", {{"content", "<s>"}, {"lstrip", false}}},
                 {"eos_token", "</s>"},
                 {"add_bos_token", true},
                 {"chat_template", {{{"name", "tool_use"}, {"template", "T"}},
                                    {{"name", "default"}, {"template", "D"}}}},
                 {"tokenizer_class", "TinyTokenizer"}};
  Tokenizer t = load(j, config);
  EXPECT_EQ(t.encode("ab"), (Ids{30, 0, 1, 31}));
  EncodeOptions no_special;
  no_special.add_special = false;
  EXPECT_EQ(t.encode("ab", no_special), (Ids{0, 1}));
  EXPECT_EQ(t.bos(), 30);
  EXPECT_EQ(t.eos(), 31);
  EXPECT_TRUE(t.add_bos());
  EXPECT_TRUE(t.add_eos());
  EXPECT_EQ(t.bos_text(), "<s>");
  EXPECT_EQ(t.eos_text(), "</s>");
  EXPECT_EQ(t.chat_template(), "D");
  EXPECT_EQ(t.eos_ids(), (Ids{31, 32}));  // eos, then known end-of-turn control tokens
  EXPECT_EQ(t.describe(), "BPE (TinyTokenizer), 33 tokens");
}

TEST(Decode, NoDecoderJoinsWithSpacesAndSkipsSpecial) {
  json j = tiny_tokenizer();
  j["added_tokens"] = {added("<s>", 30, true), added("<t>", 31, false)};
  Tokenizer t = load(j);
  EXPECT_EQ(t.decode({30, 0, 1, 31}), "<s> a b <t>");
  DecodeOptions skip;
  skip.skip_special = true;
  EXPECT_EQ(t.decode({30, 0, 1, 31}, skip), "a b <t>");
  EXPECT_EQ(t.decode({0, -5, 999, 1}), "a b");  // invalid ids are skipped
}

}  // namespace
}  // namespace primer
