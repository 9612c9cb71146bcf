#include "tokenizer/chat/utf8.h"

namespace primer::chat {

std::vector<char32_t> utf8_decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string utf8_encode(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) utf8::append(out, c);
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool py_isspace(char32_t c) {
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return true;
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool py_isprintable(char32_t c) {
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0xA0) return c < 0x80;  // C1 controls
  if (c == 0xA0 || c == 0xAD) return false;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x2064) ||
      (c >= 0x2066 && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || c == 0x061C || c == 0x180E ||
      (c >= 0xFFF9 && c <= 0xFFFB)) {
    return false;
  }
  if (c >= 0xD800 && c <= 0xF8FF) return false;    // surrogates, private use
  if (c >= 0xE0000 && c <= 0xE007F) return false;  // tags
  if (c >= 0xF0000) return false;                  // private use planes
  return true;
}

namespace {

// Simple upper-case mapping; returns c when it has none (see the header for coverage).
char32_t upper_of(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c == 0xB5) return 0x39C;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c - 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if (c >= 0x460 && c <= 0x481) return (c & 1) ? c - 1 : c;
  if (c >= 0x48A && c <= 0x4BF) return (c & 1) ? c - 1 : c;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
  if (c >= 0x1C4 && c <= 0x1CC) return c - (c - 0x1C4) % 3;  // DŽ Dž dž -> DŽ
  if (c >= 0x24D0 && c <= 0x24E9) return c - 26;             // circled letters
  if (c >= 0x561 && c <= 0x586) return c - 48;               // Armenian
  if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return (c & 1) ? c - 1 : c;
  return c;
}

char32_t lower_of(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return 'i';
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x460 && c <= 0x481) return (c & 1) ? c : c + 1;
  if (c >= 0x48A && c <= 0x4BF) return (c & 1) ? c : c + 1;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  if (c >= 0x1C4 && c <= 0x1CC) return c + (2 - (c - 0x1C4) % 3);  // DŽ Dž dž -> dž
  if (c >= 0x24B6 && c <= 0x24CF) return c + 26;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return (c & 1) ? c : c + 1;
  return c;
}

bool is_cased(char32_t c) { return upper_of(c) != c || lower_of(c) != c || c == 0xDF; }

template <class F>
std::string map_code_points(std::string_view s, F&& f) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) f(out, static_cast<char32_t>(static_cast<unsigned char>(c)));
    return out;
  }
  for (char32_t c : utf8_decode(s)) f(out, c);
  return out;
}

}  // namespace

void append_upper(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "SS";
    return;
  }
  if (c == 0x149) {
    utf8::append(out, 0x2BC);
    out.push_back('N');
    return;
  }
  utf8::append(out, upper_of(c));
}

void append_lower(std::string& out, char32_t c) {
  if (c == 0x130) {
    out.push_back('i');
    utf8::append(out, 0x307);
    return;
  }
  utf8::append(out, lower_of(c));
}

// Titlecase (str.title/capitalize use it for the first letter): differs from upper for 'ß' and
// the Latin digraphs.
void append_title(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "Ss";
    return;
  }
  if (c >= 0x1C4 && c <= 0x1CC) {
    utf8::append(out, 0x1C5 + 3 * ((c - 0x1C4) / 3));
    return;
  }
  append_upper(out, c);
}

bool py_isupper_char(char32_t c) { return lower_of(c) != c; }
bool py_islower_char(char32_t c) { return upper_of(c) != c || c == 0xDF; }
bool py_isalpha_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  // Outside ASCII: letters of the cased scripts above, plus CJK/Hiragana/Katakana/Hangul.
  return is_cased(c) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         c == 0xAA || c == 0xBA;
}
bool py_isdigit_char(char32_t c) { return c >= '0' && c <= '9'; }

std::string py_upper(std::string_view s) {
  return map_code_points(s, [](std::string& out, char32_t c) { append_upper(out, c); });
}

std::string py_lower(std::string_view s) {
  return map_code_points(s, [](std::string& out, char32_t c) { append_lower(out, c); });
}

std::string py_title(std::string_view s) {
  bool prev_cased = false;
  return map_code_points(s, [&](std::string& out, char32_t c) {
    const bool cased = is_cased(c);
    if (cased) {
      if (prev_cased)
        append_lower(out, c);
      else
        append_title(out, c);
    } else {
      utf8::append(out, c);
    }
    prev_cased = cased;
  });
}

std::string py_capitalize(std::string_view s) {
  bool first = true;
  return map_code_points(s, [&](std::string& out, char32_t c) {
    if (first)
      append_title(out, c);
    else
      append_lower(out, c);
    first = false;
  });
}

std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right) {
  auto strip_this = [&](char32_t c) {
    if (chars == nullptr) return py_isspace(c);
    if (c < 0x80) return chars->find(static_cast<char>(c)) != std::string::npos;
    std::string enc;
    utf8::append(enc, c);
    return chars->find(enc) != std::string::npos;
  };
  // Walk code points from each end without decoding the whole string.
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      size_t len = 1;
      const auto c0 = static_cast<unsigned char>(s[begin]);
      if (c0 >= 0x80) len = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : 2;
      const auto cps = utf8_decode(s.substr(begin, len));
      if (cps.empty() || !strip_this(cps[0])) break;
      begin += len;
    }
  }
  if (right) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
      const auto cps = utf8_decode(s.substr(start, end - start));
      if (cps.empty() || !strip_this(cps[0])) break;
      end = start;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

}  // namespace primer::chat
