// GBNF grammars: parse errors (messages with line/column), acceptance of hand-written strings,
// UTF-8 handling, bounds against hostile grammars, and GrammarMatcher over the real Qwen
// vocabulary (mask() == per-token allows(), partial UTF-8 across tokens, end-of-generation).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "model/grammar_test_util.h"
#include "primer/grammar.h"
#include "primer/tokenizer.h"
#include "tokenizer/test_util.h"

namespace primer {
namespace {

// A tiny byte-level tokenizer: enough for tests that only feed text.
std::shared_ptr<const TokenTexts> tiny_texts() {
  static const std::shared_ptr<const TokenTexts> texts = [] {
    nlohmann::json j = {{"added_tokens", {{{"id", 3}, {"content", "<s>"}, {"special", true}}}},
                        {"normalizer", nullptr},
                        {"pre_tokenizer", nullptr},
                        {"post_processor", nullptr},
                        {"decoder", {{"type", "ByteLevel"}}},
                        {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
    auto tok = Tokenizer::from_hf_json(j.dump());
    PRIMER_CHECK(tok.ok());
    return std::make_shared<const TokenTexts>(*tok);
  }();
  return texts;
}

std::shared_ptr<const Grammar> parse_ok(const std::string& gbnf) {
  auto g = Grammar::parse(gbnf);
  EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message) << "\n" << gbnf;
  return g.ok() ? *g : nullptr;
}

// Whole-string match.
bool matches(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  GrammarMatcher m(g, tiny_texts());
  return m.accept_text(text) && m.complete();
}

// Prefix of some sentence.
bool prefix_ok(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  GrammarMatcher m(g, tiny_texts());
  return m.accept_text(text);
}

void expect_parse_error(const std::string& gbnf, const std::string& needle) {
  auto g = Grammar::parse(gbnf);
  ASSERT_FALSE(g.ok()) << "parsed, expected an error containing: " << needle << "\n" << gbnf;
  EXPECT_NE(g.error().message.find(needle), std::string::npos) << "message: " << g.error().message;
}

TEST(GrammarParse, ErrorsNameLineColumnAndProblem) {
  expect_parse_error("root ::= foo", "line 1, column 10: undefined rule 'foo'");
  expect_parse_error("root ::= \"a\"\nx ::= \"b\" y\n", "line 2, column 11: undefined rule 'y'");
  expect_parse_error("root ::= root \"a\" | \"b\"", "left recursion: root -> root");
  expect_parse_error("root ::= a\na ::= b \"x\"\nb ::= \"\" | root", "left recursion");
  expect_parse_error("root ::= e\ne ::= opt e \"+\" | \"1\"\nopt ::= \"-\"?", "left recursion: e -> e");
  expect_parse_error("root ::= (\"a\" | \"b\"", "line 1, column 10: unbalanced '('");
  expect_parse_error("root ::= \"a\")", "unbalanced ')'");
  expect_parse_error("root ::= [a-z", "unbalanced '['");
  expect_parse_error("root ::= \"abc", "unterminated string literal");
  expect_parse_error("root = \"a\"", "line 1, column 6: expected '::=' after rule name 'root'");
  expect_parse_error("root ::= \"\\q\"", "unknown escape '\\q'");
  expect_parse_error("root ::= \"a\"{99999}", "repetition bound exceeds");
  expect_parse_error("root ::= \"a\"{3,2}", "n < m");
  expect_parse_error("root ::= * \"a\"", "repetition '*' without an item");
  expect_parse_error("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice");
  expect_parse_error("main ::= \"a\"", "root rule 'root' is not defined");
  expect_parse_error("root ::= [z-a]", "end before its start");
  expect_parse_error("root ::= \"\\uD800\"", "not a Unicode scalar value");
  std::string deep = "root ::= " + std::string(200, '(') + "\"a\"" + std::string(200, ')');
  expect_parse_error(deep, "nested deeper than");
  EXPECT_TRUE(Grammar::parse("main ::= \"a\"", "main").ok());
}

TEST(GrammarParse, LiteralsClassesAndAlternatives) {
  auto g = parse_ok(R"G(
# arithmetic, as in llama.cpp's examples
root  ::= expr
expr  ::= term ([-+*/] term)*
term  ::= num | "(" ws expr ws ")"
num   ::= [0-9]+
ws    ::= [ \t]*
)G");
  ASSERT_TRUE(g);
  EXPECT_TRUE(matches(g, "1+2*3"));
  EXPECT_TRUE(matches(g, "(1+2)*30/( 4 )"));
  EXPECT_FALSE(matches(g, "1+"));
  EXPECT_TRUE(prefix_ok(g, "1+"));
  EXPECT_FALSE(prefix_ok(g, "1+a"));
  EXPECT_FALSE(matches(g, "(1"));
  EXPECT_FALSE(matches(g, ""));

  auto alts = parse_ok("root ::= \"cat\" | \"dog\"\n  | \"bird\"\n");  // alternatives on new lines
  EXPECT_TRUE(matches(alts, "cat"));
  EXPECT_TRUE(matches(alts, "bird"));
  EXPECT_FALSE(matches(alts, "cow"));

  auto esc = parse_ok(R"(root ::= "a\n\t\"\\" [\x41-\x43] "\u00e9" [^\]\-] .)");
  EXPECT_TRUE(matches(esc, "a\n\t\"\\B\xC3\xA9xz"));
  EXPECT_FALSE(matches(esc, "a\n\t\"\\D\xC3\xA9xz"));
  EXPECT_FALSE(matches(esc, "a\n\t\"\\B\xC3\xA9]z"));
  EXPECT_FALSE(matches(esc, "a\n\t\"\\B\xC3\xA9-z"));
  EXPECT_TRUE(matches(esc, "a\n\t\"\\B\xC3\xA9x\xE4\xB8\xAD"));  // '.' is any code point

  auto cjk = parse_ok("root ::= [\xE4\xB8\x80-\xE9\xBE\xA5]+");  // [一-龥]
  EXPECT_TRUE(matches(cjk, "\xE4\xB8\xAD\xE6\x96\x87"));  // 中文
  EXPECT_FALSE(matches(cjk, "\xE4\xB8\xADx"));
}

TEST(GrammarParse, Repetitions) {
  auto g = parse_ok("root ::= \"a\"{2,4} \"b\"{3} \"c\"{1,} \"d\"? \"ef\"* [x]+");
  ASSERT_TRUE(g);
  EXPECT_TRUE(matches(g, "aabbbcx"));
  EXPECT_TRUE(matches(g, "aaaabbbcccdefefxxx"));
  EXPECT_FALSE(matches(g, "abbbcx"));       // a{2,4}: one is too few
  EXPECT_FALSE(matches(g, "aaaaabbbcx"));   // five too many
  EXPECT_FALSE(matches(g, "aabbcx"));       // b{3}
  EXPECT_FALSE(matches(g, "aabbbx"));       // c{1,}
  EXPECT_FALSE(matches(g, "aabbbcddx"));    // d?
  EXPECT_FALSE(matches(g, "aabbbcefex"));   // "ef"* repeats the whole literal
  EXPECT_FALSE(matches(g, "aabbbc"));       // [x]+
  auto zero = parse_ok("root ::= \"a\"{0} \"b\"{0,0} \"c\"");
  EXPECT_TRUE(matches(zero, "c"));
  EXPECT_FALSE(matches(zero, "ac"));
}

TEST(GrammarParse, ToGbnfRoundTrips) {
  auto g = parse_ok(R"(root ::= item ("," item){0,3} | "[" [^\]"\\\n]* "]"
item ::= "x\"y" | [a-c\-] | "\xe9" .)");
  ASSERT_TRUE(g);
  std::string text = g->to_gbnf();
  auto g2 = parse_ok(text);
  ASSERT_TRUE(g2);
  EXPECT_EQ(g2->to_gbnf(), text);
  for (const char* s : {"x\"y", "a,b,-", "x\"y,a,b,c", "[abc]", "\xC3\xA9q", "a,b,c,a,b", "[a]b]", "-"}) {
    EXPECT_EQ(matches(g, s), matches(g2, s)) << s;
  }
  EXPECT_TRUE(matches(g, "x\"y,a,b,c"));
  EXPECT_FALSE(matches(g, "a,b,c,a,b"));
}

TEST(GrammarMatcher, Utf8AcrossChunksAndInvalidBytes) {
  auto g = parse_ok("root ::= \"\xC3\xA9\" [a-z] \"\xF0\x9F\x98\x80\"");  // é [a-z] 😀
  GrammarMatcher m(g, tiny_texts());
  EXPECT_TRUE(m.accept_text("\xC3"));
  EXPECT_FALSE(m.complete());
  EXPECT_FALSE(m.accept_text("\xC3"));  // not a continuation byte; state unchanged
  EXPECT_TRUE(m.accept_text("\xA9q\xF0\x9F"));
  EXPECT_FALSE(m.accept_text("\x99"));  // 😀 is F0 9F 98 80; 9F 99 xx can't be it
  EXPECT_TRUE(m.accept_text("\x98"));
  EXPECT_FALSE(m.complete());
  EXPECT_TRUE(m.accept_text("\x80"));
  EXPECT_TRUE(m.complete());
  EXPECT_TRUE(m.finished());

  auto ascii = parse_ok("root ::= [a-z]*");
  EXPECT_FALSE(prefix_ok(ascii, "\xC3"));       // no non-ASCII completion exists
  auto any = parse_ok("root ::= .*");
  EXPECT_TRUE(prefix_ok(any, "\xE4\xB8"));
  EXPECT_FALSE(matches(any, "\xE4\xB8"));        // incomplete character
  EXPECT_FALSE(prefix_ok(any, "\xC0\xAF"));      // overlong
  EXPECT_FALSE(prefix_ok(any, "\xE0\x80"));      // overlong prefix, rejected early
  EXPECT_FALSE(prefix_ok(any, "\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(prefix_ok(any, "\xF5"));          // past U+10FFFF
  EXPECT_FALSE(prefix_ok(any, "\x80"));          // stray continuation
  EXPECT_TRUE(matches(any, "\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(GrammarMatcher, CompleteFinishedAndCopies) {
  auto g = parse_ok("root ::= \"a\"+ \"b\"?");
  GrammarMatcher m(g, tiny_texts());
  EXPECT_FALSE(m.complete());
  ASSERT_TRUE(m.accept_text("aa"));
  EXPECT_TRUE(m.complete());
  EXPECT_FALSE(m.finished());
  GrammarMatcher copy = m;
  ASSERT_TRUE(m.accept_text("b"));
  EXPECT_TRUE(m.finished());
  EXPECT_FALSE(m.accept_text("a"));
  EXPECT_FALSE(copy.finished());
  EXPECT_TRUE(copy.accept_text("a"));  // the copy kept its own state
  GrammarMatcher moved = std::move(copy);
  EXPECT_TRUE(moved.accept_text("ab"));
  EXPECT_TRUE(moved.finished());
  copy = moved;
  EXPECT_TRUE(copy.finished());
}

TEST(GrammarMatcher, HostileGrammarsAreBounded) {
  // Unbounded nesting: the stack depth is capped, so very deep input is rejected, not a crash.
  auto nest = parse_ok("root ::= \"(\" root \")\" | \"x\"");
  EXPECT_TRUE(matches(nest, std::string(100, '(') + "x" + std::string(100, ')')));
  EXPECT_FALSE(prefix_ok(nest, std::string(20000, '(')));
  // Massive ambiguity: every split of a run of 'a's; stacks are deduplicated/bounded.
  auto amb = parse_ok("root ::= x*\nx ::= \"a\" | \"a\" \"a\" | \"a\" \"a\" \"a\" | y\ny ::= \"a\"* \"a\"");
  auto t0 = std::chrono::steady_clock::now();
  bool ok = matches(amb, std::string(2000, 'a'));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (void)ok;  // accepted or rejected by the bounds; either way quickly
  EXPECT_LT(s, 20.0);
  // Large but legal repetition.
  auto rep = parse_ok("root ::= [a-z]{0,5000}");
  EXPECT_TRUE(matches(rep, std::string(5000, 'q')));
  EXPECT_FALSE(matches(rep, std::string(5001, 'q')));
}

// --- over the real Qwen vocabulary -------------------------------------------------------------

struct QwenFixture {
  const Tokenizer* tok = nullptr;
  std::shared_ptr<const TokenTexts> texts;
};

const QwenFixture& qwen() {
  static QwenFixture f = [] {
    QwenFixture q;
    q.tok = testing::npm_tokenizer("qwen3");
    if (q.tok) q.texts = std::make_shared<const TokenTexts>(*q.tok);
    return q;
  }();
  return f;
}

// mask() must equal allows() token by token.
void expect_mask_equals_allows(const GrammarMatcher& m, size_t vocab, const std::string& where) {
  std::vector<float> logits(vocab, 1.0f);
  m.mask(logits);
  size_t n_allowed = 0, mismatches = 0;
  for (size_t id = 0; id < vocab; ++id) {
    bool masked_in = std::isfinite(logits[id]);
    n_allowed += masked_in;
    if (masked_in != m.allows(static_cast<int32_t>(id)) && ++mismatches <= 5) {
      ADD_FAILURE() << where << ": token " << id << " mask=" << masked_in << " allows=" << !masked_in;
    }
  }
  EXPECT_EQ(mismatches, 0u) << where;
  EXPECT_GT(n_allowed, 0u) << where;
}

TEST(GrammarQwen, TokenTextsAreRawBytes) {
  const auto& q = qwen();
  ASSERT_TRUE(q.tok && q.texts);
  EXPECT_EQ(q.texts->size(), q.tok->vocab_size());
  auto hello = q.tok->find_piece("\xC4\xA0hello");  // "Ġhello"
  ASSERT_TRUE(hello);
  EXPECT_EQ(q.texts->text(*hello), " hello");
  auto im_end = q.tok->find_piece("<|im_end|>");
  ASSERT_TRUE(im_end);
  EXPECT_TRUE(q.texts->is_control(*im_end));
  EXPECT_TRUE(q.texts->is_eog(*im_end));
  EXPECT_EQ(q.texts->text(*im_end), "");
  // Byte-level pieces holding part of a character come back as those raw bytes.
  size_t partial = 0;
  for (size_t id = 0; id < q.texts->size(); ++id) {
    if (!utf8::is_valid(q.texts->text(static_cast<int32_t>(id)))) ++partial;
  }
  EXPECT_GT(partial, 100u);
  // Concatenated token texts equal the decoded text.
  std::string text = "{\"name\": \"Zoë 中文 \xF0\x9D\x84\x9E\", \"n\": [1, 2.5]}";
  std::string joined;
  for (TokenId id : q.tok->encode(text, {false, false})) joined += q.texts->text(id);
  EXPECT_EQ(joined, text);
}

TEST(GrammarQwen, MaskEqualsAllowsAndEosOnlyWhenComplete) {
  const auto& q = qwen();
  ASSERT_TRUE(q.tok && q.texts);
  size_t vocab = q.texts->size();
  auto g = Grammar::json_object();
  GrammarMatcher m(g, q.texts);
  TokenId eos = q.tok->eos_ids().at(0);
  expect_mask_equals_allows(m, vocab, "start");
  EXPECT_FALSE(m.allows(eos));

  // Feed a document token by token (its tokens include multi-byte characters split across
  // byte-level tokens); check at several states.
  std::string doc = "{\"k\": \"\xF0\x9D\x84\x9E caf\xC3\xA9\", \"n\": -1.5e3, \"a\": [true, null, {}]}";
  std::vector<TokenId> ids = q.tok->encode(doc, {false, false});
  bool saw_partial = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(m.allows(ids[i])) << "token " << i << " '" << q.texts->text(ids[i]) << "'";
    EXPECT_FALSE(m.allows(eos));
    m.accept(ids[i]);
    std::string prefix;
    for (size_t k = 0; k <= i; ++k) prefix += q.texts->text(ids[k]);
    bool partial = !utf8::is_valid(prefix);
    saw_partial |= partial;
    if (i % 5 == 2 || partial) expect_mask_equals_allows(m, vocab, "after token " + std::to_string(i) + (partial ? " (partial UTF-8)" : ""));
  }
  EXPECT_TRUE(saw_partial) << "the document should split a character across tokens";
  EXPECT_TRUE(m.complete());
  EXPECT_TRUE(m.finished());
  EXPECT_TRUE(m.allows(eos));
  expect_mask_equals_allows(m, vocab, "complete");
  std::vector<float> logits(vocab, 0.0f);
  m.mask(logits);
  EXPECT_TRUE(std::isfinite(logits[eos]));
  m.accept(eos);  // changes nothing
  EXPECT_TRUE(m.finished());
}

TEST(GrammarQwen, MaskIsFast) {
  const auto& q = qwen();
  ASSERT_TRUE(q.tok && q.texts);
  auto g = Grammar::json_object();
  GrammarMatcher m(g, q.texts);
  ASSERT_TRUE(m.accept_text("{\"text\": \"Once upon a"));
  std::vector<float> logits(q.texts->size(), 0.0f);
  m.mask(logits);  // warm (caches of this state)
  auto t0 = std::chrono::steady_clock::now();
  const int n = 5;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(m.accept_text(" x"));
    m.mask(logits);
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
  std::printf("mask over %zu tokens (inside a JSON string): %.2f ms\n", q.texts->size(), ms);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIMER_GRAMMAR_TEST_ASAN 1
#endif
#endif
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(PRIMER_GRAMMAR_TEST_ASAN)
  EXPECT_LT(ms, 50.0);
#endif
}

}  // namespace
}  // namespace primer
