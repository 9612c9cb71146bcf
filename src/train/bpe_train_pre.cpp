// Pre-tokenizer choices and the byte alphabet of BPE training (contract in bpe_train.h).
#include <algorithm>
#include <array>

#include "tokenizer/byte_level.h"
#include "tokenizer/gguf_pre_types.h"
#include "tokenizer/hf_json.h"
#include "train/bpe_train.h"

namespace primer::train::bpe {

namespace {

// name, GGUF pre name (a row of tokenizer/gguf_pre_types.cpp), model.ignore_merges. Llama 3's
// tokenizer.json sets ignore_merges (GGUF row "llama-bpe" does too); GPT-2's and Qwen2's do not.
constexpr std::array<PreSpec, 3> kPreSpecs = {{
    {"gpt2", "gpt-2", false},
    {"llama3", "llama-bpe", true},
    {"qwen2", "qwen2", false},
}};

OrderedJson byte_level_json(bool use_regex) {
  OrderedJson j;
  j["type"] = "ByteLevel";
  j["add_prefix_space"] = false;
  j["trim_offsets"] = true;
  j["use_regex"] = use_regex;
  return j;
}

}  // namespace

Result<PreSpec> find_pre_spec(std::string_view name) {
  for (const PreSpec& s : kPreSpecs) {
    if (s.name == name) return s;
  }
  return make_error("[tokenizer train] pre-tokenizer '%.*s': expected gpt2, llama3 or qwen2",
                    static_cast<int>(name.size()), name.data());
}

OrderedJson pre_tokenizer_json(const PreSpec& spec) {
  // GPT-2's own file: ByteLevel splitting with its built-in regex (the "gpt-2" row's regex).
  if (spec.name == "gpt2") return byte_level_json(/*use_regex=*/true);
  const tok::GgufPreType* row = tok::find_gguf_pre_type(spec.gguf_name);
  PRIMER_CHECK(row != nullptr && row->regexes[0] != nullptr && row->regexes[1] == nullptr);
  OrderedJson split;
  split["type"] = "Split";
  split["pattern"] = OrderedJson{{"Regex", row->regexes[0]}};
  split["behavior"] = "Isolated";
  split["invert"] = false;
  OrderedJson seq;
  seq["type"] = "Sequence";
  seq["pretokenizers"] = OrderedJson::array({split, byte_level_json(/*use_regex=*/false)});
  return seq;
}

Result<std::unique_ptr<tok::PreTokenizer>> make_pre_tokenizer(const OrderedJson& pre_json) {
  const tok::hf::Json j = tok::hf::Json::parse(pre_json.dump());
  auto pre = tok::hf::parse_pre_tokenizer(j, tok::hf::Where{"tokenizer.json", "pre_tokenizer"});
  if (!pre.ok()) return pre.error().wrap("[tokenizer train] pre-tokenizer");
  return pre;
}

ByteAlphabet byte_alphabet() {
  std::array<std::pair<char32_t, uint8_t>, 256> by_cp{};
  for (int b = 0; b < 256; ++b) {
    by_cp[b] = {tok::byte_to_codepoint(static_cast<uint8_t>(b)), static_cast<uint8_t>(b)};
  }
  std::sort(by_cp.begin(), by_cp.end());
  ByteAlphabet a{};
  for (int id = 0; id < 256; ++id) {
    a.byte_of_id[id] = by_cp[id].second;
    a.id_of_byte[by_cp[id].second] = id;
  }
  return a;
}

}  // namespace primer::train::bpe
