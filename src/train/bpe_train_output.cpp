// tokenizer.json + tokenizer_config.json for a trained byte-level BPE (contract in bpe_train.h).
// The layout follows the real Llama 3 / Qwen2 / GPT-2 files, so Hugging Face's runtimes,
// Tokenizer::from_hf_files and gen-model --vocab-from (GGUF) all load it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/vocab_export.h"
#include "train/bpe_train.h"

namespace primer::train::bpe {

namespace {

OrderedJson byte_level(bool prefix, bool trim, bool use_regex) {
  OrderedJson j;
  j["type"] = "ByteLevel";
  j["add_prefix_space"] = prefix;
  j["trim_offsets"] = trim;
  j["use_regex"] = use_regex;
  return j;
}

OrderedJson added_token_json(int64_t id, const std::string& content) {
  OrderedJson t;
  if (id >= 0) t["id"] = id;
  t["content"] = content;
  t["single_word"] = false;
  t["lstrip"] = false;
  t["rstrip"] = false;
  t["normalized"] = false;
  t["special"] = true;
  return t;
}

// Writes `text` to path + ".tmp" and renames it into place.
Status write_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return make_error("[tokenizer train] cannot write '%s': %s", tmp.c_str(), std::strerror(errno));
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return make_error("[tokenizer train] writing '%s' failed (disk full?)", tmp.c_str());
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return make_error("[tokenizer train] cannot rename '%s' to '%s': %s", tmp.c_str(), path.c_str(),
                      std::strerror(e));
  }
  return ok_status();
}

std::string chat_template_for(const BpeTrainOptions& options) {
  if (!options.chat_template.empty()) return options.chat_template;
  const auto& s = options.special_tokens;
  const bool chatml = std::find(s.begin(), s.end(), "<|im_start|>") != s.end() &&
                      std::find(s.begin(), s.end(), "<|im_end|>") != s.end();
  return chatml ? model::chatml_template() : "";
}

}  // namespace

Status write_tokenizer_files(const Merges& merges, const PreSpec& spec,
                             const BpeTrainOptions& options, const std::string& out_path) {
  const int64_t n_pieces = static_cast<int64_t>(merges.pieces.size());
  OrderedJson added = OrderedJson::array();
  for (size_t i = 0; i < options.special_tokens.size(); ++i) {
    added.push_back(added_token_json(n_pieces + static_cast<int64_t>(i), options.special_tokens[i]));
  }
  // ordered_json's operator[] searches its keys linearly (quadratic for 100k tokens); the keys
  // are distinct (learned pieces are unique, specials are checked against them), so append.
  OrderedJson vocab = OrderedJson::object();
  auto& entries = vocab.get_ref<OrderedJson::object_t&>();
  entries.reserve(merges.pieces.size() + options.special_tokens.size());
  for (int64_t id = 0; id < n_pieces; ++id) entries.emplace_back(merges.pieces[static_cast<size_t>(id)], id);
  for (size_t i = 0; i < options.special_tokens.size(); ++i) {
    entries.emplace_back(options.special_tokens[i], n_pieces + static_cast<int64_t>(i));
  }
  OrderedJson merge_list = OrderedJson::array();
  for (const auto& [a, b] : merges.pairs) {
    merge_list.push_back(merges.pieces[static_cast<size_t>(a)] + " " + merges.pieces[static_cast<size_t>(b)]);
  }
  OrderedJson model;
  model["type"] = "BPE";
  model["dropout"] = nullptr;
  model["unk_token"] = nullptr;
  model["continuing_subword_prefix"] = nullptr;
  model["end_of_word_suffix"] = nullptr;
  model["fuse_unk"] = false;
  model["byte_fallback"] = false;
  model["ignore_merges"] = spec.ignore_merges;
  model["vocab"] = std::move(vocab);
  model["merges"] = std::move(merge_list);

  OrderedJson root;
  root["version"] = "1.0";
  root["truncation"] = nullptr;
  root["padding"] = nullptr;
  root["added_tokens"] = added;
  root["normalizer"] = nullptr;
  root["pre_tokenizer"] = pre_tokenizer_json(spec);
  root["post_processor"] = byte_level(false, false, false);
  root["decoder"] = byte_level(true, true, true);
  root["model"] = std::move(model);
  PRIMER_TRY(write_atomic(out_path, root.dump(1, ' ', /*ensure_ascii=*/false) + "\n"));

  // tokenizer_config.json: the first special token is bos, eos and padding; nothing is added
  // around the text (add_bos_token false), as for Qwen2.
  OrderedJson config;
  const OrderedJson first = options.special_tokens.empty() ? OrderedJson(nullptr)
                                                           : OrderedJson(options.special_tokens[0]);
  config["add_bos_token"] = false;
  config["add_eos_token"] = false;
  OrderedJson decoder = OrderedJson::object();
  for (size_t i = 0; i < options.special_tokens.size(); ++i) {
    decoder[std::to_string(n_pieces + static_cast<int64_t>(i))] =
        added_token_json(-1, options.special_tokens[i]);
  }
  config["added_tokens_decoder"] = std::move(decoder);
  config["bos_token"] = first;
  config["eos_token"] = first;
  config["pad_token"] = first;
  config["unk_token"] = nullptr;
  config["clean_up_tokenization_spaces"] = false;
  config["model_max_length"] = 1000000000;
  config["tokenizer_class"] = "PreTrainedTokenizerFast";
  const std::string chat_template = chat_template_for(options);
  if (!chat_template.empty()) config["chat_template"] = chat_template;
  const std::filesystem::path config_path =
      std::filesystem::path(out_path).parent_path() / "tokenizer_config.json";
  return write_atomic(config_path.string(), config.dump(1, ' ', false) + "\n");
}

}  // namespace primer::train::bpe
