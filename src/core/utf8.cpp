#include "primer/utf8.h"

namespace primer::utf8 {
namespace {

// Expected sequence length for a lead byte (0: not a valid lead byte), and the allowed range
// of the second byte (Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences").
struct Lead {
  uint8_t length;
  uint8_t lo;
  uint8_t hi;
};

Lead lead_info(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Number of bytes at s[pos] that form a prefix of a well-formed sequence (>= 1 when s[pos] is a
// valid lead byte), and the expected full length.
size_t valid_prefix(std::string_view s, size_t pos, size_t* full) {
  Lead lead = lead_info(static_cast<uint8_t>(s[pos]));
  *full = lead.length;
  if (lead.length == 0) return 0;
  size_t n = 1;
  while (n < lead.length && pos + n < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[pos + n]);
    uint8_t lo = n == 1 ? lead.lo : 0x80;
    uint8_t hi = n == 1 ? lead.hi : 0xBF;
    if (c < lo || c > hi) break;
    ++n;
  }
  return n;
}

}  // namespace

size_t next(std::string_view s, size_t pos, char32_t* cp) {
  uint8_t b0 = static_cast<uint8_t>(s[pos]);
  if (b0 < 0x80) {
    if (cp) *cp = b0;
    return 1;
  }
  size_t full = 0;
  size_t n = valid_prefix(s, pos, &full);
  if (n == 0 || n < full) return 0;
  if (cp) {
    char32_t v = b0 & (0x7F >> full);
    for (size_t k = 1; k < full; ++k) v = (v << 6) | (static_cast<uint8_t>(s[pos + k]) & 0x3F);
    *cp = v;
  }
  return full;
}

size_t maximal_subpart(std::string_view s, size_t pos) {
  size_t full = 0;
  size_t n = valid_prefix(s, pos, &full);
  return n == 0 ? 1 : n;
}

bool is_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t w = 0;
      for (int k = 0; k < 8; ++k) w |= static_cast<uint64_t>(static_cast<uint8_t>(s[i + k])) << (8 * k);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    size_t n = next(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t n = next(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append(kReplacementChar);
      i += maximal_subpart(s, i);
    }
  }
  return out;
}

size_t complete_prefix(std::string_view s) {
  size_t len = s.size();
  for (size_t back = 1; back <= 3 && back <= len; ++back) {
    size_t pos = len - back;
    size_t full = 0;
    size_t n = valid_prefix(s, pos, &full);
    if (full > back && n == back) return pos;  // a truncated but so far valid sequence
    if (full != 0) break;                      // a lead byte: whatever precedes is complete
  }
  return len;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace primer::utf8
