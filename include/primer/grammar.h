#pragma once
// Grammar-constrained generation: a context-free grammar over bytes (llama.cpp's GBNF notation),
// compiled once and shared, and a per-sequence matcher that says which tokens keep the output
// inside the grammar. JSON Schema (OpenAI `response_format: json_schema`) and "any JSON object"
// (`json_object`) are compiled to such grammars, so constrained output always parses.
//
//   Grammar (immutable, shared by requests) --> GrammarMatcher (one per sequence: parse stacks)
//
// Sampling uses rejection: sample from the unconstrained distribution; if the token is not
// allowed, mask every disallowed token and sample again. The result has exactly the constrained
// distribution (p restricted to the allowed set, renormalized) and the full mask is computed
// only when the model strays, which a well-trained model rarely does.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "primer/error.h"
#include "primer/tokenizer.h"

namespace primer {

struct GrammarImpl;   // src/model/grammar*.cpp
struct MatcherState;  // src/model/grammar_matcher.cpp

class Grammar {
 public:
  // GBNF text: `name ::= alternatives` rules; literals "..." with escapes (\n \t \" \\ \xHH
  // \uHHHH), character classes [a-z] [^"\\], grouping ( ), alternation |, repetition * + ? and
  // {m}, {m,}, {m,n}; comments from #. `root` names the start rule. Errors name the line and
  // column and what was expected (undefined rule, unbalanced bracket, left recursion...).
  static Result<std::shared_ptr<const Grammar>> parse(std::string_view gbnf, std::string_view root = "root");

  // A JSON Schema (draft 2020-12 subset, the one OpenAI's structured outputs accept): type
  // (string | number | integer | boolean | null | object | array, or a list of them), properties,
  // required, additionalProperties (false or a schema; default allows any JSON value), items,
  // prefixItems, minItems/maxItems, enum, const, anyOf/oneOf, allOf of objects, $ref to
  // #/$defs/... or #/definitions/..., minLength/maxLength, minimum/maximum for integers, format
  // (date, time, date-time, uuid, email). Unsupported keywords that constrain values (pattern,
  // multipleOf, ...) are an error naming the keyword and its JSON pointer, never silently ignored;
  // annotations (title, description, examples, default, $schema, $id) are ignored.
  // Objects put properties in schema order: required ones always, optional ones may be skipped.
  // What the output looks like (src/model/json_schema*.cpp): whitespace only after { [ , : and
  // before } ], at most a newline and 40 blanks, none after the top-level value (so the match is
  // finished at its last bracket); integers at most 16 digits, minimum/maximum (and exclusive*)
  // matched exactly; numbers at most 16+16 digits and a 2-digit exponent (minimum/maximum on
  // `number` is an error); \u escapes never encode surrogates; extra keys (additionalProperties
  // not false) come after the listed properties, use no escapes and never repeat a listed name.
  // oneOf is compiled as anyOf (valid only when its branches are disjoint); allOf merges object
  // schemas. Limits: 64 levels of schema nesting, minItems/maxItems/minLength/maxLength <= 10000.
  static Result<std::shared_ptr<const Grammar>> from_json_schema(std::string_view schema_json);

  // Any JSON object (OpenAI `json_object`): `{ ... }` with any JSON values inside.
  static std::shared_ptr<const Grammar> json_object();

  ~Grammar();
  // The grammar back in GBNF (rules in definition order), for debugging and tests.
  std::string to_gbnf() const;
  const GrammarImpl& impl() const { return *impl_; }

 private:
  explicit Grammar(std::unique_ptr<GrammarImpl> impl);
  friend struct GrammarImpl;
  std::unique_ptr<GrammarImpl> impl_;
};

// Each token's bytes as the detokenizer produces them when the token follows other text (e.g.
// "Ġhello" -> " hello", "<0x0A>" -> "\n"); control tokens map to "" and are never allowed
// inside a grammar (end-of-generation tokens are allowed exactly when the match is complete).
// Built once per tokenizer (~vocab_size strings) and shared by every matcher.
class TokenTexts {
 public:
  explicit TokenTexts(const Tokenizer& tok);
  std::string_view text(int32_t id) const;
  bool is_eog(int32_t id) const;  // one of the tokenizer's eos_ids()
  bool is_control(int32_t id) const;
  size_t size() const { return offsets_.size() - 1; }

  // For GrammarMatcher::mask: the non-empty, non-control token texts as a byte trie in preorder.
  // Node 0 is the root (empty prefix); node i's subtree is [i, subtree_end); the tokens whose
  // text ends at node i are trie_tokens()[tok_begin, tok_end). Texts longer than
  // kMaxTrieDepth bytes are left out and listed in long_tokens() (checked one by one).
  struct TrieNode {
    uint32_t subtree_end;
    uint32_t tok_begin;
    uint32_t tok_end;
    uint16_t depth;  // = prefix length in bytes
    uint8_t byte;    // the prefix's last byte (root: 0)
  };
  static constexpr size_t kMaxTrieDepth = 1024;
  const std::vector<TrieNode>& trie() const { return trie_; }
  const std::vector<int32_t>& trie_tokens() const { return trie_tokens_; }
  const std::vector<int32_t>& long_tokens() const { return long_tokens_; }

 private:
  void build_trie();

  std::string bytes_;
  std::vector<uint32_t> offsets_;
  std::vector<uint8_t> flags_;  // bit 0: end of generation, bit 1: control
  std::vector<TrieNode> trie_;
  std::vector<int32_t> trie_tokens_;
  std::vector<int32_t> long_tokens_;
};

// The parse state of one sequence. Cheap to copy (a set of stacks); not thread-safe.
class GrammarMatcher {
 public:
  GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTexts> texts);
  GrammarMatcher(const GrammarMatcher&);
  GrammarMatcher& operator=(const GrammarMatcher&);
  GrammarMatcher(GrammarMatcher&&) noexcept;
  GrammarMatcher& operator=(GrammarMatcher&&) noexcept;
  ~GrammarMatcher();

  // Whether appending `token` keeps the output a prefix of some sentence of the grammar (an
  // end-of-generation token: whether the output so far is a complete sentence).
  bool allows(int32_t token) const;
  // Sets logits[id] = -inf for every token not allowed (logits.size() == vocabulary size; ids
  // past the tokenizer's vocabulary are masked). Cost: one step per node of the vocabulary's
  // byte trie (Qwen: 333k nodes), pruned at the first rejected byte; steps are cached per parse
  // state: inside a JSON string (the worst case, 147k tokens allowed) a mask over Qwen's 151k
  // tokens takes ~4 ms; in structural states ~0.1 ms. TokenTexts for Qwen builds in ~0.1-0.3 s.
  // Deep or explosive parses are bounded (stack depth 4096, 1024 stacks): past that, rejected.
  void mask(std::span<float> logits) const;
  // Advances over `token`'s bytes; CHECKs allows(token). An end-of-generation token is accepted
  // only when complete() and changes nothing.
  void accept(int32_t token);
  // The output so far is a complete sentence.
  bool complete() const;
  // Complete and nothing more can follow: generation must end.
  bool finished() const;
  // Accepts raw bytes (tests, prefilled text); false (state unchanged) if they leave the grammar.
  bool accept_text(std::string_view bytes);

 private:
  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const TokenTexts> texts_;
  std::unique_ptr<MatcherState> state_;
};

}  // namespace primer
