// JSON Schema -> grammar, checked against ajv (the reference validator, run under node):
// random sentences of each schema's grammar parse as JSON and validate; hand-written documents
// are accepted/rejected by the grammar exactly as ajv says; unsupported keywords are errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "model/grammar_test_util.h"
#include "model/json_schema.h"
#include "primer/grammar.h"

namespace primer {
namespace {

std::shared_ptr<const TokenTexts> tiny_texts() {
  static const std::shared_ptr<const TokenTexts> texts = [] {
    nlohmann::json j = {{"added_tokens", nlohmann::json::array()},
                        {"normalizer", nullptr},
                        {"pre_tokenizer", nullptr},
                        {"post_processor", nullptr},
                        {"decoder", {{"type", "ByteLevel"}}},
                        {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", nlohmann::json::array()}}}};
    auto tok = Tokenizer::from_hf_json(j.dump());
    PRIMER_CHECK(tok.ok());
    return std::make_shared<const TokenTexts>(*tok);
  }();
  return texts;
}

bool matches(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  GrammarMatcher m(g, tiny_texts());
  return m.accept_text(text) && m.complete();
}

struct Case {
  const char* name;
  const char* schema;
  std::vector<std::pair<const char*, bool>> docs;  // hand-written, with the expected verdict
};

const std::vector<Case>& cases() {
  static const std::vector<Case> k = {
      {"nested_objects",
       R"({"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":8},
           "age":{"type":"integer","minimum":0,"maximum":150},
           "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},
             "zip":{"type":"string","minLength":5,"maxLength":5}},"required":["street","city"],"additionalProperties":false}},
         "required":["name","address"],"additionalProperties":false})",
       {{R"({"name": "Ann", "age": 31, "address": {"street": "Main 1", "city": "Oslo", "zip": "01234"}})", true},
        {R"({"name":"Bo","address":{"street":"x","city":"y"}})", true},
        {"{\n  \"name\": \"Bo\",\n  \"address\": {\n    \"street\": \"x\",\n    \"city\": \"y\"\n  }\n}", true},
        {R"({"name": "", "address": {"street": "x", "city": "y"}})", false},
        {R"({"name": "Bo", "age": 151, "address": {"street": "x", "city": "y"}})", false},
        {R"({"name": "Bo", "age": -1, "address": {"street": "x", "city": "y"}})", false},
        {R"({"name": "Bo", "address": {"street": "x"}})", false},
        {R"({"name": "Bo", "address": {"street": "x", "city": "y", "zip": "123"}})", false},
        {R"({"name": "Bo", "address": {"street": "x", "city": "y"}, "extra": 1})", false},
        {R"({"address": {"street": "x", "city": "y"}})", false}}},
      {"array_min_max",
       R"({"type":"array","items":{"type":"integer","minimum":-20,"maximum":20},"minItems":2,"maxItems":5})",
       {{"[1, 2]", true}, {"[-20,20,0,7,-3]", true}, {"[1]", false}, {"[1,2,3,4,5,6]", false}, {"[1, 21]", false}, {"[1, 2.5]", false}}},
      {"enums",
       R"({"type":"object","properties":{"color":{"enum":["red","green","blue"]},"size":{"enum":["S","M",3,null]},
           "flag":{"const":true}},"required":["color","size","flag"],"additionalProperties":false})",
       {{R"({"color": "red", "size": 3, "flag": true})", true},
        {R"({"color": "blue", "size": null, "flag": true})", true},
        {R"({"color": "pink", "size": "S", "flag": true})", false},
        {R"({"color": "red", "size": "L", "flag": true})", false},
        {R"({"color": "red", "size": "S", "flag": false})", false}}},
      {"any_of",
       R"({"anyOf":[{"type":"string","maxLength":3},{"type":"number"},
           {"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"],"additionalProperties":false}]})",
       {{R"("abc")", true}, {"-0.5e-3", true}, {R"({"x": false})", true}, {R"("abcd")", false}, {R"({"x": 1})", false}, {"true", false}}},
      {"ref_tree",
       R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
           "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
           "required":["value"],"additionalProperties":false}},"$ref":"#/$defs/node"})",
       {{R"({"value": 1, "children": [{"value": 2}, {"value": 3, "children": []}]})", true},
        {R"({"value": 1, "children": [{"value": 2}, {"value": 3}, {"value": 4}]})", false},
        {R"({"value": 1, "children": [{"children": []}]})", false}}},
      {"nullable",
       R"({"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":"integer","nullable":true},
           "c":{"anyOf":[{"type":"boolean"},{"type":"null"}]}},"required":["a","b","c"],"additionalProperties":false})",
       {{R"({"a": null, "b": null, "c": null})", true},
        {R"({"a": "s", "b": 4, "c": true})", true},
        {R"({"a": 1, "b": null, "c": null})", false},
        {R"({"a": null, "b": "x", "c": null})", false}}},
      {"optional_and_extra",
       R"({"type":"object","properties":{"id":{"type":"integer"},"tag":{"type":"string"},"score":{"type":"number"}},
           "required":["id"]})",
       {{R"({"id": 1})", true},
        {R"({"id": 1, "score": 2.5})", true},
        {R"({"id": 1, "tag": "t", "score": 0, "other": [1, {"k": null}]})", true},
        {R"({"tag": "t"})", false},
        {R"({"id": 1, "tag": 5})", false},
        {R"({"id": "1"})", false}}},
      {"additional_schema",
       R"({"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":{"type":"integer","minimum":0,"maximum":9}})",
       {{R"({"name": "n", "a": 1, "b": 9})", true}, {R"({"x": 0})", true}, {R"({"name": "n", "a": 10})", false}, {R"({"a": "s"})", false}}},
      {"prefix_items_formats",
       R"({"type":"array","prefixItems":[{"type":"string","format":"date"},{"type":"string","format":"uuid"},
           {"type":"string","format":"email"}],"items":{"type":"string","format":"date-time"},"minItems":1,"maxItems":5})",
       {{R"(["2024-02-28"])", true},
        {R"(["2024-12-31", "123e4567-e89b-12d3-a456-426614174000", "a.b@example.com", "2024-01-01T23:59:59.5+01:00"])", true},
        {R"(["2023-02-30"])", false},
        {R"(["2024-01-01", "not-a-uuid"])", false},
        {R"([])", false}}},
      {"all_of_definitions",
       R"({"definitions":{"base":{"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"]}},
           "allOf":[{"$ref":"#/definitions/base"},{"properties":{"at":{"type":"string","format":"time"},
             "v":{"oneOf":[{"type":"integer"},{"type":"string"}]}},"required":["v"]}]})",
       {{R"({"kind": "k", "v": 3})", true},
        {R"({"kind": "k", "at": "12:00:00Z", "v": "s"})", true},
        {R"({"kind": "k"})", false},
        {R"({"v": 3})", false},
        {R"({"kind": "k", "at": "25:00:00Z", "v": 1})", false}}},
  };
  return k;
}

TEST(JsonSchema, RandomSentencesParseAndValidateWithAjv) {
  if (!testing::ajv_available()) GTEST_SKIP() << "node or ajv is missing";
  std::vector<testing::AjvJob> jobs;
  for (const Case& c : cases()) {
    auto g = Grammar::from_json_schema(c.schema);
    ASSERT_TRUE(g.ok()) << c.name << ": " << g.error().message;
    testing::SentenceGenerator gen(**g, 1234);
    testing::AjvJob job{c.schema, {}};
    for (int i = 0; i < 50; ++i) {
      std::string doc = gen.generate();
      EXPECT_FALSE(nlohmann::json::parse(doc, nullptr, false).is_discarded()) << c.name << ": not JSON: " << doc;
      EXPECT_TRUE(matches(*g, doc)) << c.name << ": the matcher rejects its own sentence: " << doc;
      job.docs.push_back(std::move(doc));
    }
    jobs.push_back(std::move(job));
  }
  auto verdicts = testing::ajv_validate(jobs);
  ASSERT_EQ(verdicts.size(), jobs.size()) << "running ajv failed";
  for (size_t j = 0; j < jobs.size(); ++j) {
    ASSERT_EQ(verdicts[j].size(), jobs[j].docs.size());
    for (size_t i = 0; i < jobs[j].docs.size(); ++i) {
      EXPECT_EQ(verdicts[j][i], 1) << cases()[j].name << ": ajv rejects a grammar sentence: " << jobs[j].docs[i];
    }
  }
}

TEST(JsonSchema, HandWrittenDocumentsAgreeWithAjv) {
  std::vector<testing::AjvJob> jobs;
  for (const Case& c : cases()) {
    auto g = Grammar::from_json_schema(c.schema);
    ASSERT_TRUE(g.ok()) << c.name << ": " << g.error().message;
    testing::AjvJob job{c.schema, {}};
    for (const auto& [doc, expected] : c.docs) {
      EXPECT_EQ(matches(*g, doc), expected) << c.name << ": " << doc << "\n" << json_schema_to_gbnf(c.schema).value();
      job.docs.push_back(doc);
    }
    jobs.push_back(std::move(job));
  }
  if (!testing::ajv_available()) GTEST_SKIP() << "node or ajv is missing (grammar verdicts checked, ajv cross-check skipped)";
  auto verdicts = testing::ajv_validate(jobs);
  ASSERT_EQ(verdicts.size(), jobs.size()) << "running ajv failed";
  for (size_t j = 0; j < jobs.size(); ++j) {
    ASSERT_EQ(verdicts[j].size(), jobs[j].docs.size());
    for (size_t i = 0; i < jobs[j].docs.size(); ++i) {
      EXPECT_EQ(verdicts[j][i], cases()[j].docs[i].second ? 1 : 0)
          << cases()[j].name << ": the expectation disagrees with ajv: " << jobs[j].docs[i];
    }
  }
}

TEST(JsonSchema, IntegerRangesAreExact) {
  struct Range {
    const char* schema;
    int64_t lo, hi;
  };
  const Range ranges[] = {
      {R"({"type":"integer","minimum":-5,"maximum":5})", -5, 5},
      {R"({"type":"integer","minimum":3,"maximum":117})", 3, 117},
      {R"({"type":"integer","minimum":-250,"maximum":-17})", -250, -17},
      {R"({"type":"integer","minimum":0,"maximum":0})", 0, 0},
      {R"({"type":"integer","minimum":-1000,"maximum":999})", -1000, 999},
      {R"({"type":"integer","minimum":7,"maximum":12345})", 7, 12345},
      {R"({"type":"integer","exclusiveMinimum":9,"exclusiveMaximum":100})", 10, 99},
      {R"({"type":"integer","minimum":2.5,"maximum":40.5})", 3, 40},
      {R"({"type":"integer","minimum":95})", 95, 9999999999999999},
      {R"({"type":"integer","maximum":-95})", -9999999999999999, -95},
  };
  std::mt19937_64 rng(7);
  for (const Range& r : ranges) {
    auto g = Grammar::from_json_schema(r.schema);
    ASSERT_TRUE(g.ok()) << r.schema << ": " << g.error().message;
    std::vector<int64_t> probes;
    for (int64_t n = -1100; n <= 1100; ++n) probes.push_back(n);
    for (int64_t n : {r.lo - 1, r.lo, r.lo + 1, r.hi - 1, r.hi, r.hi + 1, int64_t{12344}, int64_t{12346}}) probes.push_back(n);
    for (int i = 0; i < 300; ++i) probes.push_back(static_cast<int64_t>(rng() % 2000000000000ULL) - 1000000000000LL);
    for (int64_t n : probes) {
      bool want = n >= r.lo && n <= r.hi;
      ASSERT_EQ(matches(*g, std::to_string(n)), want) << r.schema << " n=" << n;
    }
    EXPECT_FALSE(matches(*g, "-0"));
    EXPECT_FALSE(matches(*g, "007"));
  }
}

TEST(JsonSchema, UnsupportedKeywordsAreErrorsWithPointers) {
  auto expect_error = [](const char* schema, const std::string& needle) {
    auto g = Grammar::from_json_schema(schema);
    ASSERT_FALSE(g.ok()) << schema;
    EXPECT_NE(g.error().message.find(needle), std::string::npos) << g.error().message;
  };
  expect_error(R"({"type":"string","pattern":"a+"})", "#/pattern: unsupported keyword 'pattern'");
  expect_error(R"({"properties":{"x":{"type":"number","multipleOf":2}}})", "#/properties/x/multipleOf: unsupported keyword 'multipleOf'");
  expect_error(R"({"type":"object","properties":{"a/b":{"not":{}}}})", "#/properties/a~1b/not");
  expect_error(R"({"type":"number","minimum":0})", "#/minimum: unsupported keyword 'minimum' for type number");
  expect_error(R"({"type":"array","uniqueItems":true})", "#/uniqueItems");
  expect_error(R"({"type":"object","minProperties":1})", "#/minProperties");
  expect_error(R"({"$ref":"#/$defs/missing"})", "does not resolve");
  expect_error(R"({"$ref":"http://example.com/s.json"})", "only local references");
  expect_error(R"({"type":"string","format":"hostname"})", "unsupported format 'hostname'");
  expect_error(R"({"type":"foo"})", "#/type: unknown type 'foo'");
  expect_error(R"({"type":"string",)", "not valid JSON");
  expect_error(R"({"$ref":"#"})", "left recursion");
  expect_error(R"({"type":"array","items":{"type":"string"},"maxItems":100000})", "'maxItems' larger than");
  expect_error(R"({"allOf":[{"type":"string"}]})", "'allOf' is supported only for object schemas");
  expect_error(R"({"allOf":[{"properties":{"a":{}},"additionalProperties":false},{"properties":{"b":{}}}]})",
               "additionalProperties false");
  // Annotations are ignored.
  EXPECT_TRUE(Grammar::from_json_schema(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","title":"t",
      "description":"d","type":"object","properties":{"a":{"type":"string","examples":["x"],"default":"y"}}})").ok());
}

TEST(JsonSchema, JsonObjectAcceptsObjectsOnly) {
  auto g = Grammar::json_object();
  EXPECT_TRUE(matches(g, R"({})"));
  EXPECT_TRUE(matches(g, "{\n  \"a\": [1, -2.5e10, true, null, \"\\u00e9\\n\"],\n  \"b\": {\"c\": {}}\n}"));
  EXPECT_FALSE(matches(g, "[1]"));
  EXPECT_FALSE(matches(g, "\"s\""));
  EXPECT_FALSE(matches(g, R"({"a": 01})"));
  EXPECT_FALSE(matches(g, R"({"a": "\ud800"})"));  // lone surrogate escape
  EXPECT_FALSE(matches(g, "{\"a\": \"x\ny\"}"));    // raw control character in a string
  EXPECT_FALSE(matches(g, R"({"a": 1,})"));
  EXPECT_FALSE(matches(g, std::string("{") + std::string(100, ' ') + "}"));  // whitespace is bounded
  testing::SentenceGenerator gen(*g, 99);
  for (int i = 0; i < 30; ++i) {
    std::string doc = gen.generate();
    auto j = nlohmann::json::parse(doc, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << doc;
    EXPECT_TRUE(j.is_object()) << doc;
  }
}

}  // namespace
}  // namespace primer
