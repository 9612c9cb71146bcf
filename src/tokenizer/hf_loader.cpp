// Tokenizer::from_hf_json / from_hf_files: Hugging Face tokenizer.json (+ tokenizer_config.json).
//
// Accepted: model.type "BPE" (merges as "a b" strings or ["a", "b"] pairs, unk_token,
// fuse_unk, byte_fallback, ignore_merges, continuing_subword_prefix, end_of_word_suffix),
// added_tokens, and the normalizers / pre-tokenizers / post-processors / decoders listed in
// hf_components.cpp. Anything else is an Error naming the field. nlohmann::json exceptions
// never escape: parsing errors and any other failure become Errors at this boundary.
//
// Which ids encode adds is decided by the post_processor alone (as in the JS reference
// runtime); tokenizer_config.json supplies bos/eos names, the chat template, and its
// add_bos_token / add_eos_token flags are checked for type but do not change the ids.
#include <fstream>
#include <sstream>

#include "tokenizer/bpe_model.h"
#include "tokenizer/hf_json.h"

namespace primer {
namespace {

using tok::hf::Json;
using tok::hf::Where;

constexpr size_t kMaxJsonDepth = 256;
constexpr int64_t kMaxTokenId = 1 << 24;

// Rejects absurd nesting before nlohmann builds the tree (bounded stack use everywhere after).
Status check_depth(std::string_view text, std::string_view file) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        return tok::hf::json_error(file, "", "nesting deeper than " + std::to_string(kMaxJsonDepth));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return ok_status();
}

Result<Json> parse_json(std::string_view text, std::string_view file,
                        const Json::parser_callback_t& callback = nullptr) {
  PRIMER_TRY(check_depth(text, file));
  try {
    return Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::exception& e) {
    return tok::hf::json_error(file, "", std::string("invalid JSON: ") + e.what());
  }
}

bool contains_type(const Json& j, std::string_view type) {
  if (j.is_object()) {
    if (const Json* t = tok::hf::find(j, "type"); t && t->is_string() && t->get<std::string>() == type) {
      return true;
    }
    for (const auto& [k, v] : j.items()) {
      if (contains_type(v, type)) return true;
    }
  } else if (j.is_array()) {
    for (const Json& v : j) {
      if (contains_type(v, type)) return true;
    }
  }
  return false;
}

Result<TokenId> parse_id(const Json& v, const Where& at) {
  if (!v.is_number_integer()) return at.error("expected an integer id");
  if (v.is_number_unsigned() ? v.get<uint64_t>() >= static_cast<uint64_t>(kMaxTokenId)
                             : (v.get<int64_t>() < 0 || v.get<int64_t>() >= kMaxTokenId)) {
    return at.error("id " + v.dump() + " is out of range [0, " + std::to_string(kMaxTokenId) + ")");
  }
  return static_cast<TokenId>(v.get<int64_t>());
}

bool id_in_range(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() < static_cast<uint64_t>(kMaxTokenId);
  return v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < kMaxTokenId;
}

// model.vocab and model.merges, taken out of tokenizer.json while it is parsed (the DOM keeps
// them empty). A 151k-entry vocab + merges as nlohmann nodes costs ~100 MB; here they cost
// their text plus a few bytes an entry.
struct ModelTables {
  // model.vocab entries in file order: entry i is vocab_text[vocab_ends[i-1], vocab_ends[i]) -> vocab_ids[i].
  std::string vocab_text;
  std::vector<uint32_t> vocab_ends;
  std::vector<TokenId> vocab_ids;
  std::optional<Error> vocab_error;                    // the first bad entry
  std::string merge_text;                 // left + right of every merge, concatenated
  std::vector<uint32_t> merge_ends;       // per merge: end of left, end of right in merge_text
  std::optional<Error> merges_error;
  bool have_vocab = false;
  bool have_merges = false;

  size_t n_vocab() const { return vocab_ids.size(); }
  std::string_view vocab_piece(size_t i) const {
    uint32_t begin = i == 0 ? 0 : vocab_ends[i - 1];
    return std::string_view(vocab_text).substr(begin, vocab_ends[i] - begin);
  }
  size_t n_merges() const { return merge_ends.size() / 2; }
  // Merge i as views into merge_text.
  std::pair<std::string_view, std::string_view> merge(size_t i) const {
    std::string_view text = merge_text;
    uint32_t begin = i == 0 ? 0 : merge_ends[2 * i - 1];
    uint32_t mid = merge_ends[2 * i];
    return {text.substr(begin, mid - begin), text.substr(mid, merge_ends[2 * i + 1] - mid)};
  }
};

// The nlohmann parser callback that moves model.vocab entries and model.merges elements into
// `t` (validating them as parse_id / the merge rules require) and drops them from the DOM.
// Depths (nlohmann): keys and values of an object at depth d+1 when the object starts at d.
Json::parser_callback_t model_tables_callback(ModelTables& t) {
  struct State {
    std::string top_key;    // last key of the root object
    std::string model_key;  // last key of root.model
    std::string vocab_key;  // last key inside model.vocab
    bool in_vocab = false;
    bool in_merges = false;
    size_t merge_index = 0;
  };
  auto st = std::make_shared<State>();
  const Where vocab_at{"tokenizer.json", "model.vocab"};
  const Where merges_at{"tokenizer.json", "model.merges"};
  return [st, &t, vocab_at, merges_at](int depth, Json::parse_event_t event, Json& value) -> bool {
    using E = Json::parse_event_t;
    State& s = *st;
    if (event == E::key) {
      if (depth == 1) {
        s.top_key = value.get<std::string>();
      } else if (depth == 2 && s.top_key == "model") {
        s.model_key = value.get<std::string>();
      } else if (depth == 3 && s.in_vocab) {
        s.vocab_key = value.get<std::string>();
        return false;  // the entry is stored in `t`, not in the DOM
      }
      return true;
    }
    if (depth == 2 && s.top_key == "model") {
      if (event == E::object_start && s.model_key == "vocab") {
        s.in_vocab = true;  // a repeated key replaces the earlier value, as in the DOM
        t.have_vocab = true;
        t.vocab_text.clear();
        t.vocab_ends.clear();
        t.vocab_ids.clear();
        t.vocab_error.reset();
      } else if (event == E::array_start && s.model_key == "merges") {
        s.in_merges = true;
        t.have_merges = true;
        t.merge_text.clear();
        t.merge_ends.clear();
        t.merges_error.reset();
        s.merge_index = 0;
      } else if (event == E::object_end || event == E::array_end) {
        s.in_vocab = false;
        s.in_merges = false;
      }
      return true;
    }
    if (depth != 3) return true;
    if (s.in_vocab) {
      if (event == E::object_start || event == E::array_start || event == E::value) {
        if (event == E::value && id_in_range(value)) {
          t.vocab_text.append(s.vocab_key);
          t.vocab_ends.push_back(static_cast<uint32_t>(t.vocab_text.size()));
          t.vocab_ids.push_back(static_cast<TokenId>(value.get<int64_t>()));
        } else if (!t.vocab_error) {
          Where at = vocab_at.field(s.vocab_key);
          auto id = event == E::value ? parse_id(value, at) : Result<TokenId>(at.error("expected an integer id"));
          t.vocab_error = id.error();
        }
        return false;
      }
      return true;
    }
    if (s.in_merges) {
      if (event == E::array_start) return true;  // a ["left", "right"] pair: judged at its end
      if (event != E::value && event != E::array_end && event != E::object_end) return true;
      size_t i = s.merge_index++;
      if (t.merges_error) return false;
      std::string_view left, right;
      if (value.is_string()) {
        const std::string& str = value.get_ref<const std::string&>();
        size_t sp = str.find(' ');
        if (sp == std::string::npos || str.find(' ', sp + 1) != std::string::npos || sp == 0 ||
            sp + 1 == str.size()) {
          t.merges_error = merges_at.index(i).error("'" + str + "' is not two tokens separated by one space");
          return false;
        }
        left = std::string_view(str).substr(0, sp);
        right = std::string_view(str).substr(sp + 1);
      } else if (value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_string()) {
        left = value[0].get_ref<const std::string&>();
        right = value[1].get_ref<const std::string&>();
      } else {
        t.merges_error = merges_at.index(i).error("expected a string or a pair");
        return false;
      }
      t.merge_text.append(left);
      t.merge_ends.push_back(static_cast<uint32_t>(t.merge_text.size()));
      t.merge_text.append(right);
      t.merge_ends.push_back(static_cast<uint32_t>(t.merge_text.size()));
      return false;
    }
    return true;
  };
}

// Pieces of ModelTables' vocab entries, by entry index (for PieceIndex).
struct EntryPieces {
  const ModelTables* t;
  std::string_view operator[](TokenId i) const { return t->vocab_piece(static_cast<size_t>(i)); }
};

// model.vocab -> Vocab (holes: "" / kUnused). Consumes t.vocab.
Result<tok::Vocab> parse_model_vocab(const Json& model, const Where& at, size_t n_added, ModelTables& t) {
  PRIMER_ASSIGN_OR_RETURN(const Json* vocab_obj, tok::hf::req_object(model, "vocab", at));
  (void)vocab_obj;
  Where w = at.field("vocab");
  if (t.vocab_error) return *t.vocab_error;
  const size_t n_in = t.n_vocab();
  // A key repeated in the JSON object keeps its last value (as nlohmann's object would).
  std::vector<uint8_t> dropped(n_in, 0);
  {
    tok::PieceIndex seen;
    EntryPieces view{&t};
    seen.reserve(n_in, view);
    for (size_t i = 0; i < n_in; ++i) {
      seen.insert(static_cast<TokenId>(i), view, tok::PieceIndex::OnDuplicate::kReplace);
    }
    for (size_t i = 0; i < n_in; ++i) {
      if (seen.find(t.vocab_piece(i), view) != static_cast<TokenId>(i)) dropped[i] = 1;
    }
  }
  TokenId max_id = -1;
  size_t n_entries = 0;
  for (size_t i = 0; i < n_in; ++i) {
    if (dropped[i]) continue;
    max_id = std::max(max_id, t.vocab_ids[i]);
    ++n_entries;
  }
  size_t n = static_cast<size_t>(max_id + 1);
  if (n > 2 * (n_entries + n_added) + 1024) {
    return w.error("ids go up to " + std::to_string(max_id) + " for only " +
                   std::to_string(n_entries) + " entries");
  }
  tok::Vocab v;
  v.pieces.reserve(n + n_added);  // room for added tokens past the model's ids
  v.pieces.assign(n, std::string());
  v.attrs.assign(n, TokenAttr::kUnused);
  std::vector<uint8_t> used(n, 0);
  for (size_t i = 0; i < n_in; ++i) {
    if (dropped[i]) continue;
    std::string_view piece = t.vocab_piece(i);
    TokenId id = t.vocab_ids[i];
    if (used[id]) {
      std::string_view a = std::min<std::string_view>(v.pieces[id], piece);  // reported in key order
      std::string_view b = std::max<std::string_view>(v.pieces[id], piece);
      return w.error("id " + std::to_string(id) + " is used by both '" + std::string(a) + "' and '" +
                     std::string(b) + "'");
    }
    used[id] = 1;
    v.pieces[id] = piece;
    v.attrs[id] = TokenAttr::kNormal;
  }
  t.vocab_text = {};
  t.vocab_ends = {};
  t.vocab_ids = {};
  v.index.reserve(n_entries + n_added, v.pieces);
  for (size_t id = 0; id < n; ++id) {
    if (used[id]) v.index_piece(static_cast<TokenId>(id));
  }
  return v;
}

Status check_merges(const Json& model, const Where& at, const ModelTables& t) {
  const Json* m = tok::hf::find(model, "merges");
  if (!m || m->is_null()) return ok_status();
  if (!m->is_array()) return at.field("merges").error("expected an array");
  if (t.merges_error) return *t.merges_error;
  return ok_status();
}

Result<std::vector<tok::AddedToken>> parse_added_tokens(const Json& root) {
  std::vector<tok::AddedToken> out;
  const Json* list = tok::hf::find(root, "added_tokens");
  if (!list || list->is_null()) return out;
  Where w{"tokenizer.json", "added_tokens"};
  if (!list->is_array()) return w.error("expected an array");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& t = (*list)[i];
    Where at = w.index(i);
    if (!t.is_object()) return at.error("expected an object");
    tok::AddedToken a;
    const Json* id = tok::hf::find(t, "id");
    if (!id) return at.field("id").error("missing");
    PRIMER_ASSIGN_OR_RETURN(a.id, parse_id(*id, at.field("id")));
    PRIMER_ASSIGN_OR_RETURN(a.content, tok::hf::req_string(t, "content", at));
    if (a.content.empty()) return at.field("content").error("empty");
    PRIMER_ASSIGN_OR_RETURN(a.special, tok::hf::opt_bool(t, "special", at, false));
    PRIMER_ASSIGN_OR_RETURN(a.lstrip, tok::hf::opt_bool(t, "lstrip", at, false));
    PRIMER_ASSIGN_OR_RETURN(a.rstrip, tok::hf::opt_bool(t, "rstrip", at, false));
    PRIMER_ASSIGN_OR_RETURN(a.single_word, tok::hf::opt_bool(t, "single_word", at, false));
    PRIMER_ASSIGN_OR_RETURN(a.normalized, tok::hf::opt_bool(t, "normalized", at, !a.special));
    out.push_back(std::move(a));
  }
  return out;
}

// Adds the added tokens to the full vocabulary (extending it past the model's ids if needed).
Status merge_added_tokens(const std::vector<tok::AddedToken>& added, tok::Vocab& vocab) {
  std::vector<uint8_t> seen;
  for (size_t i = 0; i < added.size(); ++i) {
    const tok::AddedToken& a = added[i];
    size_t id = static_cast<size_t>(a.id);
    if (id >= seen.size()) seen.resize(id + 1, 0);
    if (seen[id]) {
      return Where{"tokenizer.json", "added_tokens"}.index(i).error(
          "id " + std::to_string(id) + " is used by two added tokens");
    }
    seen[id] = 1;
    if (id >= vocab.size()) {
      vocab.pieces.resize(id + 1);
      vocab.attrs.resize(id + 1, TokenAttr::kUnused);
    }
    vocab.pieces[id] = a.content;
    vocab.attrs[id] = TokenAttr::kNormal;  // finish_tokenizer() marks control / user-defined
    vocab.index_piece(static_cast<TokenId>(id), tok::PieceIndex::OnDuplicate::kReplace);
  }
  return ok_status();
}

Result<tok::BpeOptions> parse_bpe_options(const Json& model, const Where& at,
                                          const tok::Vocab& model_vocab,
                                          const std::vector<tok::AddedToken>& added) {
  tok::BpeOptions o;
  const Json* dropout = tok::hf::find(model, "dropout");
  if (dropout && !dropout->is_null()) {
    if (!dropout->is_number()) return at.field("dropout").error("expected a number or null");
    if (dropout->get<double>() != 0.0) return at.field("dropout").error("BPE dropout is not supported");
  }
  PRIMER_ASSIGN_OR_RETURN(std::string unk, tok::hf::opt_string(model, "unk_token", at, ""));
  if (!unk.empty()) {
    o.unk = model_vocab.find(unk);
    for (const auto& a : added) {
      if (!o.unk && a.content == unk) o.unk = a.id;
    }
    if (!o.unk) return at.field("unk_token").error("'" + unk + "' is not in the vocabulary");
  }
  PRIMER_ASSIGN_OR_RETURN(o.fuse_unk, tok::hf::opt_bool(model, "fuse_unk", at, false));
  PRIMER_ASSIGN_OR_RETURN(o.byte_fallback, tok::hf::opt_bool(model, "byte_fallback", at, false));
  PRIMER_ASSIGN_OR_RETURN(o.ignore_merges, tok::hf::opt_bool(model, "ignore_merges", at, false));
  PRIMER_ASSIGN_OR_RETURN(o.continuing_subword_prefix,
                          tok::hf::opt_string(model, "continuing_subword_prefix", at, ""));
  PRIMER_ASSIGN_OR_RETURN(o.end_of_word_suffix,
                          tok::hf::opt_string(model, "end_of_word_suffix", at, ""));
  return o;
}

// bos_token / eos_token in tokenizer_config.json: "<s>", {"content": "<s>", ...} or null.
Result<std::optional<TokenId>> config_token(const Json& config, std::string_view key,
                                            const tok::Vocab& vocab) {
  Where at{"tokenizer_config.json", std::string(key)};
  const Json* v = tok::hf::find(config, key);
  if (!v || v->is_null()) return std::optional<TokenId>();
  std::string name;
  if (v->is_string()) {
    name = v->get<std::string>();
  } else if (v->is_object()) {
    PRIMER_ASSIGN_OR_RETURN(name, tok::hf::req_string(*v, "content", at));
  } else {
    return at.error("expected a string, {\"content\": ...} or null");
  }
  auto id = vocab.find(name);
  if (!id) return at.error("'" + name + "' is not in the vocabulary");
  return id;
}

Result<std::string> config_chat_template(const Json& config) {
  Where at{"tokenizer_config.json", "chat_template"};
  const Json* v = tok::hf::find(config, "chat_template");
  if (!v || v->is_null()) return std::string();
  if (v->is_string()) return v->get<std::string>();
  if (!v->is_array()) return at.error("expected a string or a list of {name, template}");
  std::string first;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    PRIMER_ASSIGN_OR_RETURN(std::string name, tok::hf::req_string(e, "name", at.index(i)));
    PRIMER_ASSIGN_OR_RETURN(std::string tmpl, tok::hf::req_string(e, "template", at.index(i)));
    if (name == "default") return tmpl;
    if (i == 0) first = std::move(tmpl);
  }
  return first;  // no "default": the first one
}

// `owned_json`, when set, holds tokenizer_json's text: it is released once parsed, so the
// text (11 MB for Qwen) is not held while the tables are built.
Result<Tokenizer> load(std::string_view tokenizer_json, std::string_view config_json,
                       std::string* owned_json) {
  ModelTables tables;
  PRIMER_ASSIGN_OR_RETURN(Json root, parse_json(tokenizer_json, "tokenizer.json",
                                                model_tables_callback(tables)));
  if (owned_json != nullptr) {
    tokenizer_json = {};
    *owned_json = std::string();
  }
  if (!root.is_object()) return tok::hf::json_error("tokenizer.json", "", "expected an object");
  Json config = Json::object();
  if (!config_json.empty()) {
    PRIMER_ASSIGN_OR_RETURN(config, parse_json(config_json, "tokenizer_config.json"));
    if (!config.is_object()) {
      return tok::hf::json_error("tokenizer_config.json", "", "expected an object");
    }
  }
  Where top{"tokenizer.json", ""};
  PRIMER_ASSIGN_OR_RETURN(const Json* model, tok::hf::req_object(root, "model", top));
  Where mat = top.field("model");
  PRIMER_ASSIGN_OR_RETURN(std::string model_type, tok::hf::opt_string(*model, "type", mat, "BPE"));
  if (model_type != "BPE") return tok::hf::unsupported_type(mat, model_type);

  PRIMER_ASSIGN_OR_RETURN(std::vector<tok::AddedToken> added, parse_added_tokens(root));
  PRIMER_ASSIGN_OR_RETURN(tok::Vocab model_vocab, parse_model_vocab(*model, mat, added.size(), tables));
  PRIMER_TRY(check_merges(*model, mat, tables));
  PRIMER_ASSIGN_OR_RETURN(tok::BpeOptions options, parse_bpe_options(*model, mat, model_vocab, added));

  auto impl = std::make_unique<TokenizerImpl>();
  {
    auto m = tok::BpeModel::create(model_vocab, tables.n_merges(),
                                   [&tables](size_t i) { return tables.merge(i); }, options);
    if (!m.ok()) return m.error().wrap("[tokenizer.json] model");
    impl->model = std::move(m).value();
  }
  tables = {};
  impl->vocab = std::move(model_vocab);
  PRIMER_TRY(merge_added_tokens(added, impl->vocab));
  std::vector<std::string> added_contents;
  for (const auto& a : added) added_contents.push_back(a.content);
  impl->added_tokens = std::move(added);

  auto component = [&](std::string_view key) -> const Json& {
    static const Json kNull;  // immutable
    const Json* j = tok::hf::find(root, key);
    return j ? *j : kNull;
  };
  PRIMER_ASSIGN_OR_RETURN(impl->normalizer,
                          tok::hf::parse_normalizer(component("normalizer"), top.field("normalizer")));
  PRIMER_ASSIGN_OR_RETURN(impl->pre_tokenizer, tok::hf::parse_pre_tokenizer(
                                                   component("pre_tokenizer"), top.field("pre_tokenizer")));
  PRIMER_TRY(tok::hf::parse_post_processor(component("post_processor"), top.field("post_processor"),
                                           impl->vocab, impl->post_processor));
  PRIMER_ASSIGN_OR_RETURN(impl->decoder, tok::hf::parse_decoder(component("decoder"),
                                                                top.field("decoder"), added_contents));

  // Special tokens and template from tokenizer_config.json.
  Where cfg{"tokenizer_config.json", ""};
  PRIMER_ASSIGN_OR_RETURN(bool cfg_add_bos, tok::hf::opt_bool(config, "add_bos_token", cfg, false));
  PRIMER_ASSIGN_OR_RETURN(bool cfg_add_eos, tok::hf::opt_bool(config, "add_eos_token", cfg, false));
  (void)cfg_add_bos;
  (void)cfg_add_eos;
  PRIMER_ASSIGN_OR_RETURN(impl->bos, config_token(config, "bos_token", impl->vocab));
  PRIMER_ASSIGN_OR_RETURN(impl->eos, config_token(config, "eos_token", impl->vocab));
  PRIMER_ASSIGN_OR_RETURN(impl->chat_template, config_chat_template(config));
  PRIMER_ASSIGN_OR_RETURN(std::string tokenizer_class,
                          tok::hf::opt_string(config, "tokenizer_class", cfg, ""));
  const auto& pre = impl->post_processor.prefix;
  const auto& suf = impl->post_processor.suffix;
  if (!impl->bos && pre.size() == 1) impl->bos = pre[0];
  if (!impl->eos && suf.size() == 1) impl->eos = suf[0];
  impl->add_bos = impl->bos && std::find(pre.begin(), pre.end(), *impl->bos) != pre.end();
  impl->add_eos = impl->eos && std::find(suf.begin(), suf.end(), *impl->eos) != suf.end();

  bool byte_level = contains_type(component("pre_tokenizer"), "ByteLevel") ||
                    contains_type(component("decoder"), "ByteLevel");
  impl->description = byte_level ? "byte-level BPE" : impl->model->kind();
  if (!tokenizer_class.empty()) impl->description += " (" + tokenizer_class + ")";
  impl->description += ", " + std::to_string(impl->vocab.size()) + " tokens";
  return make_tokenizer(std::move(impl));
}

Result<std::string> read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return make_error("[%.*s] cannot open '%s'", static_cast<int>(what.size()), what.data(),
                             path.c_str());
  // One allocation of the file's size (a stringstream would hold two growing copies).
  std::streamoff size = in.tellg();
  if (size < 0) {  // not seekable (a pipe): read it as a stream
    in.clear();
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string text;
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(text.data(), size);
  }
  if (in.bad() || (size > 0 && in.gcount() != size)) {
    return make_error("[%.*s] error reading '%s'", static_cast<int>(what.size()), what.data(), path.c_str());
  }
  return text;
}

Result<Tokenizer> load_checked(std::string_view tokenizer_json, std::string_view config_json,
                               std::string* owned_json) {
  try {
    return load(tokenizer_json, config_json, owned_json);
  } catch (const std::exception& e) {  // a json type error we did not pre-check, bad_alloc, ...
    return make_error("[tokenizer.json] %s", e.what());
  }
}

}  // namespace

Result<Tokenizer> Tokenizer::from_hf_json(std::string_view tokenizer_json,
                                          std::string_view config_json) {
  return load_checked(tokenizer_json, config_json, nullptr);
}

Result<Tokenizer> Tokenizer::from_hf_files(const std::string& tokenizer_json_path,
                                           const std::string& config_path) {
  PRIMER_ASSIGN_OR_RETURN(std::string json, read_file(tokenizer_json_path, "tokenizer.json"));
  std::string config;
  if (!config_path.empty()) {
    PRIMER_ASSIGN_OR_RETURN(config, read_file(config_path, "tokenizer_config.json"));
  }
  auto r = load_checked(json, config, &json);
  if (!r.ok()) return r.error().wrap(tokenizer_json_path);
  return r;
}

}  // namespace primer
