// Normalizers. Expected strings are what node's String.prototype.normalize / toLowerCase (the
// JS reference runtime's implementations) return.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {
namespace {

std::string run(const Normalizer& n, std::string s) {
  n.normalize(s);
  return s;
}

TEST(Normalizers, UnicodeForms) {
  auto nfc = make_unicode_normalizer(UnicodeForm::kNfc);
  auto nfd = make_unicode_normalizer(UnicodeForm::kNfd);
  auto nfkc = make_unicode_normalizer(UnicodeForm::kNfkc);
  auto nfkd = make_unicode_normalizer(UnicodeForm::kNfkd);
  ASSERT_TRUE(nfc.ok() && nfd.ok() && nfkc.ok() && nfkd.ok());
  EXPECT_EQ(run(**nfc, "e\u0301"), "\u00e9");
  EXPECT_EQ(run(**nfd, "\u00e9"), "e\u0301");
  EXPECT_EQ(run(**nfkc, "\ufb01\u2460"), "fi1");
  EXPECT_EQ(run(**nfkd, "\ufb01\u00e9"), "fie\u0301");
  EXPECT_EQ(run(**nfc, "\u1e9b\u0323"), "\u1e9b\u0323");
  EXPECT_EQ(run(**nfkc, "\u1e9b\u0323"), "\u1e69");
  EXPECT_EQ(run(**nfc, "plain ascii"), "plain ascii");
  EXPECT_EQ(run(**nfc, ""), "");
}

TEST(Normalizers, LowercaseIsFullUnicodeWithFinalSigma) {
  auto lower = make_lowercase_normalizer();
  EXPECT_EQ(run(*lower, "ΟΔΥΣΣΕΥΣ"), "οδυσσευς");
  EXPECT_EQ(run(*lower, "ΣΑΣ Σ"), "σας σ");
  EXPECT_EQ(run(*lower, "İstanbul"), "i\u0307stanbul");
  EXPECT_EQ(run(*lower, "ÅNGSTRÖM"), "ångström");
  EXPECT_EQ(run(*lower, "HeLLo"), "hello");
}

TEST(Normalizers, PrependReplaceStrip) {
  auto prepend = make_prepend_normalizer("\u2581");
  EXPECT_EQ(run(*prepend, "Hi"), "\u2581Hi");
  EXPECT_EQ(run(*prepend, ""), "");  // HF: only non-empty text
  auto replace = make_replace_normalizer(" ", "\u2581");
  EXPECT_EQ(run(*replace, " a  b "), "\u2581a\u2581\u2581b\u2581");
  auto regex = make_replace_regex_normalizer(" {2,}", " ");
  ASSERT_TRUE(regex.ok()) << regex.error().message;
  EXPECT_EQ(run(**regex, "a  b     c d"), "a b c d");
  EXPECT_EQ(run(*make_strip_normalizer(StripSide::kBoth), " \t\u3000x y\n "), "x y");
  EXPECT_EQ(run(*make_strip_normalizer(StripSide::kLeft), "  x  "), "x  ");
  EXPECT_EQ(run(*make_strip_normalizer(StripSide::kRight), "  x  "), "  x");
  EXPECT_EQ(run(*make_strip_normalizer(StripSide::kBoth), "   "), "");
  EXPECT_EQ(run(*make_strip_accents_normalizer(), "e\u0301te\u0301"), "ete");
  auto bad = make_replace_regex_normalizer("(unclosed", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("(unclosed"), std::string::npos);
}

TEST(Normalizers, SequenceAppliesInOrder) {
  std::vector<std::unique_ptr<Normalizer>> parts;
  parts.push_back(make_prepend_normalizer("\u2581"));
  parts.push_back(make_replace_normalizer(" ", "\u2581"));
  auto seq = make_sequence_normalizer(std::move(parts));
  EXPECT_EQ(run(*seq, "Hello world"), "\u2581Hello\u2581world");
}

}  // namespace
}  // namespace primer::tok
