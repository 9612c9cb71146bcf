// libFuzzer target: Tokenizer::from_hf_json on arbitrary bytes. The input is
// "<tokenizer.json>[\0<tokenizer_config.json>]" (no NUL: no config). Whenever a tokenizer loads,
// it must also encode, decode and stream-decode a fixed multilingual string without crashing,
// give ids inside the vocabulary, and produce valid UTF-8 from decode.
// Seeds: fuzz/corpus/tokenizer_json/ (tiny hand-written tokenizer.json variants).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_json_fuzz: invariant failed: %s\n", what);
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

void exercise(const primer::Tokenizer& tok) {
  static constexpr std::string_view kText =
      "Hello, world! it's 2024-01-31 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x99\x82 <|im_start|> <s> "
      "\t\r\n  x \xff\xc3(";
  const size_t n_vocab = tok.vocab_size();
  for (bool parse_special : {true, false}) {
    std::vector<primer::TokenId> ids = tok.encode(kText, {true, parse_special});
    for (primer::TokenId id : ids) {
      require(id >= 0 && static_cast<size_t>(id) < n_vocab, "encode id out of range");
      (void)tok.piece(id);
      (void)tok.attr(id);
    }
    for (bool skip : {false, true}) {
      std::string text = tok.decode(ids, {skip});
      require(valid_utf8(text), "decode returned invalid UTF-8");
      primer::StreamDecoder stream(tok, {skip});
      std::string streamed;
      for (primer::TokenId id : ids) streamed += stream.push(id);
      streamed += stream.flush();
      require(streamed == text, "StreamDecoder output differs from decode()");
    }
  }
  (void)tok.describe();
  (void)tok.bos_text();
  (void)tok.eos_text();
  (void)tok.eos_ids();
  (void)tok.chat_template();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view json = input.substr(0, nul);
  std::string_view config = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  auto tok = primer::Tokenizer::from_hf_json(json, config);
  if (!tok.ok()) {
    require(!tok.error().message.empty(), "error without a message");
    return 0;
  }
  exercise(*tok);
  return 0;
}
