// Tokenizer metadata for gen-model (contract in vocab_export.h).
#include "model/vocab_export.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "primer/tokenizer.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/gguf_pre_types.h"

namespace primer::model {

namespace {

using Json = nlohmann::json;

Error vocab_error(const std::string& path, const std::string& what) {
  return Error{"[gen-model] --vocab-from " + path + ": " + what};
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// GPT-2's regex (what ByteLevel with use_regex=true splits by), as gguf_pre_types.cpp spells it.
constexpr char kGpt2Split[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// tokenizer.ggml.pre values to try, each naming one row of the pre-type table (the name
// llama.cpp's converter writes for that family).
constexpr std::array<const char*, 14> kPreCandidates = {
    "gpt-2", "llama-bpe", "dbrx", "qwen2", "starcoder", "falcon", "deepseek-coder", "deepseek-llm",
    "deepseek-v3", "bloom", "viking", "tekken", "gpt-4o", "default"};

// The split regexes a Hugging Face pre_tokenizer applies, in order; false when it has a stage
// GGUF cannot describe.
bool collect_regexes(const Json& pre, std::vector<std::string>* out) {
  if (!pre.is_object()) return pre.is_null();
  const std::string type = pre.value("type", "");
  if (type == "Sequence") {
    const Json* list = pre.contains("pretokenizers") ? &pre["pretokenizers"] : nullptr;
    if (list == nullptr || !list->is_array()) return false;
    for (const Json& stage : *list) {
      if (!collect_regexes(stage, out)) return false;
    }
    return true;
  }
  if (type == "Split") {
    const Json& pattern = pre.value("pattern", Json::object());
    if (!pattern.is_object() || !pattern.contains("Regex") || !pattern["Regex"].is_string()) return false;
    out->push_back(pattern["Regex"].get<std::string>());
    return true;
  }
  if (type == "ByteLevel") {
    if (pre.value("use_regex", true)) out->push_back(kGpt2Split);
    return true;
  }
  if (type == "Digits") {
    out->push_back(pre.value("individual_digits", false) ? "\\p{N}" : "\\p{N}+");
    return true;
  }
  return false;
}

Result<std::string> detect_pre(const std::string& path, const Json& root) {
  std::vector<std::string> regexes;
  const Json& pre = root.contains("pre_tokenizer") ? root["pre_tokenizer"] : Json();
  if (!collect_regexes(pre, &regexes)) {
    return vocab_error(path, "pre_tokenizer has a stage GGUF cannot describe (only Split regexes, Digits and ByteLevel)");
  }
  auto model = root.find("model");
  const bool ignore_merges = model != root.end() && model->is_object() && model->value("ignore_merges", false);
  for (const char* name : kPreCandidates) {
    const tok::GgufPreType* row = tok::find_gguf_pre_type(name);
    if (row == nullptr) continue;
    std::vector<std::string> row_regexes;
    for (const char* r : row->regexes) {
      if (r != nullptr) row_regexes.emplace_back(r);
    }
    if (row_regexes == regexes && (row->ignore_merges == tok::IgnoreMerges::kYes) == ignore_merges) return std::string(name);
  }
  return vocab_error(path, "no tokenizer.ggml.pre type matches the pre_tokenizer regexes (see src/tokenizer/gguf_pre_types.cpp)");
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return vocab_error(path, "cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::vector<std::string>> read_merges(const std::string& path, const Json& root) {
  const Json& model = root["model"];
  std::vector<std::string> out;
  if (!model.is_object() || !model.contains("merges") || !model["merges"].is_array()) return out;
  for (const Json& m : model["merges"]) {
    if (m.is_string()) {
      out.push_back(m.get<std::string>());
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    } else {
      return vocab_error(path, "model.merges: expected strings or pairs");
    }
  }
  return out;
}

// The config's special token text ("<|im_end|>" or {"content": ...}), or "".
std::string config_token(const Json& config, const char* key) {
  if (!config.is_object() || !config.contains(key)) return "";
  const Json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

Result<int64_t> add_from_hf_unchecked(const std::string& path, GgufWriter& writer) {
  namespace fs = std::filesystem;
  const fs::path config_path = fs::path(path).parent_path() / "tokenizer_config.json";
  const std::string config_file = fs::exists(config_path) ? config_path.string() : "";
  auto tok = Tokenizer::from_hf_files(path, config_file);
  if (!tok.ok()) return tok.error().wrap("[gen-model] --vocab-from");

  PRIMER_ASSIGN_OR_RETURN(std::string text, read_text(path));
  Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) return vocab_error(path, "not a JSON object");
  Json config = Json::object();
  if (!config_file.empty()) {
    PRIMER_ASSIGN_OR_RETURN(std::string config_text, read_text(config_file));
    config = Json::parse(config_text, nullptr, false);
    if (config.is_discarded()) return vocab_error(config_file, "not valid JSON");
  }
  const Json& pre_tok = root.contains("pre_tokenizer") ? root["pre_tokenizer"] : Json();
  const Json& decoder = root.contains("decoder") ? root["decoder"] : Json();
  if (pre_tok.dump().find("\"ByteLevel\"") == std::string::npos &&
      decoder.dump().find("\"ByteLevel\"") == std::string::npos) {
    return vocab_error(path, "only byte-level BPE tokenizers can be converted to GGUF here");
  }
  PRIMER_ASSIGN_OR_RETURN(std::string pre, detect_pre(path, root));
  PRIMER_ASSIGN_OR_RETURN(std::vector<std::string> merges, read_merges(path, root));

  const size_t n = tok->vocab_size();
  std::vector<std::string> tokens(n);
  std::vector<int32_t> types(n);
  for (size_t id = 0; id < n; ++id) {
    const TokenId t = static_cast<TokenId>(id);
    const std::string& piece = tok->piece(t);
    const bool gap = piece.empty();
    tokens[id] = gap ? "[PAD" + std::to_string(id) + "]" : piece;
    types[id] = gap ? static_cast<int32_t>(TokenAttr::kUnused) : static_cast<int32_t>(tok->attr(t));
  }
  writer.add_string("tokenizer.ggml.model", "gpt2");
  writer.add_string("tokenizer.ggml.pre", pre);
  writer.add_string_array("tokenizer.ggml.tokens", tokens);
  writer.add_int32_array("tokenizer.ggml.token_type", types);
  writer.add_string_array("tokenizer.ggml.merges", merges);
  if (tok->bos()) writer.add_uint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(*tok->bos()));
  if (tok->eos()) writer.add_uint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(*tok->eos()));
  const std::string pad_text = config_token(config, "pad_token");
  if (auto pad = tok->find_piece(pad_text); pad && !pad_text.empty()) {
    writer.add_uint32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(*pad));
  }
  writer.add_bool("tokenizer.ggml.add_bos_token", tok->add_bos());
  writer.add_bool("tokenizer.ggml.add_eos_token", tok->add_eos());
  if (!tok->chat_template().empty()) writer.add_string("tokenizer.chat_template", tok->chat_template());
  return static_cast<int64_t>(n);
}

Result<int64_t> add_from_hf(const std::string& path, GgufWriter& writer) {
  try {
    return add_from_hf_unchecked(path, writer);
  } catch (const std::exception& e) {  // a JSON value of an unexpected type
    return vocab_error(path, e.what());
  }
}

Result<int64_t> add_from_gguf(const std::string& path, GgufWriter& writer) {
  auto file = GgufFile::open(path);
  if (!file.ok()) return file.error().wrap("[gen-model] --vocab-from");
  auto tok = Tokenizer::from_gguf(*file);
  if (!tok.ok()) return tok.error().wrap("[gen-model] --vocab-from");
  for (const auto& [key, value] : file->kvs()) {
    if (key.substr(0, 10) == "tokenizer.") writer.add_value(std::string(key), value);
  }
  return static_cast<int64_t>(tok->vocab_size());
}

}  // namespace

const char* chatml_template() {
  return "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
         "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

Result<int64_t> add_vocab_from(const std::string& path, GgufWriter& writer) {
  if (ends_with(path, ".json")) return add_from_hf(path, writer);
  return add_from_gguf(path, writer);
}

Status add_synthetic_vocab(int64_t n_vocab, GgufWriter& writer) {
  if (n_vocab < kMinSyntheticVocab || n_vocab > (int64_t{1} << 22)) {
    return make_error("[gen-model] n_vocab %lld: a synthetic vocabulary needs %lld to 4194304 tokens",
                      static_cast<long long>(n_vocab), static_cast<long long>(kMinSyntheticVocab));
  }
  const size_t n = static_cast<size_t>(n_vocab);
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  tokens.reserve(n);
  for (int b = 0; b < 256; ++b) {
    tokens.emplace_back(tok::byte_to_utf8(static_cast<uint8_t>(b)));
    types.push_back(static_cast<int32_t>(TokenAttr::kNormal));
  }
  const size_t n_regular = n - 3;
  for (char a = 'a'; a <= 'z' && tokens.size() < n_regular; ++a) {
    for (char b = 'a'; b <= 'z' && tokens.size() < n_regular; ++b) {
      tokens.push_back(std::string{a, b});
      types.push_back(static_cast<int32_t>(TokenAttr::kNormal));
      merges.push_back(std::string{a, ' ', b});
    }
  }
  for (size_t i = 0; tokens.size() < n_regular; ++i) {
    tokens.push_back("<|extra_" + std::to_string(i) + "|>");
    types.push_back(static_cast<int32_t>(TokenAttr::kUnused));
  }
  const uint32_t endoftext = static_cast<uint32_t>(tokens.size());
  for (const char* special : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    tokens.emplace_back(special);
    types.push_back(static_cast<int32_t>(TokenAttr::kControl));
  }
  writer.add_string("tokenizer.ggml.model", "gpt2");
  writer.add_string("tokenizer.ggml.pre", "gpt-2");
  writer.add_string_array("tokenizer.ggml.tokens", tokens);
  writer.add_int32_array("tokenizer.ggml.token_type", types);
  writer.add_string_array("tokenizer.ggml.merges", merges);
  writer.add_uint32("tokenizer.ggml.bos_token_id", endoftext);
  writer.add_uint32("tokenizer.ggml.eos_token_id", endoftext + 2);
  writer.add_uint32("tokenizer.ggml.padding_token_id", endoftext);
  writer.add_bool("tokenizer.ggml.add_bos_token", false);
  writer.add_string("tokenizer.chat_template", chatml_template());
  return ok_status();
}

}  // namespace primer::model
