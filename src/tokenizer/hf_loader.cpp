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

Result<Json> parse_json(std::string_view text, std::string_view file) {
  PRIMER_TRY(check_depth(text, file));
  try {
    return Json::parse(text.begin(), text.end());
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

// model.vocab -> Vocab (holes: "" / kUnused).
Result<tok::Vocab> parse_model_vocab(const Json& model, const Where& at, size_t n_added) {
  PRIMER_ASSIGN_OR_RETURN(const Json* vocab, tok::hf::req_object(model, "vocab", at));
  Where w = at.field("vocab");
  std::vector<std::pair<TokenId, const std::string*>> entries;
  entries.reserve(vocab->size());
  TokenId max_id = -1;
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    PRIMER_ASSIGN_OR_RETURN(TokenId id, parse_id(it.value(), w.field(it.key())));
    entries.emplace_back(id, &it.key());
    max_id = std::max(max_id, id);
  }
  size_t n = static_cast<size_t>(max_id + 1);
  if (n > 2 * (entries.size() + n_added) + 1024) {
    return w.error("ids go up to " + std::to_string(max_id) + " for only " +
                   std::to_string(entries.size()) + " entries");
  }
  tok::Vocab v;
  v.pieces.assign(n, std::string());
  v.attrs.assign(n, TokenAttr::kUnused);
  std::vector<uint8_t> used(n, 0);
  v.index.reserve(entries.size());
  for (auto [id, piece] : entries) {
    if (used[id]) {
      return w.error("id " + std::to_string(id) + " is used by both '" + v.pieces[id] + "' and '" +
                     *piece + "'");
    }
    used[id] = 1;
    v.pieces[id] = *piece;
    v.attrs[id] = TokenAttr::kNormal;
    v.index.emplace(*piece, id);
  }
  return v;
}

Result<tok::MergeList> parse_merges(const Json& model, const Where& at) {
  tok::MergeList merges;
  const Json* m = tok::hf::find(model, "merges");
  if (!m || m->is_null()) return merges;
  Where w = at.field("merges");
  if (!m->is_array()) return w.error("expected an array");
  merges.reserve(m->size());
  for (size_t i = 0; i < m->size(); ++i) {
    const Json& e = (*m)[i];
    if (e.is_string()) {
      const std::string& s = e.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos || sp == 0 ||
          sp + 1 == s.size()) {
        return w.index(i).error("'" + s + "' is not two tokens separated by one space");
      }
      merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    } else {
      return w.index(i).error("expected a string or a pair");
    }
  }
  return merges;
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
    vocab.index[a.content] = static_cast<TokenId>(id);
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

Result<Tokenizer> load(std::string_view tokenizer_json, std::string_view config_json) {
  PRIMER_ASSIGN_OR_RETURN(Json root, parse_json(tokenizer_json, "tokenizer.json"));
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
  PRIMER_ASSIGN_OR_RETURN(tok::Vocab model_vocab, parse_model_vocab(*model, mat, added.size()));
  PRIMER_ASSIGN_OR_RETURN(tok::MergeList merges, parse_merges(*model, mat));
  PRIMER_ASSIGN_OR_RETURN(tok::BpeOptions options, parse_bpe_options(*model, mat, model_vocab, added));

  auto impl = std::make_unique<TokenizerImpl>();
  {
    auto m = tok::BpeModel::create(model_vocab, merges, options);
    if (!m.ok()) return m.error().wrap("[tokenizer.json] model");
    impl->model = std::move(m).value();
  }
  merges = {};
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
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("[%.*s] cannot open '%s'", static_cast<int>(what.size()), what.data(),
                             path.c_str());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error("[%.*s] error reading '%s'", static_cast<int>(what.size()),
                                  what.data(), path.c_str());
  return ss.str();
}

}  // namespace

Result<Tokenizer> Tokenizer::from_hf_json(std::string_view tokenizer_json,
                                          std::string_view config_json) {
  try {
    return load(tokenizer_json, config_json);
  } catch (const std::exception& e) {  // a json type error we did not pre-check, bad_alloc, ...
    return make_error("[tokenizer.json] %s", e.what());
  }
}

Result<Tokenizer> Tokenizer::from_hf_files(const std::string& tokenizer_json_path,
                                           const std::string& config_path) {
  PRIMER_ASSIGN_OR_RETURN(std::string json, read_file(tokenizer_json_path, "tokenizer.json"));
  std::string config;
  if (!config_path.empty()) {
    PRIMER_ASSIGN_OR_RETURN(config, read_file(config_path, "tokenizer_config.json"));
  }
  auto r = from_hf_json(json, config);
  if (!r.ok()) return r.error().wrap(tokenizer_json_path);
  return r;
}

}  // namespace primer
