// libFuzzer target: Tokenizer::from_hf_json on arbitrary bytes. The input is
// "<tokenizer.json>[\0<tokenizer_config.json>]" (no NUL: no config). Whenever a tokenizer loads,
// it must also encode, decode and stream-decode a fixed multilingual string without crashing,
// give ids inside the vocabulary, and produce valid UTF-8 from decode and from each
// StreamDecoder::push (fuzz_util.h's check_decode).
// Seeds: fuzz/corpus/tokenizer_json/ (tiny hand-written tokenizer.json variants).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "primer/tokenizer.h"

namespace {

constexpr const char* kTarget = "tokenizer_json_fuzz";

void exercise(const primer::Tokenizer& tok) {
  static constexpr std::string_view kText =
      "Hello, world! it's 2024-01-31 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x99\x82 <|im_start|> <s> "
      "\t\r\n  x \xff\xc3(";
  const size_t n_vocab = tok.vocab_size();
  for (bool parse_special : {true, false}) {
    std::vector<primer::TokenId> ids = tok.encode(kText, {true, parse_special});
    for (primer::TokenId id : ids) {
      primer::fuzz::require(id >= 0 && static_cast<size_t>(id) < n_vocab, kTarget, "encode id out of range");
      (void)tok.piece(id);
      (void)tok.attr(id);
    }
    primer::fuzz::check_decode(tok, ids, kTarget);
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
    primer::fuzz::require(!tok.error().message.empty(), kTarget, "error without a message");
    return 0;
  }
  exercise(*tok);
  return 0;
}
