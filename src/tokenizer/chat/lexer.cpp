#include "tokenizer/chat/lexer.h"

#include <cstdlib>

#include "tokenizer/chat/py_format.h"
#include "tokenizer/chat/utf8.h"

namespace primer::chat {

Error template_error(int line, const std::string& message) {
  return Error{"[template] line " + std::to_string(line) + ": " + message};
}

namespace {

// Operators, longest first (jinja2 sorts them by length so "**" wins over "*").
constexpr std::string_view kOperators[] = {
    "**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[",
    "]",  "(",  ")",  "{",  "}",  ">",  "<", "=", ".", ":", "|", ",", ";",
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string source) : src_(std::move(source)) {}

  Result<std::vector<Token>> run() {
    while (pos_ < src_.size()) {
      PRIMER_TRY(lex_root());
    }
    Token eof;
    eof.type = TokenType::kEof;
    eof.line = line_at(src_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  int line_at(size_t pos) {
    // Lines are counted incrementally: positions only move forward.
    while (line_pos_ < pos && line_pos_ < src_.size()) {
      if (src_[line_pos_] == '\n') ++line_;
      ++line_pos_;
    }
    return line_;
  }

  void emit(TokenType type, size_t at, std::string text = {}) {
    Token t;
    t.type = type;
    t.line = line_at(at);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  // Length of the Python-whitespace code point at `p`, or 0.
  size_t space_len(size_t p) const {
    const auto c = static_cast<unsigned char>(src_[p]);
    if (c < 0x80) return py_isspace(c) ? 1 : 0;
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (p + len > src_.size()) return 0;
    const auto cps = utf8_decode(std::string_view(src_).substr(p, len));
    return (!cps.empty() && py_isspace(cps[0])) ? len : 0;
  }

  size_t skip_spaces(size_t p) const {
    while (p < src_.size()) {
      const size_t n = space_len(p);
      if (n == 0) break;
      p += n;
    }
    return p;
  }

  bool starts_with(size_t p, std::string_view s) const {
    return src_.compare(p, s.size(), s) == 0 && p + s.size() <= src_.size();
  }

  // Emits the data before a tag, applying `{%-` stripping or lstrip_blocks.
  void emit_data(size_t begin, size_t end, char sign, bool lstrip_allowed) {
    std::string_view text(src_.data() + begin, end - begin);
    if (sign == '-') {
      text = rstrip_view(text);
    } else if (sign != '+' && lstrip_allowed) {
      const size_t nl = text.rfind('\n');
      const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && l_pos < text.size() && skip_spaces(begin + l_pos) == end) {
        text = text.substr(0, l_pos);
      }
    }
    if (!text.empty()) emit(TokenType::kData, begin, std::string(text));
  }

  std::string_view rstrip_view(std::string_view text) const {
    size_t end = text.size();
    while (end > 0) {
      size_t start = end - 1;
      while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      const auto cps = utf8_decode(text.substr(start, end - start));
      if (cps.empty() || !py_isspace(cps[0])) break;
      end = start;
    }
    return text.substr(0, end);
  }

  // If a `{% raw %}` opener starts at `p`, returns the position after it, else npos.
  size_t match_raw_begin(size_t p) const {
    size_t q = p + 2;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ++q;
    q = skip_spaces(q);
    if (!starts_with(q, "raw")) return std::string::npos;
    q = skip_spaces(q + 3);
    if (starts_with(q, "-%}")) return skip_spaces(q + 3);
    if (starts_with(q, "%}")) return q + 2;
    return std::string::npos;
  }

  Status lex_root() {
    // Find the next tag opener.
    size_t p = pos_;
    char kind = 0;
    while (true) {
      p = src_.find('{', p);
      if (p == std::string::npos || p + 1 >= src_.size()) break;
      const char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') {
        kind = c;
        break;
      }
      ++p;
    }
    if (kind == 0) {
      emit(TokenType::kData, pos_, src_.substr(pos_));
      pos_ = src_.size();
      return ok_status();
    }
    char sign = 0;
    if (p + 2 < src_.size() && (src_[p + 2] == '-' || src_[p + 2] == '+')) sign = src_[p + 2];
    const size_t raw_end = kind == '%' ? match_raw_begin(p) : std::string::npos;
    emit_data(pos_, p, sign, kind != '{');
    pos_ = p + 2 + (sign ? 1 : 0);
    line_starting_ = false;
    if (raw_end != std::string::npos) return lex_raw(raw_end, p);
    if (kind == '#') return lex_comment(p);
    emit(kind == '{' ? TokenType::kVariableBegin : TokenType::kBlockBegin, p);
    return lex_tag(kind == '{');
  }

  Status lex_comment(size_t open) {
    for (size_t q = pos_; q + 1 < src_.size(); ++q) {
      if (src_[q] == '#' && src_[q + 1] == '}') {
        size_t end = q + 2;
        if (q > pos_ && src_[q - 1] == '-') {
          end = skip_spaces(end);
        } else if (q > pos_ && src_[q - 1] == '+') {
          // keep what follows
        } else if (end < src_.size() && src_[end] == '\n') {
          ++end;
        }
        line_starting_ = src_[end - 1] == '\n';
        pos_ = end;
        return ok_status();
      }
    }
    return template_error(line_at(open), "Missing end of comment tag");
  }

  Status lex_raw(size_t body_begin, size_t open) {
    for (size_t q = src_.find("{%", body_begin); q != std::string::npos; q = src_.find("{%", q + 1)) {
      size_t r = q + 2;
      char sign = 0;
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) sign = src_[r++];
      r = skip_spaces(r);
      if (!starts_with(r, "endraw")) continue;
      r = skip_spaces(r + 6);
      size_t end;
      if (starts_with(r, "+%}")) {
        end = r + 3;
      } else if (starts_with(r, "-%}")) {
        end = skip_spaces(r + 3);
      } else if (starts_with(r, "%}")) {
        end = r + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      // lstrip looks at whether the raw opener's match ended a line (`-%}` eats newlines).
      line_starting_ = body_begin > 0 && src_[body_begin - 1] == '\n';
      emit_data(body_begin, q, sign, true);
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      return ok_status();
    }
    return template_error(line_at(open), "Missing end of raw directive");
  }

  // Tokens inside `{{ }}` or `{% %}` up to the closing delimiter.
  Status lex_tag(bool variable) {
    std::vector<char> balance;
    while (pos_ < src_.size()) {
      if (balance.empty()) {
        size_t end = std::string::npos;
        if (variable) {
          if (starts_with(pos_, "-}}"))
            end = skip_spaces(pos_ + 3);
          else if (starts_with(pos_, "}}"))
            end = pos_ + 2;
        } else {
          if (starts_with(pos_, "+%}")) {
            end = pos_ + 3;
          } else if (starts_with(pos_, "-%}")) {
            end = skip_spaces(pos_ + 3);
          } else if (starts_with(pos_, "%}")) {
            end = pos_ + 2;
            if (end < src_.size() && src_[end] == '\n') ++end;
          }
        }
        if (end != std::string::npos) {
          emit(variable ? TokenType::kVariableEnd : TokenType::kBlockEnd, pos_);
          line_starting_ = src_[end - 1] == '\n';
          pos_ = end;
          return ok_status();
        }
      }
      const size_t ws = skip_spaces(pos_);
      if (ws != pos_) {
        pos_ = ws;
        continue;
      }
      const char c = src_[pos_];
      if (is_digit(c)) {
        PRIMER_TRY(lex_number());
        continue;
      }
      if (is_name_char(c)) {
        size_t q = pos_;
        while (q < src_.size() && is_name_char(src_[q])) ++q;
        emit(TokenType::kName, pos_, src_.substr(pos_, q - pos_));
        pos_ = q;
        continue;
      }
      if (c == '\'' || c == '"') {
        PRIMER_ASSIGN_OR_RETURN(bool matched, lex_string());
        if (matched) continue;
      }
      bool matched_op = false;
      for (std::string_view op : kOperators) {
        if (!starts_with(pos_, op)) continue;
        matched_op = true;
        if (op == "(" || op == "[" || op == "{") {
          balance.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        } else if (op == ")" || op == "]" || op == "}") {
          if (balance.empty()) return template_error(line_at(pos_), "unexpected '" + std::string(op) + "'");
          const char expected = balance.back();
          balance.pop_back();
          if (expected != op[0]) {
            return template_error(line_at(pos_),
                                  "unexpected '" + std::string(op) + "', expected '" + std::string(1, expected) + "'");
          }
        }
        emit(TokenType::kOperator, pos_, std::string(op));
        pos_ += op.size();
        break;
      }
      if (matched_op) continue;
      std::string shown;
      const auto uc = static_cast<unsigned char>(c);
      if (uc >= 0x80) {
        const size_t len = uc >= 0xF0 ? 4 : uc >= 0xE0 ? 3 : 2;
        shown = src_.substr(pos_, len);
      } else {
        shown = std::string(1, c);
      }
      std::string quoted;
      py_repr_string(quoted, shown);
      return template_error(line_at(pos_), "unexpected char " + quoted);
    }
    return ok_status();  // end of source inside a tag: the parser reports it
  }

  // Digits with single underscores between them ("1_000"); returns the end or npos.
  size_t scan_digits(size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return std::string::npos;
    while (p < src_.size()) {
      if (is_digit(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])) {
        ++p;
      } else {
        break;
      }
    }
    return p;
  }

  size_t scan_exponent(size_t p) const {
    if (p >= src_.size() || (src_[p] != 'e' && src_[p] != 'E')) return std::string::npos;
    ++p;
    if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
    return scan_digits(p);
  }

  Status lex_number() {
    const size_t start = pos_;
    // Floats first (jinja2 tries its float rule before the integer rule), never right after '.'.
    if (start == 0 || src_[start - 1] != '.') {
      const size_t int_end = scan_digits(start);
      size_t frac_end = std::string::npos;
      if (int_end < src_.size() && src_[int_end] == '.') frac_end = scan_digits(int_end + 1);
      size_t end = std::string::npos;
      if (frac_end != std::string::npos) {
        end = scan_exponent(frac_end);
        if (end == std::string::npos) end = frac_end;
      } else {
        end = scan_exponent(int_end);
      }
      if (end != std::string::npos) {
        std::string digits;
        for (size_t i = start; i < end; ++i) {
          if (src_[i] != '_') digits.push_back(src_[i]);
        }
        emit(TokenType::kFloat, start, src_.substr(start, end - start));
        tokens_.back().float_value = std::strtod(digits.c_str(), nullptr);
        pos_ = end;
        return ok_status();
      }
    }
    // Integers: 0b/0o/0x prefixes, [1-9] digits, or zeros.
    int base = 10;
    size_t p = start;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char x = static_cast<char>(src_[p + 1] | 0x20);
      if (x == 'b' || x == 'o' || x == 'x') {
        base = x == 'b' ? 2 : x == 'o' ? 8 : 16;
        auto ok_digit = [&](char d) {
          if (base == 2) return d == '0' || d == '1';
          if (base == 8) return d >= '0' && d <= '7';
          return is_digit(d) || ((d | 0x20) >= 'a' && (d | 0x20) <= 'f');
        };
        size_t q = p + 2;
        size_t last_good = std::string::npos;
        while (q < src_.size()) {
          if (src_[q] == '_' && q + 1 < src_.size() && ok_digit(src_[q + 1])) {
            q += 2;
          } else if (ok_digit(src_[q])) {
            ++q;
          } else {
            break;
          }
          last_good = q;
        }
        if (last_good == std::string::npos)
          base = 10;  // "0x" alone: the integer is "0"
        else
          p = last_good;
      }
    }
    size_t end;
    if (base != 10) {
      end = p;
    } else if (src_[start] == '0') {
      end = start + 1;
      while (end < src_.size()) {
        if (src_[end] == '0')
          ++end;
        else if (src_[end] == '_' && end + 1 < src_.size() && src_[end + 1] == '0')
          end += 2;
        else
          break;
      }
    } else {
      end = scan_digits(start);
    }
    std::string digits;
    for (size_t i = start + (base != 10 ? 2 : 0); i < end; ++i) {
      if (src_[i] != '_') digits.push_back(src_[i]);
    }
    errno = 0;
    char* stop = nullptr;
    const unsigned long long v = std::strtoull(digits.c_str(), &stop, base);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
      return template_error(line_at(start), "integer literal " + src_.substr(start, end - start) +
                                                " is too large (64-bit integers only)");
    }
    emit(TokenType::kInteger, start, src_.substr(start, end - start));
    tokens_.back().int_value = static_cast<int64_t>(v);
    pos_ = end;
    return ok_status();
  }

  static int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    c = static_cast<char>(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }

  // A quoted string literal with Python escapes. Returns false when the quote is unterminated
  // (the caller then reports the quote as an unexpected char, as jinja2 does).
  Result<bool> lex_string() {
    const char quote = src_[pos_];
    size_t q = pos_ + 1;
    while (q < src_.size() && src_[q] != quote) {
      if (src_[q] == '\\') ++q;
      ++q;
    }
    if (q >= src_.size()) return false;
    const int line = line_at(pos_);
    std::string out;
    for (size_t i = pos_ + 1; i < q; ++i) {
      const char c = src_[i];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      const char e = src_[++i];
      switch (e) {
        case '\n':
          break;  // line continuation
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case 'x':
        case 'u':
        case 'U': {
          const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          char32_t cp = 0;
          for (int k = 1; k <= n; ++k) {
            const int h = i + k < q ? hex_value(src_[i + k]) : -1;
            if (h < 0) {
              return template_error(line, std::string("truncated \\") + e + "XXXX escape in a string literal");
            }
            cp = cp * 16 + static_cast<char32_t>(h);
          }
          if (cp > 0x10FFFF) return template_error(line, "illegal Unicode character in a string literal");
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            return template_error(line, "surrogate code points in string literals are not supported");
          }
          utf8::append(out, cp);
          i += static_cast<size_t>(n);
          break;
        }
        case 'N':
          return template_error(line, "\\N{...} escapes in string literals are not supported");
        default:
          if (e >= '0' && e <= '7') {
            char32_t cp = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && i + 1 < q && src_[i + 1] >= '0' && src_[i + 1] <= '7'; ++k) {
              cp = cp * 8 + static_cast<char32_t>(src_[++i] - '0');
            }
            utf8::append(out, cp);
          } else if (static_cast<unsigned char>(e) >= 0x80) {
            return template_error(line,
                                  "a backslash before a non-ASCII character in a string literal is not supported");
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    emit(TokenType::kString, pos_, std::move(out));
    pos_ = q + 1;
    return true;
  }

  std::string src_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
  int line_ = 1;
  size_t line_pos_ = 0;
};

std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) {
  if (!utf8::is_valid(source)) return Error{"[template] the template source is not valid UTF-8"};
  Lexer lexer(normalize_newlines(source));
  return lexer.run();
}

}  // namespace primer::chat
