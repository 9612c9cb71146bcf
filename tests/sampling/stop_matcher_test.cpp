// StopMatcher: stop strings in text streamed in arbitrary pieces.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "primer/sampler.h"

namespace primer {
namespace {

struct Streamed {
  std::string text;
  bool stopped = false;
};

Streamed stream(const std::vector<std::string>& stops, const std::vector<std::string>& pieces) {
  StopMatcher m(stops);
  Streamed out;
  for (const auto& p : pieces) {
    auto o = m.push(p);
    out.text += o.text;
    if (o.stopped) {
      out.stopped = true;
      return out;
    }
  }
  out.text += m.flush();
  return out;
}

TEST(StopMatcher, HoldsBackAPossibleStart) {
  StopMatcher m({"world"});
  auto a = m.push("Hello wor");
  EXPECT_EQ(a.text, "Hello ");
  EXPECT_FALSE(a.stopped);
  auto b = m.push("ld!");
  EXPECT_EQ(b.text, "");
  EXPECT_TRUE(b.stopped);
  EXPECT_TRUE(m.push("more").stopped);
}

TEST(StopMatcher, ReleasesAFalseStart) {
  StopMatcher m({"world"});
  EXPECT_EQ(m.push("a wo").text, "a ");
  EXPECT_EQ(m.push("rk").text, "work");
  EXPECT_EQ(m.push(" wor").text, " ");
  EXPECT_EQ(m.flush(), "wor");  // end of generation: the partial match is plain text
}

TEST(StopMatcher, SplitAcrossManyPieces) {
  auto r = stream({"<|end|>"}, {"ok", "<", "|", "en", "d", "|", ">", "tail"});
  EXPECT_EQ(r.text, "ok");
  EXPECT_TRUE(r.stopped);
}

TEST(StopMatcher, EarliestOfSeveralStops) {
  auto r = stream({"STOP", "END"}, {"abc EN", "D then STOP"});
  EXPECT_EQ(r.text, "abc ");
  EXPECT_TRUE(r.stopped);
  // "xyz" starts before "y": the cut is at the earliest start, as on the whole text.
  auto s = stream({"xyz", "y"}, {"ax", "yz"});
  EXPECT_EQ(s.text, "a");
}

TEST(StopMatcher, OverlappingPrefixes) {
  // "abab" then "c": the stop "abac" starts at the second "ab".
  auto r = stream({"abac"}, {"ab", "ab", "ac"});
  EXPECT_EQ(r.text, "ab");
  EXPECT_TRUE(r.stopped);
  auto s = stream({"aab"}, {"a", "a", "a", "a", "b"});
  EXPECT_EQ(s.text, "aa");
  auto t = stream({"\n\nUser:", "\n\n"}, {"Hi\n", "\nUser:"});
  EXPECT_EQ(t.text, "Hi");
}

TEST(StopMatcher, NoStopsPassesThrough) {
  auto r = stream({}, {"a", "", "bc"});
  EXPECT_EQ(r.text, "abc");
  EXPECT_FALSE(r.stopped);
  auto e = stream({""}, {"a", "b"});  // an empty stop string is ignored
  EXPECT_EQ(e.text, "ab");
  EXPECT_FALSE(e.stopped);
}

TEST(StopMatcher, RandomSplitsGiveTheSameText) {
  const std::vector<std::string> stops = {"abca", "cab", "bbb", "</s>"};
  uint64_t x = 99;
  auto rnd = [&](uint64_t n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  };
  const std::string alphabet = "abc </s>";
  for (int trial = 0; trial < 400; ++trial) {
    std::string text;
    const size_t len = 1 + rnd(40);
    for (size_t i = 0; i < len; ++i) text += alphabet[rnd(alphabet.size())];
    if (trial % 2 == 0) text.insert(rnd(text.size() + 1), stops[rnd(stops.size())]);
    // Expected: everything before the earliest occurrence of any stop string.
    size_t first = std::string::npos;
    for (const auto& s : stops) first = std::min(first, text.find(s));
    const std::string expected = first == std::string::npos ? text : text.substr(0, first);
    for (int split = 0; split < 8; ++split) {
      std::vector<std::string> pieces;
      for (size_t i = 0; i < text.size();) {
        const size_t n = rnd(5);  // empty pieces too
        pieces.push_back(text.substr(i, n));
        i += n;
      }
      auto r = stream(stops, pieces);
      ASSERT_EQ(r.text, expected) << "text '" << text << "'";
      ASSERT_EQ(r.stopped, first != std::string::npos) << "text '" << text << "'";
    }
  }
}

}  // namespace
}  // namespace primer
