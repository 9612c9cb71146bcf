// libFuzzer target: arbitrary bytes as GBNF (first byte even) or as a JSON Schema (odd) must
// give a grammar or an error, never a crash or a hang. When a grammar results: its to_gbnf()
// parses back to the same text, and a matcher survives accept_text() of slices of the input,
// mask() over a small vocabulary (checked against allows()), complete()/finished() and copies.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "primer/grammar.h"
#include "primer/tokenizer.h"

namespace {

constexpr const char* kTarget = "fuzz_grammar";

// A tiny byte-level BPE vocabulary (JSON-ish pieces and a multi-byte character split in two).
std::shared_ptr<const primer::TokenTexts> texts() {
  static const std::shared_ptr<const primer::TokenTexts> t = [] {
    nlohmann::json vocab = nlohmann::json::object();
    const char* pieces[] = {"{", "}", "[", "]", "\"", ":", ",", "a", "b", "0", "1", "-", ".", "e", " ",
                            "true", "null", "\\", "Ã", "©", "x", "ab", "\"a\"", "Ċ"};
    int id = 0;
    for (const char* p : pieces) vocab[p] = id++;
    nlohmann::json j = {{"added_tokens", {{{"id", id}, {"content", "</s>"}, {"special", true}}}},
                        {"normalizer", nullptr},
                        {"pre_tokenizer", nullptr},
                        {"post_processor", nullptr},
                        {"decoder", {{"type", "ByteLevel"}}},
                        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
    auto tok = primer::Tokenizer::from_hf_json(j.dump(), R"({"eos_token": "</s>"})");
    primer::fuzz::require(tok.ok(), kTarget, "the fuzz vocabulary loads");
    return std::make_shared<const primer::TokenTexts>(*tok);
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool schema = data[0] & 1;
  auto g = schema ? primer::Grammar::from_json_schema(input) : primer::Grammar::parse(input);
  if (!g.ok()) {
    primer::fuzz::require(!g.error().message.empty(), kTarget, "errors have a message");
    return 0;
  }
  std::string text = (*g)->to_gbnf();
  auto again = primer::Grammar::parse(text);
  primer::fuzz::require(again.ok(), kTarget, "to_gbnf() output parses");
  primer::fuzz::require((*again)->to_gbnf() == text, kTarget, "to_gbnf() round-trips");

  auto tt = texts();
  primer::GrammarMatcher m(*g, tt);
  std::vector<float> logits(tt->size());
  for (size_t start = 0; start < input.size() && start < 64; start += 7) {
    primer::GrammarMatcher copy = m;
    std::string_view slice = input.substr(start, 9);
    bool ok = copy.accept_text(slice);
    if (ok) m = copy;
    std::fill(logits.begin(), logits.end(), 0.0f);
    m.mask(logits);
    for (size_t id = 0; id < logits.size(); ++id) {
      primer::fuzz::require(std::isfinite(logits[id]) == m.allows(static_cast<int32_t>(id)), kTarget,
                            "mask() agrees with allows()");
    }
    if (m.finished()) primer::fuzz::require(m.complete(), kTarget, "finished implies complete");
  }
  return 0;
}
