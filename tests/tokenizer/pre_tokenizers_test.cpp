// Pre-tokenizers and split behaviours.
#include <gtest/gtest.h>

#include "tokenizer/regex.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {
namespace {

using V = std::vector<std::string>;

// Hugging Face's documented SplitDelimiterBehavior example: "the-final--countdown" split on '-'.
TEST(Split, BehavioursMatchHfDocumentation) {
  auto split = [](SplitBehavior b, SplitInvert inv = SplitInvert::kNo) {
    return pre_tokenize_to_vector(*make_split_string("-", b, inv), "the-final--countdown");
  };
  EXPECT_EQ(split(SplitBehavior::kRemoved), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split(SplitBehavior::kIsolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split(SplitBehavior::kMergedWithPrevious), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split(SplitBehavior::kMergedWithNext), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split(SplitBehavior::kContiguous), (V{"the", "-", "final", "--", "countdown"}));
  // invert: the matches are the pieces, the behaviour applies to what lies between them.
  EXPECT_EQ(split(SplitBehavior::kRemoved, SplitInvert::kYes), (V{"-", "-", "-"}));
}

TEST(Split, EdgeCases) {
  auto iso = make_split_string("-", SplitBehavior::kMergedWithNext);
  EXPECT_EQ(pre_tokenize_to_vector(*iso, "-a-"), (V{"-a", "-"}));
  EXPECT_EQ(pre_tokenize_to_vector(*iso, ""), V{});
  auto prev = make_split_string("-", SplitBehavior::kMergedWithPrevious);
  EXPECT_EQ(pre_tokenize_to_vector(*prev, "-a-"), (V{"-", "a-"}));
}

// The Qwen2/3 splitter. Expected pieces are what the JS reference's rewritten RegExp matches.
constexpr const char* kQwenPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

TEST(Split, QwenRegexOnTrickyText) {
  auto split = make_split_regex(kQwenPattern, SplitBehavior::kIsolated);
  ASSERT_TRUE(split.ok()) << split.error().message;
  EXPECT_EQ(pre_tokenize_to_vector(**split, "Hello   world\n\n  x"),
            (V{"Hello", "  ", " world", "\n\n", " ", " x"}));
  EXPECT_EQ(pre_tokenize_to_vector(**split, "I'M fine's 123abc"),
            (V{"I", "'M", " fine", "'s", " ", "1", "2", "3", "abc"}));
  EXPECT_EQ(pre_tokenize_to_vector(**split, "  \t\n  end  "), (V{"  \t\n", " ", " end", "  "}));
  EXPECT_EQ(pre_tokenize_to_vector(**split, "a\u2014b !!! ?\n\nok"),
            (V{"a", "\u2014b", " !!!", " ?\n\n", "ok"}));
  // Case folding is ASCII-only (as the JS reference): 'ſ (U+017F) is not 's.
  EXPECT_EQ(pre_tokenize_to_vector(**split, "x'\u017f"), (V{"x", "'\u017f"}));
}

TEST(Split, RegexRewrites) {
  EXPECT_EQ(hf_regex_to_pcre2("\\s+(?!\\S)"), "\\p{White_Space}+(?!\\P{White_Space})");
  EXPECT_EQ(hf_regex_to_pcre2("(?i:'s|'t)"), "(?:'[sS]|'[tT])");
  EXPECT_EQ(hf_regex_to_pcre2("(?i:[a-z]+)"), "(?i:[a-z]+)");  // classes keep PCRE2 folding
  EXPECT_EQ(hf_regex_to_pcre2("[^\\s\\p{L}]"), "[^\\p{White_Space}\\p{L}]");
  EXPECT_EQ(hf_regex_to_pcre2("\\\\s"), "\\\\s");  // an escaped backslash, then 's'
  // U+0085 is White_Space for Oniguruma/Rust; U+FEFF is not.
  auto ws = make_split_regex("\\s+", SplitBehavior::kRemoved);
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(pre_tokenize_to_vector(**ws, "a\u0085b\ufeffc"), (V{"a", "b\ufeffc"}));
  auto bad = make_split_regex("a(", SplitBehavior::kIsolated);
  EXPECT_FALSE(bad.ok());
}

TEST(ByteLevelPre, PrefixSpaceAndGpt2Regex) {
  auto bl = make_byte_level_pre_tokenizer(AddPrefixSpace::kYes, UseRegex::kYes);
  ASSERT_TRUE(bl.ok());
  EXPECT_EQ(pre_tokenize_to_vector(**bl, "Hello my friend, how's it going?"),
            (V{"\u0120Hello", "\u0120my", "\u0120friend", ",", "\u0120how", "'s", "\u0120it",
               "\u0120going", "?"}));
  auto raw = make_byte_level_pre_tokenizer(AddPrefixSpace::kNo, UseRegex::kNo);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(pre_tokenize_to_vector(**raw, " a\n\xE4\xBD\xA0"), (V{"\u0120a\u010a\u00e4\u00bd\u0142"}));
}

TEST(Metaspace, PrependSchemesAndSplit) {
  auto always = make_metaspace_pre_tokenizer("\u2581", PrependScheme::kAlways, MetaspaceSplit::kYes);
  EXPECT_EQ(pre_tokenize_to_vector(*always, "Hey friend"), (V{"\u2581Hey", "\u2581friend"}));
  EXPECT_EQ(pre_tokenize_to_vector(*always, "Hey  friend", false),
            (V{"\u2581Hey", "\u2581", "\u2581friend"}));
  auto first = make_metaspace_pre_tokenizer("\u2581", PrependScheme::kFirst, MetaspaceSplit::kNo);
  EXPECT_EQ(pre_tokenize_to_vector(*first, "Hey friend", true), (V{"\u2581Hey\u2581friend"}));
  EXPECT_EQ(pre_tokenize_to_vector(*first, "Hey friend", false), (V{"Hey\u2581friend"}));
  auto never = make_metaspace_pre_tokenizer("\u2581", PrependScheme::kNever, MetaspaceSplit::kYes);
  EXPECT_EQ(pre_tokenize_to_vector(*never, "Hey friend"), (V{"Hey", "\u2581friend"}));
}

TEST(OtherPre, DigitsWhitespacePunctuationSequence) {
  EXPECT_EQ(pre_tokenize_to_vector(*make_digits_pre_tokenizer(DigitsMode::kIndividual), "Hey 123"),
            (V{"Hey ", "1", "2", "3"}));
  EXPECT_EQ(pre_tokenize_to_vector(*make_digits_pre_tokenizer(DigitsMode::kContiguous), "Hey 123x"),
            (V{"Hey ", "123", "x"}));
  auto ws = make_whitespace_pre_tokenizer();
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(pre_tokenize_to_vector(**ws, "Hey man!!  How's it?"),
            (V{"Hey", "man", "!!", "How", "'", "s", "it", "?"}));
  EXPECT_EQ(pre_tokenize_to_vector(*make_whitespace_split_pre_tokenizer(), " Hey\tman!\u3000x "),
            (V{"Hey", "man!", "x"}));
  EXPECT_EQ(pre_tokenize_to_vector(*make_punctuation_pre_tokenizer(SplitBehavior::kIsolated),
                                   "Hey friend!? How are you?!"),
            (V{"Hey friend", "!", "?", " How are you", "?", "!"}));
  std::vector<std::unique_ptr<PreTokenizer>> parts;
  parts.push_back(make_whitespace_split_pre_tokenizer());
  parts.push_back(make_digits_pre_tokenizer(DigitsMode::kIndividual));
  auto seq = make_sequence_pre_tokenizer(std::move(parts));
  EXPECT_EQ(pre_tokenize_to_vector(*seq, "ab12 c3"), (V{"ab", "1", "2", "c", "3"}));
}

}  // namespace
}  // namespace primer::tok
