// Validated reading of GGUF tokenizer metadata (contract in gguf_vocab.h).
#include "tokenizer/gguf_vocab.h"

#include "tokenizer/flat_piece_map.h"

#include <limits>
#include <string>

namespace primer::tok {

namespace {

std::string shown(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return "'" + out + "'";
}

std::string type_of(const GgufValue& v) {
  std::string t = gguf_value_type_name(v.type);
  if (v.type == GgufValueType::kArray) t += std::string(" of ") + gguf_value_type_name(v.elem_type);
  return t;
}

bool is_string(GgufValueType t) { return t == GgufValueType::kString; }
bool is_float(GgufValueType t) { return t == GgufValueType::kFloat32 || t == GgufValueType::kFloat64; }
bool is_integer(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kUint16:
    case GgufValueType::kInt16: case GgufValueType::kUint32: case GgufValueType::kInt32:
    case GgufValueType::kUint64: case GgufValueType::kInt64:
      return true;
    default:
      return false;
  }
}

class MetaReader {
 public:
  explicit MetaReader(const GgufFile& f) : f_(f) {}

  Error fail(std::string_view key, const std::string& what) const {
    return gguf_tokenizer_error(f_, std::string(key) + ": " + what);
  }

  // nullptr when absent; an Error when present with another type. For arrays, `elem_ok`
  // accepts the element type.
  Result<const GgufValue*> typed(std::string_view key, GgufValueType type, bool (*elem_ok)(GgufValueType),
                                 const char* want) const {
    const GgufValue* v = f_.find(key);
    if (v == nullptr) return static_cast<const GgufValue*>(nullptr);
    bool ok = v->type == type && (elem_ok == nullptr || elem_ok(v->elem_type));
    if (!ok) return fail(key, std::string("expected ") + want + ", got " + type_of(*v));
    return v;
  }

  Result<std::optional<std::string_view>> string(std::string_view key) const {
    PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, GgufValueType::kString, nullptr, "a string"));
    if (v == nullptr) return std::optional<std::string_view>();
    return std::optional<std::string_view>(v->str);
  }

  Result<std::optional<bool>> boolean(std::string_view key) const {
    PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, GgufValueType::kBool, nullptr, "a bool"));
    if (v == nullptr) return std::optional<bool>();
    return std::optional<bool>(v->b);
  }

  // A token id: any integer type, 0 <= id < n_tokens.
  Result<std::optional<TokenId>> token_id(std::string_view key, size_t n_tokens) const {
    const GgufValue* v = f_.find(key);
    if (v == nullptr) return std::optional<TokenId>();
    if (!is_integer(v->type)) return fail(key, "expected an integer token id, got " + type_of(*v));
    auto id = f_.get_int(key);
    if (!id.ok() || *id < 0 || static_cast<uint64_t>(*id) >= n_tokens) {
      std::string value = id.ok() ? std::to_string(*id) : std::to_string(v->u);
      return fail(key, "token id " + value + " is out of range (vocabulary has " + std::to_string(n_tokens) +
                           " tokens)");
    }
    return std::optional<TokenId>(static_cast<TokenId>(*id));
  }

  const GgufFile& file() const { return f_; }

 private:
  const GgufFile& f_;
};

// `index`: every token text -> its first id (filled here, used to check merges).
Status read_tokens(const MetaReader& r, GgufTokenizerMeta& m, PieceIndex& index) {
  const char* key = "tokenizer.ggml.tokens";
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v,
                          r.typed(key, GgufValueType::kArray, is_string, "an array of strings"));
  if (v == nullptr) return r.fail(key, "missing");
  if (v->count == 0) return r.fail(key, "the vocabulary is empty");
  if (v->count > static_cast<uint64_t>(std::numeric_limits<TokenId>::max())) {
    return r.fail(key, std::to_string(v->count) + " tokens exceed the int32 id space");
  }
  m.tokens = v->string_items();
  index.reserve(m.tokens.size(), m.tokens);
  for (size_t i = 0; i < m.tokens.size(); ++i) {
    TokenId first = index.insert(static_cast<TokenId>(i), m.tokens);
    // llama.cpp tolerates (and renames) empty pieces
    if (first != static_cast<TokenId>(i) && !m.tokens[i].empty()) {
      return r.fail(std::string(key) + "[" + std::to_string(i) + "]",
                    shown(m.tokens[i]) + " duplicates token " + std::to_string(first));
    }
  }
  return ok_status();
}

Status read_scores_and_types(const MetaReader& r, GgufTokenizerMeta& m) {
  const size_t n = m.tokens.size();
  const char* scores_key = "tokenizer.ggml.scores";
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* scores,
                          r.typed(scores_key, GgufValueType::kArray, is_float, "an array of f32"));
  if (scores != nullptr) {
    if (scores->count != n) {
      return r.fail(scores_key, std::to_string(scores->count) + " entries but tokenizer.ggml.tokens has " +
                                    std::to_string(n));
    }
    PRIMER_ASSIGN_OR_RETURN(m.scores, r.file().get_f32_array(scores_key));
  }
  const char* types_key = "tokenizer.ggml.token_type";
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* types,
                          r.typed(types_key, GgufValueType::kArray, is_integer, "an array of integers"));
  m.attrs.assign(n, TokenAttr::kNormal);
  if (types == nullptr) return ok_status();
  if (types->count != n) {
    return r.fail(types_key,
                  std::to_string(types->count) + " entries but tokenizer.ggml.tokens has " + std::to_string(n));
  }
  auto values = r.file().get_i32_array(types_key);
  if (!values.ok()) return values.error().wrap("[tokenizer.gguf]");
  for (size_t i = 0; i < n; ++i) {
    int32_t t = (*values)[i];
    if (t < 0 || t > static_cast<int32_t>(TokenAttr::kByte)) {
      return r.fail(std::string(types_key) + "[" + std::to_string(i) + "]",
                    "unknown token type " + std::to_string(t) + " (expected 0..6)");
    }
    m.attrs[i] = t == 0 ? TokenAttr::kNormal : static_cast<TokenAttr>(t);
  }
  return ok_status();
}

Status read_merges(const MetaReader& r, GgufTokenizerMeta& m, const PieceIndex& index) {
  const char* key = "tokenizer.ggml.merges";
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v,
                          r.typed(key, GgufValueType::kArray, is_string, "an array of strings"));
  if (v == nullptr) return ok_status();
  m.has_merges = true;
  m.merge_strings = v->string_items();
  m.merge_space.reserve(m.merge_strings.size());
  for (size_t i = 0; i < m.merge_strings.size(); ++i) {
    std::string_view merge = m.merge_strings[i];
    auto where = [&] { return std::string(key) + "[" + std::to_string(i) + "]"; };
    // The separator is the first space after the first character, as llama.cpp splits.
    size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos) return r.fail(where(), shown(merge) + " is not 'left right'");
    std::string_view left = merge.substr(0, space);
    std::string_view right = merge.substr(space + 1);
    for (std::string_view side : {left, right}) {
      if (index.find(side, m.tokens) < 0) return r.fail(where(), shown(merge) + ": " + shown(side) + " is not a token");
    }
    m.merge_space.push_back(static_cast<uint32_t>(space));
  }
  return ok_status();
}

Status read_specials(const MetaReader& r, GgufTokenizerMeta& m) {
  const size_t n = m.tokens.size();
  struct Slot {
    const char* key;
    std::optional<TokenId>* out;
  };
  for (Slot s : {Slot{"tokenizer.ggml.bos_token_id", &m.bos}, Slot{"tokenizer.ggml.eos_token_id", &m.eos},
                 Slot{"tokenizer.ggml.unknown_token_id", &m.unk},
                 Slot{"tokenizer.ggml.seperator_token_id", &m.sep},
                 Slot{"tokenizer.ggml.padding_token_id", &m.pad}, Slot{"tokenizer.ggml.cls_token_id", &m.cls},
                 Slot{"tokenizer.ggml.eot_token_id", &m.eot},
                 Slot{"tokenizer.ggml.eom_token_id", &m.eom}}) {
    PRIMER_ASSIGN_OR_RETURN(*s.out, r.token_id(s.key, n));
  }
  PRIMER_ASSIGN_OR_RETURN(m.add_bos, r.boolean("tokenizer.ggml.add_bos_token"));
  PRIMER_ASSIGN_OR_RETURN(m.add_eos, r.boolean("tokenizer.ggml.add_eos_token"));
  PRIMER_ASSIGN_OR_RETURN(m.add_space_prefix, r.boolean("tokenizer.ggml.add_space_prefix"));
  PRIMER_ASSIGN_OR_RETURN(auto chat_template, r.string("tokenizer.chat_template"));
  m.chat_template = chat_template.value_or("");
  return ok_status();
}

}  // namespace

Error gguf_tokenizer_error(const GgufFile& gguf, const std::string& what) {
  return Error{"[tokenizer.gguf] " + gguf.name() + ": " + what};
}

Result<GgufTokenizerMeta> read_gguf_tokenizer_meta(const GgufFile& gguf) {
  MetaReader r(gguf);
  GgufTokenizerMeta m;
  PRIMER_ASSIGN_OR_RETURN(auto model, r.string("tokenizer.ggml.model"));
  if (!model) return r.fail("tokenizer.ggml.model", "missing (the file has no tokenizer)");
  m.model = *model;
  PRIMER_ASSIGN_OR_RETURN(m.pre, r.string("tokenizer.ggml.pre"));
  PieceIndex index;  // transient: 8 bytes a slot
  PRIMER_TRY(read_tokens(r, m, index));
  PRIMER_TRY(read_scores_and_types(r, m));
  PRIMER_TRY(read_merges(r, m, index));
  PRIMER_TRY(read_specials(r, m));
  return m;
}

}  // namespace primer::tok
