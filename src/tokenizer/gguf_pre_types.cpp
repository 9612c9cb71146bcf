// The table of GGUF pre-tokenizer types (contract in gguf_pre_types.h). One row per family;
// `names` lists every tokenizer.ggml.pre value llama.cpp's converter writes for it. Regexes are
// in Hugging Face syntax as published in each family's tokenizer.json (\s, (?i:...) are
// rewritten for PCRE2 by hf_regex_to_pcre2); where the original pre-tokenizer is a Sequence of
// stages (Digits, Punctuation, several Splits), each stage is one regex here, in order.
#include "tokenizer/gguf_pre_types.h"

namespace primer::tok {

namespace {

// GPT-2 (ByteLevel use_regex=true).
#define PRIMER_GPT2_SPLIT "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
// Llama 3 / cl100k-style: digits in runs of at most 3, letters with one leading non-letter.
#define PRIMER_LLAMA3_SPLIT                                                                   \
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|" \
  "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
// BLOOM / Poro / GPT-3 Finnish: everything up to whitespace or a few punctuation marks.
#define PRIMER_BLOOM_SPLIT " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"
// CJK ideographs, U+0800..U+4E00 (many scripts) and Hangul, as one run (DeepSeek).
#define PRIMER_DEEPSEEK_CJK "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"

constexpr GgufPreType kPreTypes[] = {
    {"default", "default",
     {"[\\p{P}\\$\\+<=>\\^~\\|]+", PRIMER_GPT2_SPLIT, "\\p{N}+", "[0-9][0-9][0-9]"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"gpt-2",
     "gpt-2 phi-2 mpt olmo jais jina-es jina-de jina-v1-en jina-v2-es jina-v2-de jina-v2-code "
     "roberta-bpe gigachat",
     {PRIMER_GPT2_SPLIT}, IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"llama3", "llama3 llama-v3 llama-bpe falcon3", {PRIMER_LLAMA3_SPLIT}, IgnoreMerges::kYes,
     DefaultAddBos::kYes},
    {"dbrx", "dbrx smaug-bpe chatglm-bpe glm4", {PRIMER_LLAMA3_SPLIT}, IgnoreMerges::kNo,
     DefaultAddBos::kNo},
    // Qwen2: as Llama 3 but single digits.
    {"qwen2", "qwen2 stablelm2 megrez deepseek-r1-qwen",
     {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
    // StarCoder family: Digits(individual) then GPT-2.
    {"starcoder", "starcoder refact command-r smollm codeshell exaone minerva-7b",
     {"\\p{N}", PRIMER_GPT2_SPLIT}, IgnoreMerges::kNo, DefaultAddBos::kNo},
    // Falcon: Punctuation(contiguous), GPT-2, then runs of three ASCII digits.
    {"falcon", "falcon", {"[\\p{P}\\$\\+<=>\\^~\\|`]+", PRIMER_GPT2_SPLIT, "[0-9][0-9][0-9]"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"deepseek-coder", "deepseek-coder",
     {"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", PRIMER_DEEPSEEK_CJK, "\\p{N}"}, IgnoreMerges::kNo,
     DefaultAddBos::kNo},
    // DeepSeek LLM: the second regex is the set of cased letters (Lu/Ll/Lt) spelled as ranges.
    {"deepseek-llm", "deepseek-llm",
     {"[\\r\\n]",
      "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
      "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}"
      "\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
      "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}"
      "\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
      "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"
      "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}"
      "\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
      "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}"
      "\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
      "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
      "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}"
      "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
      "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}"
      "\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
      "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+", "\\s+$",
      PRIMER_DEEPSEEK_CJK, "\\p{N}+"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"deepseek-v3", "deepseek-v3",
     {"\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
      " ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"bloom", "bloom poro-chat gpt3-finnish", {PRIMER_BLOOM_SPLIT}, IgnoreMerges::kNo, DefaultAddBos::kNo},
    {"viking", "viking", {PRIMER_BLOOM_SPLIT, "\\p{N}"}, IgnoreMerges::kNo, DefaultAddBos::kNo},
    // Tekken (Mistral NeMo): case-aware words, single digits.
    {"tekken", "tekken",
     {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}|"
      " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     IgnoreMerges::kYes, DefaultAddBos::kYes},
    // GPT-4o / Llama 4 (o200k-style).
    {"gpt-4o", "gpt-4o llama4",
     {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
      "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     IgnoreMerges::kNo, DefaultAddBos::kNo},
};

#undef PRIMER_GPT2_SPLIT
#undef PRIMER_LLAMA3_SPLIT
#undef PRIMER_BLOOM_SPLIT
#undef PRIMER_DEEPSEEK_CJK

bool names_contain(std::string_view names, std::string_view pre) {
  while (!names.empty()) {
    size_t space = names.find(' ');
    if (names.substr(0, space) == pre) return true;
    if (space == std::string_view::npos) break;
    names.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

const GgufPreType* find_gguf_pre_type(std::string_view pre) {
  if (pre.empty()) return nullptr;
  for (const GgufPreType& row : kPreTypes) {
    if (names_contain(row.names, pre)) return &row;
  }
  return nullptr;
}

const GgufPreType& default_gguf_pre_type() { return kPreTypes[0]; }

}  // namespace primer::tok
