// The compiled form of a Grammar (include/primer/grammar.h), shared by the GBNF parser
// (grammar_parse.cpp), the printer (grammar_print.cpp) and the matcher (grammar_matcher.cpp).
//
// Layout (after llama.cpp's llama-grammar): every rule is a run of elements in one flat array,
//   rule r:  elems[rule_begin[r] ..]  =  seq_1 kAlt seq_2 kAlt ... seq_k kEnd
// where a sequence holds kChar (one code point of a character class) and kRuleRef elements.
// Repetition and groups were expanded into generated rules by the parser, so the matcher only
// ever sees "match one code point" and "descend into a rule". A matcher position is an index
// into `elems`; the element after the last of a sequence is kAlt or kEnd ("sequence done").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "primer/grammar.h"

namespace primer {

enum class GrammarOp : uint8_t { kEnd, kAlt, kRuleRef, kChar };

struct GrammarElem {
  GrammarOp op;
  uint32_t arg;  // kRuleRef: rule id; kChar: character-class id
};

// A set of code points: sorted, disjoint, inclusive ranges, optionally negated; ASCII answers
// come from a bitmap.
struct CharClass {
  std::vector<std::pair<char32_t, char32_t>> ranges;
  bool negated = false;
  uint64_t ascii[2] = {0, 0};  // bit c: code point c (< 128) is in the class (negation applied)

  bool contains(char32_t cp) const {
    if (cp < 128) return (ascii[cp >> 6] >> (cp & 63)) & 1;
    return in_ranges(cp) != negated;
  }
  // Whether some code point in [lo, hi] is in the class.
  bool intersects(char32_t lo, char32_t hi) const;
  bool in_ranges(char32_t cp) const;
  void finish();  // sorts/merges ranges and fills the ASCII bitmap
};

struct GrammarImpl {
  std::vector<GrammarElem> elems;
  std::vector<uint32_t> rule_begin;      // rule id -> first element
  std::vector<std::string> rule_names;   // rule id -> name (generated rules: "<parent>-<n>")
  std::vector<uint32_t> alt_begin;       // flat: starts of each rule's alternatives
  std::vector<uint32_t> rule_alts;       // rule id -> [rule_alts[r], rule_alts[r+1]) in alt_begin
  std::vector<CharClass> classes;
  uint32_t root = 0;

  size_t n_rules() const { return rule_begin.size(); }
  bool seq_done(uint32_t pos) const {
    return elems[pos].op == GrammarOp::kEnd || elems[pos].op == GrammarOp::kAlt;
  }

  static std::shared_ptr<const Grammar> make(std::unique_ptr<GrammarImpl> impl) {
    return std::shared_ptr<const Grammar>(new Grammar(std::move(impl)));
  }
};

// Fills alt_begin/rule_alts from elems/rule_begin (every producer of a GrammarImpl calls it).
void finish_grammar(GrammarImpl& g);

// Limits against hostile grammars (GBNF from requests, JSON Schemas from requests).
inline constexpr size_t kGrammarMaxTextBytes = 1 << 20;    // GBNF source
inline constexpr size_t kGrammarMaxRules = 50000;          // including generated rules
inline constexpr size_t kGrammarMaxElems = 2000000;
inline constexpr int kGrammarMaxNesting = 100;             // ( ) groups
inline constexpr uint32_t kGrammarMaxRepeat = 10000;       // {m,n} bounds

}  // namespace primer
