// Pre-tokenizers (HF semantics; see tokenizer_impl.h for the contract).
#include <optional>
#include <utility>

#include "tokenizer/byte_level.h"
#include "tokenizer/regex.h"
#include "tokenizer/split.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"
#include "primer/utf8.h"

namespace primer::tok {

const char* const kGpt2SplitPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(Regex regex, SplitBehavior behavior, SplitInvert invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::string_view text, bool, PieceSink emit) const override {
    SplitStream split(text, behavior_, invert_, emit);
    regex_.for_each_match(text, [&](size_t b, size_t e) { split.match(b, e); });
    split.finish();
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  SplitInvert invert_;
};

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(AddPrefixSpace prefix, std::optional<Regex> regex)
      : prefix_(prefix), regex_(std::move(regex)) {}
  void pre_tokenize(std::string_view text, bool, PieceSink emit) const override {
    std::string with_space;
    if (prefix_ == AddPrefixSpace::kYes && (text.empty() || text[0] != ' ')) {
      with_space.reserve(text.size() + 1);
      with_space.push_back(' ');
      with_space.append(text.data(), text.size());
      text = with_space;
    }
    std::string mapped;  // reused for every piece
    auto map_and_emit = [&](std::string_view bytes) {
      mapped.clear();
      append_byte_level(bytes, mapped);
      emit(mapped);
    };
    if (!regex_) {
      if (!text.empty()) map_and_emit(text);
      return;
    }
    SplitStream split(text, SplitBehavior::kIsolated, SplitInvert::kNo, map_and_emit);
    regex_->for_each_match(text, [&](size_t b, size_t e) { split.match(b, e); });
    split.finish();
  }

 private:
  AddPrefixSpace prefix_;
  std::optional<Regex> regex_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, MetaspaceSplit split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::string_view piece, bool at_text_start, PieceSink emit) const override {
    std::string text;
    text.reserve(piece.size() + replacement_.size());
    for (char c : piece) {
      if (c == ' ') text += replacement_;
      else text += c;
    }
    bool starts = text.compare(0, replacement_.size(), replacement_) == 0;
    bool prepend = !starts && (scheme_ == PrependScheme::kAlways ||
                               (scheme_ == PrependScheme::kFirst && at_text_start));
    if (prepend) text.insert(0, replacement_);
    if (split_ == MetaspaceSplit::kNo || replacement_.empty()) {
      if (!text.empty()) emit(text);
      return;
    }
    SplitStream split(text, SplitBehavior::kMergedWithNext, SplitInvert::kNo, emit);
    for (size_t pos = text.find(replacement_); pos != std::string::npos;
         pos = text.find(replacement_, pos + replacement_.size())) {
      split.match(pos, pos + replacement_.size());
    }
    split.finish();
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  MetaspaceSplit split_;
};

// Digits, Punctuation and WhitespaceSplit cut at characters for which a predicate holds (one
// match per character; the behaviour merges them).
using CharPredicate = bool (*)(char32_t);

class CharClassPreTokenizer final : public PreTokenizer {
 public:
  CharClassPreTokenizer(CharPredicate pred, SplitBehavior behavior)
      : pred_(pred), behavior_(behavior) {}
  void pre_tokenize(std::string_view text, bool, PieceSink emit) const override {
    SplitStream split(text, behavior_, SplitInvert::kNo, emit);
    size_t i = 0;
    while (i < text.size()) {
      char32_t cp = 0;
      size_t n = utf8::next(text, i, &cp);
      if (n == 0) {
        n = 1;
      } else if (pred_(cp)) {
        split.match(i, i + n);
      }
      i += n;
    }
    split.finish();
  }

 private:
  CharPredicate pred_;
  SplitBehavior behavior_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
      : parts_(std::move(parts)) {}
  void pre_tokenize(std::string_view text, bool at_text_start, PieceSink emit) const override {
    run(0, text, at_text_start, emit);
  }

 private:
  void run(size_t k, std::string_view text, bool at_text_start, PieceSink emit) const {
    if (k == parts_.size()) {
      emit(text);
      return;
    }
    bool first = true;
    parts_[k]->pre_tokenize(text, at_text_start, [&](std::string_view piece) {
      run(k + 1, piece, at_text_start && first, emit);
      first = false;
    });
  }
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

Pieces pre_tokenize_to_vector(const PreTokenizer& pre, std::string_view text, bool at_text_start) {
  Pieces out;
  pre.pre_tokenize(text, at_text_start, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}

Result<std::unique_ptr<PreTokenizer>> make_split_regex(std::string_view pcre2_pattern,
                                                       SplitBehavior behavior, SplitInvert invert) {
  PRIMER_ASSIGN_OR_RETURN(Regex regex, Regex::compile(hf_regex_to_pcre2(pcre2_pattern)));
  return std::unique_ptr<PreTokenizer>(
      std::make_unique<SplitPreTokenizer>(std::move(regex), behavior, invert));
}

std::unique_ptr<PreTokenizer> make_split_string(std::string literal, SplitBehavior behavior,
                                                SplitInvert invert) {
  return std::make_unique<SplitPreTokenizer>(Regex::literal(literal), behavior, invert);
}

Result<std::unique_ptr<PreTokenizer>> make_byte_level_pre_tokenizer(AddPrefixSpace prefix,
                                                                    UseRegex use_regex) {
  std::optional<Regex> regex;
  if (use_regex == UseRegex::kYes) {
    PRIMER_ASSIGN_OR_RETURN(Regex r, Regex::compile(hf_regex_to_pcre2(kGpt2SplitPattern)));
    regex = std::move(r);
  }
  return std::unique_ptr<PreTokenizer>(
      std::make_unique<ByteLevelPreTokenizer>(prefix, std::move(regex)));
}

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme scheme,
                                                           MetaspaceSplit split) {
  return std::make_unique<MetaspacePreTokenizer>(std::move(replacement), scheme, split);
}

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(DigitsMode mode) {
  return std::make_unique<CharClassPreTokenizer>(
      is_numeric, mode == DigitsMode::kIndividual ? SplitBehavior::kIsolated
                                                  : SplitBehavior::kContiguous);
}

Result<std::unique_ptr<PreTokenizer>> make_whitespace_pre_tokenizer() {
  PRIMER_ASSIGN_OR_RETURN(Regex regex, Regex::compile(hf_regex_to_pcre2("\\w+|[^\\w\\s]+")));
  return std::unique_ptr<PreTokenizer>(std::make_unique<SplitPreTokenizer>(
      std::move(regex), SplitBehavior::kRemoved, SplitInvert::kYes));
}

std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<CharClassPreTokenizer>(is_whitespace, SplitBehavior::kRemoved);
}

std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior) {
  return std::make_unique<CharClassPreTokenizer>(is_punctuation, behavior);
}

std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> parts) {
  return std::make_unique<SequencePreTokenizer>(std::move(parts));
}

}  // namespace primer::tok
