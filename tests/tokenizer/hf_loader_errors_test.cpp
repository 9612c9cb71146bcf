// Malformed tokenizer.json / tokenizer_config.json inputs: each is a clear Error naming the
// offending field, never a crash or an exception.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "primer/tokenizer.h"

namespace primer {
namespace {

using nlohmann::json;

json base() {
  return json{{"added_tokens", {{{"id", 3}, {"content", "<s>"}, {"special", true}}}},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model",
               {{"type", "BPE"},
                {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}},
                {"merges", {"a b"}}}}};
}

// Expects loading to fail with a message containing `needle`.
void expect_error(const std::string& tokenizer_json, const std::string& needle,
                  const std::string& config_json = "") {
  auto r = Tokenizer::from_hf_json(tokenizer_json, config_json);
  ASSERT_FALSE(r.ok()) << "loaded, expected an error containing: " << needle;
  EXPECT_NE(r.error().message.find(needle), std::string::npos)
      << "message: " << r.error().message << "\nexpected to contain: " << needle;
}

void expect_json_error(const json& j, const std::string& needle) { expect_error(j.dump(), needle); }

TEST(HfLoaderErrors, BaseLoads) {
  auto r = Tokenizer::from_hf_json(base().dump());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->encode("ab"), (std::vector<TokenId>{2}));
  json pairs = base();
  pairs["model"]["merges"] = json::array({json::array({"a", "b"})});  // the ["a", "b"] form
  auto p = Tokenizer::from_hf_json(pairs.dump());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->encode("ab"), (std::vector<TokenId>{2}));
}

TEST(HfLoaderErrors, InvalidJson) {
  std::string text = base().dump();
  expect_error(text.substr(0, text.size() / 2), "[tokenizer.json] invalid JSON");
  expect_error("", "[tokenizer.json] invalid JSON");
  expect_error("[1, 2]", "[tokenizer.json] expected an object");
  expect_error(std::string(100000, '['), "nesting deeper than");
  expect_error(base().dump(), "[tokenizer_config.json] invalid JSON", "{\"bos_token\": ");
}

TEST(HfLoaderErrors, UnsupportedComponents) {
  json j = base();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "Foo"}}}}};
  expect_json_error(j, "[tokenizer.json] pre_tokenizer.pretokenizers[1].type 'Foo' is not supported");
  j = base();
  j["model"]["type"] = "Unigram";
  expect_json_error(j, "model.type 'Unigram' is not supported");
  j = base();
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  expect_json_error(j, "normalizer.type 'Precompiled' is not supported");
  j = base();
  j["decoder"] = {{"type", "Sequence"}, {"decoders", {{{"type", "WordPiece"}}}}};
  expect_json_error(j, "decoder.decoders[0].type 'WordPiece' is not supported");
  j = base();
  j["post_processor"] = {{"type", "Magic"}};
  expect_json_error(j, "post_processor.type 'Magic' is not supported");
  j = base();
  j["pre_tokenizer"] = {{"kind", "Split"}};
  expect_json_error(j, "pre_tokenizer.type: missing");
  j = base();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_json_error(j, "pre_tokenizer.pattern");
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "x"}}}, {"behavior", "Sideways"}};
  expect_json_error(j, "pre_tokenizer.behavior: 'Sideways' is not a split behavior");
  j = base();
  j["model"]["dropout"] = 0.1;
  expect_json_error(j, "model.dropout: BPE dropout is not supported");
}

TEST(HfLoaderErrors, WrongTypes) {
  json j = base();
  j["model"]["vocab"] = json::array({"a", "b"});
  expect_json_error(j, "model.vocab: expected an object");
  j = base();
  j["model"]["vocab"]["c"] = "three";
  expect_json_error(j, "model.vocab.c: expected an integer id");
  j = base();
  j["model"]["merges"] = {"a b", 12};
  expect_json_error(j, "model.merges[1]: expected a string or a pair");
  j = base();
  j["model"]["merges"] = {"ab"};
  expect_json_error(j, "model.merges[0]: 'ab' is not two tokens separated by one space");
  j = base();
  j["model"]["merges"] = json::array({json::array({"a", "b", "c"})});
  expect_json_error(j, "model.merges[0]: expected a string or a pair");
  j = base();
  j["model"]["byte_fallback"] = "yes";
  expect_json_error(j, "model.byte_fallback: expected true or false");
  j = base();
  j["added_tokens"] = {{{"id", "3"}, {"content", "<s>"}}};
  expect_json_error(j, "added_tokens[0].id: expected an integer id");
  j = base();
  j["added_tokens"] = {{{"id", 3}}};
  expect_json_error(j, "added_tokens[0].content: missing");
  j = base();
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", 5}};
  expect_json_error(j, "normalizer.content: expected a string");
  j = base();
  j.erase("model");
  expect_json_error(j, "[tokenizer.json] model: missing");
}

TEST(HfLoaderErrors, BadIdsAndMerges) {
  json j = base();
  j["model"]["merges"] = {"a z"};
  expect_json_error(j, "merges[0]: 'z' is not in the vocab");
  j = base();
  j["model"]["merges"] = {"b a"};
  expect_json_error(j, "'b' + 'a' -> 'ba' is not in the vocab");
  j = base();
  j["model"]["vocab"]["c"] = 1;
  expect_json_error(j, "model.vocab: id 1 is used by both");
  j = base();
  j["model"]["vocab"]["c"] = 5000000000ll;
  expect_json_error(j, "model.vocab.c: id 5000000000 is out of range");
  j = base();
  j["model"]["vocab"]["c"] = -1;
  expect_json_error(j, "model.vocab.c: id -1 is out of range");
  j = base();
  j["model"]["vocab"]["c"] = 10000000;  // within the absolute limit, but absurdly sparse
  expect_json_error(j, "model.vocab: ids go up to 10000000 for only 4 entries");
  j = base();
  j["added_tokens"].push_back({{"id", 3}, {"content", "<t>"}});
  expect_json_error(j, "added_tokens[1]: id 3 is used by two added tokens");
  j = base();
  j["model"]["unk_token"] = "<unk>";
  expect_json_error(j, "model.unk_token: '<unk>' is not in the vocabulary");
  j = base();
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}},
                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                         {"special_tokens", json::object()}};
  expect_json_error(j, "special token '<bos>' is neither in special_tokens nor in the vocabulary");
  j["post_processor"]["single"] = {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}};
  expect_json_error(j, "the template never places sequence A");
}

TEST(HfLoaderErrors, Config) {
  std::string t = base().dump();
  expect_error(t, "[tokenizer_config.json] bos_token: '<bos>' is not in the vocabulary",
               R"({"bos_token": "<bos>"})");
  expect_error(t, "[tokenizer_config.json] eos_token: expected a string", R"({"eos_token": 7})");
  expect_error(t, "[tokenizer_config.json] chat_template: expected a string",
               R"({"chat_template": 7})");
  expect_error(t, "[tokenizer_config.json] add_bos_token: expected true or false",
               R"({"add_bos_token": "yes"})");
  expect_error(t, "[tokenizer_config.json] expected an object", "[]");
}

TEST(HfLoaderErrors, Files) {
  auto r = Tokenizer::from_hf_files("/nonexistent/tokenizer.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot open '/nonexistent/tokenizer.json'"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace primer
