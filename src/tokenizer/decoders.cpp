// Decoders (HF decode_chain semantics over a list of token strings). Strings here are byte
// strings: ByteLevel and ByteFallback produce raw bytes, which may be incomplete UTF-8 until the
// final join; decode() then replaces each maximal ill-formed subpart with U+FFFD once (which is
// what the JS reference's per-run TextDecoder produces).
#include <utility>

#include "tokenizer/byte_level.h"
#include "tokenizer/regex.h"
#include "tokenizer/tokenizer_impl.h"
#include "primer/utf8.h"

namespace primer::tok {
namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  explicit ByteLevelDecoder(std::vector<std::string> added) {
    for (std::string& a : added) added_.emplace(std::move(a), 0);
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string out;
    for (const std::string& t : tokens) {
      // Added tokens, and tokens outside the byte alphabet, are copied as is.
      if (added_.count(t) || !byte_level_to_bytes(t, out)) out += t;
    }
    tokens.assign(1, std::move(out));
  }

 private:
  PieceHashMap added_;  // used as a set
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Regex regex, std::string content, bool is_regex)
      : regex_(std::move(regex)), content_(std::move(content)), is_regex_(is_regex) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      // Regex matching needs valid UTF-8; raw bytes only appear when an earlier decoder
      // produced them.
      if (is_regex_ && !utf8::is_valid(t)) t = utf8::sanitize(t);
      t = regex_.replace_all(t, content_);
    }
  }

 private:
  Regex regex_;
  std::string content_;
  bool is_regex_;
};

// "<0xNN>" -> the byte NN, or -1.
int parse_byte_piece(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string bytes;
    bool in_run = false;
    for (std::string& t : tokens) {
      int b = parse_byte_piece(t);
      if (b >= 0) {
        bytes.push_back(static_cast<char>(b));
        in_run = true;
        continue;
      }
      if (in_run) {
        out.push_back(std::move(bytes));
        bytes.clear();
        in_run = false;
      }
      out.push_back(std::move(t));
    }
    if (in_run) out.push_back(std::move(bytes));
    tokens.swap(out);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    const size_t n = content_.size();
    for (std::string& t : tokens) {
      size_t begin = 0, end = t.size();
      for (size_t k = 0; k < start_ && end - begin >= n && t.compare(begin, n, content_) == 0; ++k) {
        begin += n;
      }
      for (size_t k = 0; k < stop_ && end - begin >= n && t.compare(end - n, n, content_) == 0; ++k) {
        end -= n;
      }
      t = t.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, PrependScheme scheme)
      : replacement_(std::move(replacement)), scheme_(scheme) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (replacement_.empty()) return;
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      std::string out;
      out.reserve(t.size());
      size_t pos = 0;
      while (pos < t.size()) {
        if (t.compare(pos, replacement_.size(), replacement_) == 0) {
          // The replacement that starts the first token was added by the pre-tokenizer.
          if (!(i == 0 && pos == 0 && scheme_ != PrependScheme::kNever)) out += ' ';
          pos += replacement_.size();
        } else {
          out += t[pos++];
        }
      }
      t.swap(out);
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder(std::vector<std::string> added_contents) {
  return std::make_unique<ByteLevelDecoder>(std::move(added_contents));
}

std::unique_ptr<Decoder> make_replace_decoder(std::string literal, std::string content) {
  return std::make_unique<ReplaceDecoder>(Regex::literal(literal), std::move(content), false);
}

Result<std::unique_ptr<Decoder>> make_replace_regex_decoder(std::string_view pcre2_pattern,
                                                            std::string content) {
  PRIMER_ASSIGN_OR_RETURN(Regex regex, Regex::compile(hf_regex_to_pcre2(pcre2_pattern)));
  return std::unique_ptr<Decoder>(
      std::make_unique<ReplaceDecoder>(std::move(regex), std::move(content), true));
}

std::unique_ptr<Decoder> make_byte_fallback_decoder() {
  return std::make_unique<ByteFallbackDecoder>();
}

std::unique_ptr<Decoder> make_fuse_decoder() { return std::make_unique<FuseDecoder>(); }

std::unique_ptr<Decoder> make_strip_decoder(std::string content, size_t start, size_t stop) {
  return std::make_unique<StripDecoder>(std::move(content), start, stop);
}

std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, PrependScheme scheme) {
  return std::make_unique<MetaspaceDecoder>(std::move(replacement), scheme);
}

std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> parts) {
  return std::make_unique<SequenceDecoder>(std::move(parts));
}

}  // namespace primer::tok
