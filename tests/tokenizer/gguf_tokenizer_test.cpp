// Tokenizer::from_gguf on small hand-made vocabularies: the SentencePiece model's merge order,
// byte fallback and unk, the dummy prefix, special tokens and flags, and hostile metadata
// (each a clear Error naming the key).
#include <gtest/gtest.h>

#include "primer/gguf.h"
#include "primer/tokenizer.h"

namespace primer {
namespace {

const std::string kMark = "\xE2\x96\x81";  // ▁

struct Piece {
  std::string text;
  float score;
  int32_t type;  // 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte
};

// A SentencePiece ("llama") vocabulary. Ids follow the order of `pieces`.
GgufWriter spm_writer(const std::vector<Piece>& pieces) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "llama");
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (const auto& p : pieces) {
    tokens.push_back(p.text);
    scores.push_back(p.score);
    types.push_back(p.type);
  }
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_float32_array("tokenizer.ggml.scores", scores);
  w.add_int32_array("tokenizer.ggml.token_type", types);
  return w;
}

// Parses the writer's bytes and builds a tokenizer (which keeps no views into the file).
Result<Tokenizer> load(const GgufWriter& w) {
  auto bytes = w.to_bytes();
  auto f = GgufFile::parse(bytes, "t.gguf");
  if (!f.ok()) return f.error();
  return Tokenizer::from_gguf(*f);
}

Tokenizer load_ok(const GgufWriter& w) {
  auto t = load(w);
  EXPECT_TRUE(t.ok()) << t.error().message;
  return std::move(t).value();
}

EncodeOptions plain() {
  EncodeOptions o;
  o.add_special = false;
  return o;
}

// ids: 0 <unk>, 1 <s>, 2 </s>, 3 ▁, 4 a, 5 b, 6 c, 7 ab, 8 bc, 9 ▁a, 10 <0xC3>, 11 <0xA9>
std::vector<Piece> base_pieces(float ab, float bc) {
  return {{"<unk>", 0, 2}, {"<s>", 0, 3},  {"</s>", 0, 3},     {kMark, -1, 1},
          {"a", -2, 1},    {"b", -2, 1},   {"c", -2, 1},       {"ab", ab, 1},
          {"bc", bc, 1},   {kMark + "a", -0.5f, 1}, {"<0xC3>", 0, 6}, {"<0xA9>", 0, 6}};
}

TEST(GgufSpm, HighestScoreMergesFirst) {
  GgufWriter w = spm_writer(base_pieces(-3.0f, -1.0f));
  w.add_bool("tokenizer.ggml.add_space_prefix", false);
  Tokenizer t = load_ok(w);
  EXPECT_EQ(t.encode("abc", plain()), (std::vector<TokenId>{4, 8}));  // bc (-1) beats ab (-3)
}

TEST(GgufSpm, EqualScoresMergeLeftmost) {
  GgufWriter w = spm_writer(base_pieces(-1.0f, -1.0f));
  w.add_bool("tokenizer.ggml.add_space_prefix", false);
  Tokenizer t = load_ok(w);
  EXPECT_EQ(t.encode("abc", plain()), (std::vector<TokenId>{7, 6}));
  EXPECT_EQ(t.encode("bcab", plain()), (std::vector<TokenId>{8, 7}));
}

TEST(GgufSpm, DummyPrefixSpacesAndDecode) {
  Tokenizer t = load_ok(spm_writer(base_pieces(-1.0f, -1.0f)));
  EXPECT_EQ(t.encode("a", plain()), (std::vector<TokenId>{9}));             // "▁a"
  EXPECT_EQ(t.encode("a a", plain()), (std::vector<TokenId>{9, 9}));        // "▁a▁a"
  EXPECT_EQ(t.encode(" a", plain()), (std::vector<TokenId>{3, 9}));         // "▁▁a"
  EXPECT_TRUE(t.encode("", plain()).empty());
  EXPECT_EQ(t.decode({9, 9}), "a a");
  EXPECT_EQ(t.decode({3, 9}), " a");
  for (std::string s : {"a", " a", "ab c", "  cab  ", "\xC3\xA9", "a\xC3\xA9" "b"}) {
    EXPECT_EQ(t.decode(t.encode(s, plain())), s) << s;
  }
}

TEST(GgufSpm, ByteFallbackThenUnk) {
  Tokenizer t = load_ok(spm_writer(base_pieces(-1.0f, -1.0f)));
  // "é" (C3 A9) is not a piece: its bytes are.
  EXPECT_EQ(t.encode("\xC3\xA9", plain()), (std::vector<TokenId>{3, 10, 11}));
  EXPECT_EQ(t.decode({3, 10, 11}), "\xC3\xA9");
  // "ó" (C3 B3): <0xB3> is missing, so the whole character is one unk.
  EXPECT_EQ(t.encode("\xC3\xB3", plain()), (std::vector<TokenId>{3, 0}));
  // Control pieces never come out of merging: "<s>" in plain text is not token 1.
  EncodeOptions no_special = plain();
  no_special.parse_special = false;
  auto ids = t.encode("<s>", no_special);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 1), 0);
  // ...but with parse_special it is matched as the control token.
  EXPECT_EQ(t.encode("<s>", plain()), (std::vector<TokenId>{1}));
}

TEST(GgufSpm, SpecialTokensAndFlags) {
  GgufWriter w = spm_writer(base_pieces(-1.0f, -1.0f));
  w.add_uint32("tokenizer.ggml.bos_token_id", 1);
  w.add_uint32("tokenizer.ggml.eos_token_id", 2);
  w.add_uint32("tokenizer.ggml.unknown_token_id", 0);
  w.add_bool("tokenizer.ggml.add_eos_token", true);
  w.add_string("tokenizer.chat_template", "{{ messages }}");
  Tokenizer t = load_ok(w);
  EXPECT_EQ(t.bos(), 1);
  EXPECT_EQ(t.eos(), 2);
  EXPECT_TRUE(t.add_bos());  // SentencePiece default
  EXPECT_TRUE(t.add_eos());
  EXPECT_EQ(t.bos_text(), "<s>");
  EXPECT_EQ(t.eos_ids(), (std::vector<TokenId>{2}));
  EXPECT_EQ(t.chat_template(), "{{ messages }}");
  EXPECT_EQ(t.encode("a"), (std::vector<TokenId>{1, 9, 2}));
  EXPECT_EQ(t.attr(0), TokenAttr::kUnknown);
  EXPECT_EQ(t.attr(1), TokenAttr::kControl);
  EXPECT_EQ(t.attr(10), TokenAttr::kByte);
  EXPECT_EQ(t.vocab_size(), 12u);
  EXPECT_EQ(t.describe(), "SentencePiece BPE (llama), 12 tokens");
  DecodeOptions skip;
  skip.skip_special = true;
  EXPECT_EQ(t.decode({1, 9, 2}, skip), "a");
}

TEST(GgufSpm, UserDefinedTokensAreAlwaysMatched) {
  auto pieces = base_pieces(-1.0f, -1.0f);
  pieces.push_back({"<tool>", 0, 4});  // id 12
  Tokenizer t = load_ok(spm_writer(pieces));
  EncodeOptions no_special = plain();
  no_special.parse_special = false;
  auto ids = t.encode("a<tool>", no_special);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), 12);
  EXPECT_EQ(t.attr(12), TokenAttr::kUserDefined);
}

TEST(GgufBpe, SmallVocabularyAndSpecialIds) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "gpt-2");
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b", "\xC4\xA0", "ab", "\xC4\xA0" "ab", "<|endoftext|>", "<|im_end|>"});
  w.add_int32_array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 3, 3});
  w.add_string_array("tokenizer.ggml.merges", {"a b", "\xC4\xA0 ab"});
  w.add_uint32("tokenizer.ggml.eos_token_id", 5);
  w.add_uint32("tokenizer.ggml.bos_token_id", 5);
  Tokenizer t = load_ok(w);
  EXPECT_FALSE(t.add_bos());  // byte-level BPE default
  EXPECT_EQ(t.encode("ab ab"), (std::vector<TokenId>{3, 4}));
  EXPECT_EQ(t.encode("ab<|endoftext|>"), (std::vector<TokenId>{3, 5}));
  EXPECT_EQ(t.decode({3, 4, 5}), "ab ab<|endoftext|>");
  EXPECT_EQ(t.eos_ids(), (std::vector<TokenId>{5, 6}));  // eos, then <|im_end|> by name
  EXPECT_EQ(t.describe(), "byte-level BPE (gpt-2), 7 tokens");
}

TEST(GgufWordPiece, GreedyLongestMatchWithSpecials) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "bert");
  // Word-initial pieces carry "▁"; continuations ("##able" in vocab.txt) are bare.
  w.add_string_array("tokenizer.ggml.tokens", {"[PAD]", "[UNK]", "[CLS]", "[SEP]", kMark + "un", kMark + "unaff",
                                               "able", "a", kMark + "!", kMark + "cafe", kMark + "\xE4\xBD\xA0"});
  w.add_int32_array("tokenizer.ggml.token_type", {3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1});
  w.add_uint32("tokenizer.ggml.unknown_token_id", 1);
  w.add_uint32("tokenizer.ggml.cls_token_id", 2);
  w.add_uint32("tokenizer.ggml.seperator_token_id", 3);
  Tokenizer t = load_ok(w);
  EXPECT_EQ(t.encode("Unaffable!", plain()), (std::vector<TokenId>{5, 6, 8}));
  EXPECT_EQ(t.encode("unaffablex", plain()), (std::vector<TokenId>{1}));  // no piece for "x": whole word
  EXPECT_EQ(t.encode("  Caf\xC3\xA9\t", plain()), (std::vector<TokenId>{9}));  // accents stripped
  EXPECT_EQ(t.encode("\xE4\xBD\xA0\xE4\xBD\xA0", plain()), (std::vector<TokenId>{10, 10}));  // one word per ideograph
  EXPECT_EQ(t.encode(std::string(101, 'a'), plain()), (std::vector<TokenId>{1}));  // over 100 characters
  EXPECT_EQ(t.encode("un"), (std::vector<TokenId>{2, 4, 3}));  // [CLS] ... [SEP]
  EXPECT_EQ(t.decode({5, 6, 8}), "unaffable !");
  EXPECT_EQ(t.describe(), "WordPiece (bert), 11 tokens");
}

// ---- hostile metadata ----------------------------------------------------------------------

void expect_error(const GgufWriter& w, const std::string& fragment) {
  auto t = load(w);
  ASSERT_FALSE(t.ok()) << "accepted; expected: " << fragment;
  EXPECT_NE(t.error().message.find(fragment), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().message.rfind("[tokenizer.gguf] t.gguf: ", 0), 0u) << t.error().message;
}

GgufWriter bpe_base() {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "gpt-2");
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b", "ab"});
  return w;
}

TEST(GgufTokenizerHostile, ModelKey) {
  GgufWriter none;
  none.add_string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(none, "tokenizer.ggml.model: missing");
  GgufWriter not_string;
  not_string.add_uint32("tokenizer.ggml.model", 1);
  expect_error(not_string, "tokenizer.ggml.model: expected a string, got u32");
  GgufWriter unknown;
  unknown.add_string("tokenizer.ggml.model", "rwkv-x");
  unknown.add_string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(unknown, "unknown tokenizer type 'rwkv-x'");
  GgufWriter t5;
  t5.add_string("tokenizer.ggml.model", "t5");
  t5.add_string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(t5, "tokenizer.ggml.model 't5' (Unigram) is not supported");
}

TEST(GgufTokenizerHostile, Tokens) {
  GgufWriter missing;
  missing.add_string("tokenizer.ggml.model", "llama");
  expect_error(missing, "tokenizer.ggml.tokens: missing");
  GgufWriter ints;
  ints.add_string("tokenizer.ggml.model", "llama");
  ints.add_int32_array("tokenizer.ggml.tokens", {1, 2});
  expect_error(ints, "tokenizer.ggml.tokens: expected an array of strings, got array of i32");
  GgufWriter empty;
  empty.add_string("tokenizer.ggml.model", "llama");
  empty.add_string_array("tokenizer.ggml.tokens", {});
  expect_error(empty, "tokenizer.ggml.tokens: the vocabulary is empty");
  expect_error(spm_writer({{"a", 0, 1}, {"b", 0, 1}, {"a", 0, 1}}), "tokenizer.ggml.tokens[2]: 'a' duplicates token 0");
}

TEST(GgufTokenizerHostile, ArrayLengthsAndTypes) {
  GgufWriter scores;
  scores.add_string("tokenizer.ggml.model", "llama");
  scores.add_string_array("tokenizer.ggml.tokens", {"a", "b", "c"});
  scores.add_float32_array("tokenizer.ggml.scores", {0, 0});
  expect_error(scores, "tokenizer.ggml.scores: 2 entries but tokenizer.ggml.tokens has 3");
  GgufWriter types;
  types.add_string("tokenizer.ggml.model", "llama");
  types.add_string_array("tokenizer.ggml.tokens", {"a", "b"});
  types.add_int32_array("tokenizer.ggml.token_type", {1, 1, 1});
  expect_error(types, "tokenizer.ggml.token_type: 3 entries but tokenizer.ggml.tokens has 2");
  expect_error(spm_writer({{"a", 0, 1}, {"b", 0, 9}}), "tokenizer.ggml.token_type[1]: unknown token type 9");
  GgufWriter score_strings;
  score_strings.add_string("tokenizer.ggml.model", "llama");
  score_strings.add_string_array("tokenizer.ggml.tokens", {"a"});
  score_strings.add_string_array("tokenizer.ggml.scores", {"0.5"});
  expect_error(score_strings, "tokenizer.ggml.scores: expected an array of f32, got array of string");
}

TEST(GgufTokenizerHostile, Merges) {
  GgufWriter missing = bpe_base();
  expect_error(missing, "tokenizer.ggml.merges: missing (required by model 'gpt2')");
  GgufWriter unknown = bpe_base();
  unknown.add_string_array("tokenizer.ggml.merges", {"a b", "a x"});
  expect_error(unknown, "tokenizer.ggml.merges[1]: 'a x': 'x' is not a token");
  GgufWriter no_space = bpe_base();
  no_space.add_string_array("tokenizer.ggml.merges", {"ab"});
  expect_error(no_space, "tokenizer.ggml.merges[0]: 'ab' is not 'left right'");
  GgufWriter result_missing = bpe_base();
  result_missing.add_string_array("tokenizer.ggml.merges", {"b a"});  // "ba" is not a token
  expect_error(result_missing, "tokenizer.ggml.merges");
  GgufWriter not_strings = bpe_base();
  not_strings.add_int32_array("tokenizer.ggml.merges", {1});
  expect_error(not_strings, "tokenizer.ggml.merges: expected an array of strings");
}

TEST(GgufTokenizerHostile, SpecialIdsAndFlags) {
  GgufWriter bos = spm_writer({{"a", 0, 1}, {"b", 0, 1}});
  bos.add_uint32("tokenizer.ggml.bos_token_id", 99);
  expect_error(bos, "tokenizer.ggml.bos_token_id: token id 99 is out of range (vocabulary has 2 tokens)");
  GgufWriter neg = spm_writer({{"a", 0, 1}});
  neg.add_int32("tokenizer.ggml.eos_token_id", -1);
  expect_error(neg, "tokenizer.ggml.eos_token_id: token id -1 is out of range");
  GgufWriter huge = spm_writer({{"a", 0, 1}});
  huge.add_uint64("tokenizer.ggml.padding_token_id", ~0ull);
  expect_error(huge, "tokenizer.ggml.padding_token_id: token id 18446744073709551615 is out of range");
  GgufWriter str_id = spm_writer({{"a", 0, 1}});
  str_id.add_string("tokenizer.ggml.unknown_token_id", "0");
  expect_error(str_id, "tokenizer.ggml.unknown_token_id: expected an integer token id, got string");
  GgufWriter flag = spm_writer({{"a", 0, 1}});
  flag.add_uint32("tokenizer.ggml.add_bos_token", 1);
  expect_error(flag, "tokenizer.ggml.add_bos_token: expected a bool, got u32");
  GgufWriter no_bos = spm_writer({{"a", 0, 1}});
  no_bos.add_bool("tokenizer.ggml.add_bos_token", true);
  expect_error(no_bos, "add_bos_token is true but tokenizer.ggml.bos_token_id is missing");
  GgufWriter tmpl = spm_writer({{"a", 0, 1}});
  tmpl.add_float32("tokenizer.chat_template", 1.0f);
  expect_error(tmpl, "tokenizer.chat_template: expected a string, got f32");
}

}  // namespace
}  // namespace primer
