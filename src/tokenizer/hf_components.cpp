// tokenizer.json components: normalizer, pre_tokenizer, post_processor, decoder. Each unknown
// or unsupported type is an Error naming its path; field types are checked.
#include "tokenizer/hf_json.h"

namespace primer::tok::hf {
namespace {

// A Split/Replace "pattern": {"String": "..."} or {"Regex": "..."}.
struct Pattern {
  std::string text;
  bool is_regex = false;
};

Result<Pattern> parse_pattern(const Json& obj, const Where& at) {
  Where pat = at.field("pattern");
  const Json* p = find(obj, "pattern");
  if (!p) return pat.error("missing (expected {\"String\": ...} or {\"Regex\": ...})");
  if (const Json* s = find(*p, "String")) {
    if (!s->is_string()) return pat.field("String").error("expected a string");
    return Pattern{s->get<std::string>(), false};
  }
  if (const Json* r = find(*p, "Regex")) {
    if (!r->is_string()) return pat.field("Regex").error("expected a string");
    return Pattern{r->get<std::string>(), true};
  }
  return pat.error("expected {\"String\": ...} or {\"Regex\": ...}");
}

Result<SplitBehavior> parse_behavior(const Json& obj, const Where& at, SplitBehavior fallback) {
  PRIMER_ASSIGN_OR_RETURN(std::string b, opt_string(obj, "behavior", at, ""));
  if (b.empty()) return fallback;
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  return at.field("behavior").error("'" + b + "' is not a split behavior");
}

// Metaspace's prepend scheme: "prepend_scheme", or the legacy "add_prefix_space" boolean.
Result<PrependScheme> parse_prepend_scheme(const Json& obj, const Where& at) {
  PRIMER_ASSIGN_OR_RETURN(std::string s, opt_string(obj, "prepend_scheme", at, ""));
  if (s.empty()) {
    PRIMER_ASSIGN_OR_RETURN(bool add, opt_bool(obj, "add_prefix_space", at, true));
    return add ? PrependScheme::kAlways : PrependScheme::kNever;
  }
  if (s == "always") return PrependScheme::kAlways;
  if (s == "first") return PrependScheme::kFirst;
  if (s == "never") return PrependScheme::kNever;
  return at.field("prepend_scheme").error("'" + s + "' is not always, first or never");
}

// Iterates a component list ("normalizers", "pretokenizers", ...).
template <class T, class Parse>
Result<std::vector<std::unique_ptr<T>>> parse_list(const Json& obj, std::string_view key,
                                                   const Where& at, Parse parse) {
  PRIMER_ASSIGN_OR_RETURN(const Json* list, req_array(obj, key, at));
  std::vector<std::unique_ptr<T>> parts;
  Where base = at.field(key);
  for (size_t i = 0; i < list->size(); ++i) {
    PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<T> part, parse((*list)[i], base.index(i)));
    if (part) parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace

Result<std::unique_ptr<Normalizer>> parse_normalizer(const Json& j, const Where& at) {
  if (j.is_null()) return std::unique_ptr<Normalizer>();
  PRIMER_ASSIGN_OR_RETURN(std::string type, component_type(j, at));
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::kNfc);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::kNfd);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::kNfkc);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::kNfkd);
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "StripAccents") return make_strip_accents_normalizer();
  if (type == "Prepend") {
    PRIMER_ASSIGN_OR_RETURN(std::string prepend, req_string(j, "prepend", at));
    return make_prepend_normalizer(std::move(prepend));
  }
  if (type == "Replace") {
    PRIMER_ASSIGN_OR_RETURN(Pattern p, parse_pattern(j, at));
    PRIMER_ASSIGN_OR_RETURN(std::string content, req_string(j, "content", at));
    if (p.is_regex) {
      auto r = make_replace_regex_normalizer(p.text, std::move(content));
      if (!r.ok()) return r.error().wrap("[" + std::string(at.file) + "] " + at.path + ".pattern");
      return r;
    }
    return make_replace_normalizer(std::move(p.text), std::move(content));
  }
  if (type == "Strip") {
    PRIMER_ASSIGN_OR_RETURN(bool left, opt_bool(j, "strip_left", at, true));
    PRIMER_ASSIGN_OR_RETURN(bool right, opt_bool(j, "strip_right", at, true));
    if (!left && !right) return std::unique_ptr<Normalizer>();
    return make_strip_normalizer(left && right ? StripSide::kBoth
                                 : left        ? StripSide::kLeft
                                               : StripSide::kRight);
  }
  if (type == "Sequence") {
    PRIMER_ASSIGN_OR_RETURN(auto parts, parse_list<Normalizer>(j, "normalizers", at, parse_normalizer));
    return make_sequence_normalizer(std::move(parts));
  }
  return unsupported_type(at, type);
}

Result<std::unique_ptr<PreTokenizer>> parse_pre_tokenizer(const Json& j, const Where& at) {
  if (j.is_null()) return std::unique_ptr<PreTokenizer>();
  PRIMER_ASSIGN_OR_RETURN(std::string type, component_type(j, at));
  if (type == "Split") {
    PRIMER_ASSIGN_OR_RETURN(Pattern p, parse_pattern(j, at));
    PRIMER_ASSIGN_OR_RETURN(SplitBehavior behavior, parse_behavior(j, at, SplitBehavior::kIsolated));
    PRIMER_ASSIGN_OR_RETURN(bool invert, opt_bool(j, "invert", at, false));
    SplitInvert inv = invert ? SplitInvert::kYes : SplitInvert::kNo;
    if (!p.is_regex) return make_split_string(std::move(p.text), behavior, inv);
    auto r = make_split_regex(p.text, behavior, inv);
    if (!r.ok()) return r.error().wrap("[" + std::string(at.file) + "] " + at.path + ".pattern");
    return r;
  }
  if (type == "ByteLevel") {
    PRIMER_ASSIGN_OR_RETURN(bool prefix, opt_bool(j, "add_prefix_space", at, true));
    PRIMER_ASSIGN_OR_RETURN(bool use_regex, opt_bool(j, "use_regex", at, true));
    PRIMER_ASSIGN_OR_RETURN(bool trim, opt_bool(j, "trim_offsets", at, true));
    (void)trim;  // offsets only; ids are unaffected
    return make_byte_level_pre_tokenizer(prefix ? AddPrefixSpace::kYes : AddPrefixSpace::kNo,
                                         use_regex ? UseRegex::kYes : UseRegex::kNo);
  }
  if (type == "Metaspace") {
    PRIMER_ASSIGN_OR_RETURN(std::string replacement, opt_string(j, "replacement", at, "\u2581"));
    PRIMER_ASSIGN_OR_RETURN(PrependScheme scheme, parse_prepend_scheme(j, at));
    PRIMER_ASSIGN_OR_RETURN(bool split, opt_bool(j, "split", at, true));
    return make_metaspace_pre_tokenizer(std::move(replacement), scheme,
                                        split ? MetaspaceSplit::kYes : MetaspaceSplit::kNo);
  }
  if (type == "Digits") {
    PRIMER_ASSIGN_OR_RETURN(bool individual, opt_bool(j, "individual_digits", at, false));
    return make_digits_pre_tokenizer(individual ? DigitsMode::kIndividual : DigitsMode::kContiguous);
  }
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Punctuation") {
    PRIMER_ASSIGN_OR_RETURN(SplitBehavior behavior, parse_behavior(j, at, SplitBehavior::kIsolated));
    return make_punctuation_pre_tokenizer(behavior);
  }
  if (type == "Sequence") {
    PRIMER_ASSIGN_OR_RETURN(auto parts,
                            parse_list<PreTokenizer>(j, "pretokenizers", at, parse_pre_tokenizer));
    return make_sequence_pre_tokenizer(std::move(parts));
  }
  return unsupported_type(at, type);
}

Result<std::unique_ptr<Decoder>> parse_decoder(const Json& j, const Where& at,
                                               const std::vector<std::string>& added_contents) {
  if (j.is_null()) return std::unique_ptr<Decoder>();
  PRIMER_ASSIGN_OR_RETURN(std::string type, component_type(j, at));
  if (type == "ByteLevel") return make_byte_level_decoder(added_contents);
  if (type == "ByteFallback") return make_byte_fallback_decoder();
  if (type == "Fuse") return make_fuse_decoder();
  if (type == "Replace") {
    PRIMER_ASSIGN_OR_RETURN(Pattern p, parse_pattern(j, at));
    PRIMER_ASSIGN_OR_RETURN(std::string content, req_string(j, "content", at));
    if (p.is_regex) {
      auto r = make_replace_regex_decoder(p.text, std::move(content));
      if (!r.ok()) return r.error().wrap("[" + std::string(at.file) + "] " + at.path + ".pattern");
      return r;
    }
    return make_replace_decoder(std::move(p.text), std::move(content));
  }
  if (type == "Strip") {
    PRIMER_ASSIGN_OR_RETURN(std::string content, req_string(j, "content", at));
    PRIMER_ASSIGN_OR_RETURN(int64_t start, opt_int(j, "start", at, 0));
    PRIMER_ASSIGN_OR_RETURN(int64_t stop, opt_int(j, "stop", at, 0));
    if (start < 0 || stop < 0 || start > (1 << 20) || stop > (1 << 20)) {
      return at.error("start/stop must be small non-negative integers");
    }
    return make_strip_decoder(std::move(content), static_cast<size_t>(start),
                              static_cast<size_t>(stop));
  }
  if (type == "Metaspace") {
    PRIMER_ASSIGN_OR_RETURN(std::string replacement, opt_string(j, "replacement", at, "\u2581"));
    PRIMER_ASSIGN_OR_RETURN(PrependScheme scheme, parse_prepend_scheme(j, at));
    return make_metaspace_decoder(std::move(replacement), scheme);
  }
  if (type == "Sequence") {
    PRIMER_ASSIGN_OR_RETURN(const Json* list, req_array(j, "decoders", at));
    std::vector<std::unique_ptr<Decoder>> parts;
    Where base = at.field("decoders");
    for (size_t i = 0; i < list->size(); ++i) {
      PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<Decoder> d,
                              parse_decoder((*list)[i], base.index(i), added_contents));
      if (d) parts.push_back(std::move(d));
    }
    return make_sequence_decoder(std::move(parts));
  }
  return unsupported_type(at, type);
}

namespace {

// TemplateProcessing "special_tokens" entry -> ids; falls back to the vocabulary.
Result<std::vector<TokenId>> template_special_ids(const Json& tp, const std::string& name,
                                                  const Where& at, const Vocab& vocab) {
  if (const Json* specials = find(tp, "special_tokens")) {
    if (const Json* entry = find(*specials, name)) {
      Where e = at.field("special_tokens").field(name);
      PRIMER_ASSIGN_OR_RETURN(const Json* ids, req_array(*entry, "ids", e));
      std::vector<TokenId> out;
      for (size_t i = 0; i < ids->size(); ++i) {
        const Json& v = (*ids)[i];
        if (!v.is_number_integer()) return e.field("ids").index(i).error("expected an integer");
        int64_t id = v.get<int64_t>();
        if (id < 0 || static_cast<uint64_t>(id) >= vocab.size()) {
          return e.field("ids").index(i).error("id " + std::to_string(id) +
                                               " is outside the vocabulary");
        }
        out.push_back(static_cast<TokenId>(id));
      }
      return out;
    }
  }
  if (auto id = vocab.find(name)) return std::vector<TokenId>{*id};
  return at.error("special token '" + name + "' is neither in special_tokens nor in the vocabulary");
}

// Bert/Roberta "cls"/"sep": ["[CLS]", 101].
Result<TokenId> pair_token_id(const Json& obj, std::string_view key, const Where& at,
                              const Vocab& vocab) {
  const Json* v = find(obj, key);
  Where w = at.field(key);
  if (!v || !v->is_array() || v->size() != 2 || !(*v)[1].is_number_integer()) {
    return w.error("expected [token, id]");
  }
  int64_t id = (*v)[1].get<int64_t>();
  if (id < 0 || static_cast<uint64_t>(id) >= vocab.size()) {
    return w.error("id " + std::to_string(id) + " is outside the vocabulary");
  }
  return static_cast<TokenId>(id);
}

}  // namespace

Status parse_post_processor(const Json& j, const Where& at, const Vocab& vocab, PostProcessor& pp) {
  if (j.is_null()) return ok_status();
  PRIMER_ASSIGN_OR_RETURN(std::string type, component_type(j, at));
  if (type == "ByteLevel") return ok_status();  // offsets only
  if (type == "TemplateProcessing") {
    PRIMER_ASSIGN_OR_RETURN(const Json* single, req_array(j, "single", at));
    std::vector<TokenId> prefix, suffix;
    bool seen_a = false;
    Where base = at.field("single");
    for (size_t i = 0; i < single->size(); ++i) {
      const Json& item = (*single)[i];
      Where w = base.index(i);
      if (const Json* st = find(item, "SpecialToken")) {
        PRIMER_ASSIGN_OR_RETURN(std::string name, req_string(*st, "id", w.field("SpecialToken")));
        PRIMER_ASSIGN_OR_RETURN(std::vector<TokenId> ids, template_special_ids(j, name, at, vocab));
        auto& dst = seen_a ? suffix : prefix;
        dst.insert(dst.end(), ids.begin(), ids.end());
      } else if (const Json* seq = find(item, "Sequence")) {
        PRIMER_ASSIGN_OR_RETURN(std::string name, req_string(*seq, "id", w.field("Sequence")));
        if (name != "A" || seen_a) {
          return w.error("a single-sequence template must contain sequence A exactly once");
        }
        seen_a = true;
      } else {
        return w.error("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
      }
    }
    if (!seen_a) return base.error("the template never places sequence A");
    // Applied after (outside) what earlier processors of a Sequence added.
    pp.prefix.insert(pp.prefix.begin(), prefix.begin(), prefix.end());
    pp.suffix.insert(pp.suffix.end(), suffix.begin(), suffix.end());
    return ok_status();
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    PRIMER_ASSIGN_OR_RETURN(TokenId cls, pair_token_id(j, "cls", at, vocab));
    PRIMER_ASSIGN_OR_RETURN(TokenId sep, pair_token_id(j, "sep", at, vocab));
    pp.prefix.insert(pp.prefix.begin(), cls);
    pp.suffix.push_back(sep);
    return ok_status();
  }
  if (type == "Sequence") {
    PRIMER_ASSIGN_OR_RETURN(const Json* list, req_array(j, "processors", at));
    Where base = at.field("processors");
    for (size_t i = 0; i < list->size(); ++i) {
      PRIMER_TRY(parse_post_processor((*list)[i], base.index(i), vocab, pp));
    }
    return ok_status();
  }
  return unsupported_type(at, type);
}

}  // namespace primer::tok::hf
