// Normalizers (HF semantics; see tokenizer_impl.h). Unicode forms and lowercasing use ICU's
// UTF-8 APIs directly; ASCII-only text skips ICU (no normal form or root-locale lowercase maps
// ASCII outside ASCII).
#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include <utility>

#include "tokenizer/regex.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"
#include "primer/utf8.h"

namespace primer::tok {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(const icu::Normalizer2* n2) : n2_(n2) {}
  void normalize(std::string& text) const override {
    if (is_ascii(text)) return;
    UErrorCode status = U_ZERO_ERROR;
    icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
    if (n2_->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return;
    std::string out;
    out.reserve(text.size() + 16);
    icu::StringByteSink<std::string> sink(&out);
    status = U_ZERO_ERROR;
    n2_->normalizeUTF8(0, piece, sink, nullptr, status);
    if (U_SUCCESS(status)) text.swap(out);  // on failure (not reachable for valid UTF-8) keep input
  }

 private:
  const icu::Normalizer2* n2_;  // ICU-owned singleton, thread-safe
};

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    if (is_ascii(text)) {
      for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
      return;
    }
    std::string out;
    out.reserve(text.size() + 8);
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode status = U_ZERO_ERROR;
    icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                              sink, nullptr, status);
    if (U_SUCCESS(status)) text.swap(out);
  }
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(Regex regex, std::string content)
      : regex_(std::move(regex)), content_(std::move(content)) {}
  void normalize(std::string& text) const override { text = regex_.replace_all(text, content_); }

 private:
  Regex regex_;
  std::string content_;
};

class StripNormalizer final : public Normalizer {
 public:
  explicit StripNormalizer(StripSide side) : side_(side) {}
  void normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (side_ != StripSide::kRight) {
      char32_t cp = 0;
      size_t n = 0;
      while (begin < end && (n = utf8::next(text, begin, &cp)) > 0 && is_whitespace(cp)) begin += n;
    }
    if (side_ != StripSide::kLeft) {
      while (end > begin) {
        size_t p = end - 1;
        while (p > begin && (static_cast<uint8_t>(text[p]) & 0xC0) == 0x80) --p;
        char32_t cp = 0;
        if (utf8::next(text, p, &cp) == 0 || !is_whitespace(cp)) break;
        end = p;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  StripSide side_;
};

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    if (is_ascii(text)) return;
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
      char32_t cp = 0;
      size_t n = utf8::next(text, i, &cp);
      if (n == 0) n = 1;
      if (u_charType(static_cast<UChar32>(cp)) != U_NON_SPACING_MARK) out.append(text, i, n);
      i += n;
    }
    text.swap(out);
  }
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
      : parts_(std::move(parts)) {}
  void normalize(std::string& text) const override {
    for (const auto& p : parts_) p->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> make_unicode_normalizer(UnicodeForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n2 = nullptr;
  switch (form) {
    case UnicodeForm::kNfc: n2 = icu::Normalizer2::getNFCInstance(status); break;
    case UnicodeForm::kNfd: n2 = icu::Normalizer2::getNFDInstance(status); break;
    case UnicodeForm::kNfkc: n2 = icu::Normalizer2::getNFKCInstance(status); break;
    case UnicodeForm::kNfkd: n2 = icu::Normalizer2::getNFKDInstance(status); break;
  }
  if (U_FAILURE(status) || !n2) {
    return make_error("[normalizer] ICU normalizer unavailable: %s", u_errorName(status));
  }
  return std::unique_ptr<Normalizer>(std::make_unique<UnicodeNormalizer>(n2));
}

std::unique_ptr<Normalizer> make_lowercase_normalizer() {
  return std::make_unique<LowercaseNormalizer>();
}

std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix) {
  return std::make_unique<PrependNormalizer>(std::move(prefix));
}

std::unique_ptr<Normalizer> make_replace_normalizer(std::string literal, std::string content) {
  return std::make_unique<ReplaceNormalizer>(Regex::literal(literal), std::move(content));
}

Result<std::unique_ptr<Normalizer>> make_replace_regex_normalizer(std::string_view pcre2_pattern,
                                                                  std::string content) {
  PRIMER_ASSIGN_OR_RETURN(Regex regex, Regex::compile(hf_regex_to_pcre2(pcre2_pattern)));
  return std::unique_ptr<Normalizer>(
      std::make_unique<ReplaceNormalizer>(std::move(regex), std::move(content)));
}

std::unique_ptr<Normalizer> make_strip_normalizer(StripSide side) {
  return std::make_unique<StripNormalizer>(side);
}

std::unique_ptr<Normalizer> make_strip_accents_normalizer() {
  return std::make_unique<StripAccentsNormalizer>();
}

std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> parts) {
  return std::make_unique<SequenceNormalizer>(std::move(parts));
}

}  // namespace primer::tok
