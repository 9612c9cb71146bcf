// Invariant checks shared by the tokenizer fuzz targets (header-only; each target is its own
// executable). A failed invariant prints "<target>: invariant failed: <what>" and aborts, which
// libFuzzer reports as a crash and saves the input.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"

namespace primer::fuzz {

inline void require(bool ok, const char* target, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "%s: invariant failed: %s\n", target, what);
    std::abort();
  }
}

// Well-formed UTF-8 (Unicode Table 3-7). Written out here rather than calling primer::utf8::is_valid
// on purpose: the tokenizer uses that function itself, so the oracle stays independent of it.
inline bool valid_utf8(std::string_view s) {
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

// For skip_special off and on: decode(ids) is valid UTF-8, every StreamDecoder::push result is
// valid UTF-8, and the pushed pieces plus flush() equal decode(ids).
inline void check_decode(const Tokenizer& tok, const std::vector<TokenId>& ids, const char* target) {
  for (bool skip : {false, true}) {
    std::string text = tok.decode(ids, {skip});
    require(valid_utf8(text), target, "decode returned invalid UTF-8");
    StreamDecoder stream(tok, {skip});
    std::string streamed;
    for (TokenId id : ids) {
      std::string part = stream.push(id);
      require(valid_utf8(part), target, "StreamDecoder::push returned invalid UTF-8");
      streamed += part;
    }
    streamed += stream.flush();
    require(streamed == text, target, "StreamDecoder output differs from decode()");
  }
}

}  // namespace primer::fuzz
