#include "tokenizer/byte_level.h"

#include <array>

namespace primer::tok {
namespace {

constexpr bool is_self_mapped(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<char32_t, 256> to_cp{};
  std::array<int16_t, 512> from_cp{};  // code points < 512 -> byte, -1 when not in the alphabet
  std::array<std::array<char, 2>, 256> utf8{};
  std::array<uint8_t, 256> utf8_len{};
};

constexpr Tables make_tables() {
  Tables t;
  for (auto& v : t.from_cp) v = -1;
  unsigned next = 0;
  for (unsigned b = 0; b < 256; ++b) {
    char32_t cp = is_self_mapped(b) ? b : 256 + next++;
    t.to_cp[b] = cp;
    t.from_cp[cp] = static_cast<int16_t>(b);
    if (cp < 0x80) {
      t.utf8[b] = {static_cast<char>(cp), 0};
      t.utf8_len[b] = 1;
    } else {  // all code points are < 0x800: two bytes
      t.utf8[b] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      t.utf8_len[b] = 2;
    }
  }
  return t;
}

constexpr Tables kTables = make_tables();
static_assert(kTables.to_cp[' '] == 0x120);
static_assert(kTables.to_cp['\n'] == 0x10A);

}  // namespace

char32_t byte_to_codepoint(uint8_t b) { return kTables.to_cp[b]; }

std::optional<uint8_t> codepoint_to_byte(char32_t cp) {
  if (cp >= kTables.from_cp.size() || kTables.from_cp[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(kTables.from_cp[cp]);
}

std::string_view byte_to_utf8(uint8_t b) {
  return std::string_view(kTables.utf8[b].data(), kTables.utf8_len[b]);
}

void append_byte_level(std::string_view bytes, std::string& out) {
  size_t old = out.size();
  out.resize(old + bytes.size() * 2);  // at most 2 UTF-8 bytes per input byte
  char* p = out.data() + old;
  for (char c : bytes) {
    uint8_t b = static_cast<uint8_t>(c);
    p[0] = kTables.utf8[b][0];
    p[1] = kTables.utf8[b][1];
    p += kTables.utf8_len[b];
  }
  out.resize(static_cast<size_t>(p - out.data()));
}

bool byte_level_to_bytes(std::string_view text, std::string& out) {
  size_t start = out.size();
  size_t i = 0;
  while (i < text.size()) {
    uint8_t c0 = static_cast<uint8_t>(text[i]);
    char32_t cp;
    if (c0 < 0x80) {
      cp = c0;
      i += 1;
    } else if (c0 >= 0xC2 && c0 < 0xE0 && i + 1 < text.size() &&
               (static_cast<uint8_t>(text[i + 1]) & 0xC0) == 0x80) {
      cp = (static_cast<char32_t>(c0 & 0x1F) << 6) | (static_cast<uint8_t>(text[i + 1]) & 0x3F);
      i += 2;
    } else {
      out.resize(start);
      return false;
    }
    auto b = codepoint_to_byte(cp);
    if (!b) {
      out.resize(start);
      return false;
    }
    out.push_back(static_cast<char>(*b));
  }
  return true;
}

}  // namespace primer::tok
