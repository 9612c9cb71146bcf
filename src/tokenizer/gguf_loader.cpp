// Tokenizer::from_gguf: builds the tokenizer pipeline (tokenizer_impl.h) from validated GGUF
// metadata (gguf_vocab.h), matching what llama.cpp and the models' Hugging Face tokenizers do:
//
//   "llama" (SentencePiece):  added tokens (control/unknown: special; user-defined: always
//       matched) -> normalizer: ' ' -> "▁", then "▁" prepended to every text segment when
//       add_space_prefix (default true) -> SpmModel (score-based merges, byte fallback)
//       -> decoder: "▁" -> ' ', <0xNN> -> bytes, strip one leading space (the dummy prefix).
//   "gpt2" (byte-level BPE):  added tokens as above -> the split regexes of the
//       tokenizer.ggml.pre family (gguf_pre_types.h) -> GPT-2 byte mapping -> BPE with the
//       merges (ignore_merges for llama3/tekken) -> byte-level decoder.
//   "bert" (WordPiece):  added tokens -> BERT normalizer (drop control/format characters, NFD,
//       strip accents, lowercase) -> split on whitespace, punctuation and CJK ideographs ->
//       WordPieceModel -> [CLS] ... [SEP] with add_special; decoder "▁" -> ' ', strip the first
//       space (HF's WordPiece cleanup of " ." etc. is not applied).
//
// Policy choices (documented here because GGUF leaves them open):
//   - An unknown tokenizer.ggml.pre is an Error naming the value (a wrong pre-tokenizer
//     silently changes ids); a missing one means "default", as llama.cpp does, and
//     describe() says so.
//   - "t5" (Unigram) is not implemented: an Error names the type.
//   - Special ids come only from metadata (no hard-coded defaults); an explicit add_bos/add_eos
//     without the matching id is an Error, a defaulted one just adds nothing.
//   - End-of-generation ids: eos, eot, eom, then control/user-defined tokens spelled like
//     llama.cpp's end-of-turn list ("<|eot_id|>", "<|im_end|>", "<|end|>", ...).
#include <algorithm>
#include <memory>
#include <string>

#include "primer/gguf.h"
#include "primer/tokenizer.h"
#include "tokenizer/gguf_pre_types.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/wordpiece_model.h"

namespace primer {

namespace {

using tok::GgufTokenizerMeta;

constexpr char kSpaceMark[] = "\xE2\x96\x81";  // "▁" U+2581

// Vocabulary, added tokens and the special ids shared by every model type.
void fill_common(const GgufTokenizerMeta& m, TokenizerImpl& impl) {
  tok::Vocab& vocab = impl.vocab;
  vocab.pieces.reserve(m.tokens.size());
  vocab.attrs.reserve(m.tokens.size());
  vocab.index.reserve(m.tokens.size(), vocab.pieces);
  for (size_t id = 0; id < m.tokens.size(); ++id) vocab.push_back(std::string(m.tokens[id]), m.attrs[id]);
  vocab.scores = m.scores;
  for (size_t id = 0; id < m.tokens.size(); ++id) {
    TokenAttr attr = m.attrs[id];
    bool special = attr == TokenAttr::kControl || attr == TokenAttr::kUnknown;
    if (!special && attr != TokenAttr::kUserDefined) continue;
    tok::AddedToken t;
    t.content = std::string(m.tokens[id]);
    t.id = static_cast<TokenId>(id);
    t.special = special;
    impl.added_tokens.push_back(std::move(t));
  }
  impl.bos = m.bos;
  impl.eos = m.eos;
  auto add_eog = [&](std::optional<TokenId> id) {
    if (id && std::find(impl.eos_ids.begin(), impl.eos_ids.end(), *id) == impl.eos_ids.end()) {
      impl.eos_ids.push_back(*id);
    }
  };
  add_eog(m.eos);
  add_eog(m.eot);
  add_eog(m.eom);
  for (const char* text : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                           "<|eom_id|>", "<EOT>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"}) {
    auto id = vocab.find(text);
    if (id && (vocab.attrs[*id] == TokenAttr::kControl || vocab.attrs[*id] == TokenAttr::kUserDefined)) {
      add_eog(id);
    }
  }
  impl.chat_template = std::string(m.chat_template);
}

// BOS/EOS post-processing from add_bos_token/add_eos_token (or the model type's default).
Status set_post_processor(const GgufFile& gguf, const GgufTokenizerMeta& m, bool default_add_bos,
                          TokenizerImpl& impl) {
  impl.add_bos = m.add_bos.value_or(default_add_bos) && m.bos.has_value();
  impl.add_eos = m.add_eos.value_or(false) && m.eos.has_value();
  if (m.add_bos.value_or(false) && !m.bos) {
    return tok::gguf_tokenizer_error(gguf, "tokenizer.ggml.add_bos_token is true but tokenizer.ggml.bos_token_id is missing");
  }
  if (m.add_eos.value_or(false) && !m.eos) {
    return tok::gguf_tokenizer_error(gguf, "tokenizer.ggml.add_eos_token is true but tokenizer.ggml.eos_token_id is missing");
  }
  if (impl.add_bos) impl.post_processor.prefix.push_back(*m.bos);
  if (impl.add_eos) impl.post_processor.suffix.push_back(*m.eos);
  return ok_status();
}

Result<std::unique_ptr<TokenizerImpl>> build_spm(const GgufFile& gguf, const GgufTokenizerMeta& m) {
  auto impl = std::make_unique<TokenizerImpl>();
  fill_common(m, *impl);
  PRIMER_TRY(set_post_processor(gguf, m, /*default_add_bos=*/true, *impl));
  bool space_prefix = m.add_space_prefix.value_or(true);

  std::vector<std::unique_ptr<tok::Normalizer>> norm;
  norm.push_back(tok::make_replace_normalizer(" ", kSpaceMark));
  if (space_prefix) norm.push_back(tok::make_prepend_normalizer(kSpaceMark));
  impl->normalizer = tok::make_sequence_normalizer(std::move(norm));

  std::optional<TokenId> unk = m.unk;
  if (!unk) {
    auto it = std::find(m.attrs.begin(), m.attrs.end(), TokenAttr::kUnknown);
    if (it != m.attrs.end()) unk = static_cast<TokenId>(it - m.attrs.begin());
  }
  impl->model = std::make_unique<tok::SpmModel>(impl->vocab, unk);

  std::vector<std::unique_ptr<tok::Decoder>> dec;
  dec.push_back(tok::make_replace_decoder(kSpaceMark, " "));
  dec.push_back(tok::make_byte_fallback_decoder());
  dec.push_back(tok::make_fuse_decoder());
  if (space_prefix) dec.push_back(tok::make_strip_decoder(" ", 1, 0));
  impl->decoder = tok::make_sequence_decoder(std::move(dec));
  impl->description = "SentencePiece BPE (llama), " + std::to_string(m.tokens.size()) + " tokens";
  return impl;
}

Result<std::unique_ptr<TokenizerImpl>> build_bpe(const GgufFile& gguf, const GgufTokenizerMeta& m) {
  if (!m.has_merges) return tok::gguf_tokenizer_error(gguf, "tokenizer.ggml.merges: missing (required by model 'gpt2')");
  const tok::GgufPreType* pre = m.pre ? tok::find_gguf_pre_type(*m.pre) : &tok::default_gguf_pre_type();
  if (pre == nullptr) {
    return tok::gguf_tokenizer_error(
        gguf, "tokenizer.ggml.pre: unknown pre-tokenizer type '" + std::string(*m.pre) +
                  "' (known: see src/tokenizer/gguf_pre_types.cpp)");
  }
  auto impl = std::make_unique<TokenizerImpl>();
  fill_common(m, *impl);
  PRIMER_TRY(set_post_processor(gguf, m, pre->add_bos == tok::DefaultAddBos::kYes, *impl));

  std::vector<std::unique_ptr<tok::PreTokenizer>> stages;
  for (const char* regex : pre->regexes) {
    if (regex == nullptr) break;
    auto stage = tok::make_split_regex(regex, tok::SplitBehavior::kIsolated);
    if (!stage.ok()) return stage.error().wrap("[tokenizer.gguf] pre-tokenizer '" + std::string(pre->family) + "'");
    stages.push_back(std::move(stage).value());
  }
  PRIMER_ASSIGN_OR_RETURN(auto byte_level,
                          tok::make_byte_level_pre_tokenizer(tok::AddPrefixSpace::kNo, tok::UseRegex::kNo));
  stages.push_back(std::move(byte_level));
  impl->pre_tokenizer = tok::make_sequence_pre_tokenizer(std::move(stages));

  tok::BpeOptions options;
  options.ignore_merges = pre->ignore_merges == tok::IgnoreMerges::kYes;
  // Merges are read straight from the GgufFile's strings.
  auto model = tok::make_bpe_model(impl->vocab, m.n_merges(), [&m](size_t i) { return m.merge(i); }, options);
  if (!model.ok()) return model.error().wrap("[tokenizer.gguf] " + gguf.name() + ": tokenizer.ggml.merges");
  impl->model = std::move(model).value();

  std::vector<std::string> added;
  for (const tok::AddedToken& t : impl->added_tokens) added.push_back(t.content);
  impl->decoder = tok::make_byte_level_decoder(std::move(added));
  impl->description = "byte-level BPE (" + std::string(pre->family) +
                      (m.pre ? "" : ", tokenizer.ggml.pre missing: default") + "), " +
                      std::to_string(m.tokens.size()) + " tokens";
  return impl;
}

// BERT's CJK ideograph blocks (each ideograph is its own word).
constexpr char kCjkIdeograph[] =
    "[\\x{4E00}-\\x{9FFF}\\x{3400}-\\x{4DBF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2B73F}\\x{2B740}-\\x{2B81F}"
    "\\x{2B820}-\\x{2CEAF}\\x{F900}-\\x{FAFF}\\x{2F800}-\\x{2FA1F}]";

Result<std::unique_ptr<TokenizerImpl>> build_wordpiece(const GgufFile& gguf, GgufTokenizerMeta m) {
  if (!m.bos) m.bos = m.cls;
  if (!m.eos) m.eos = m.sep;
  auto impl = std::make_unique<TokenizerImpl>();
  fill_common(m, *impl);
  PRIMER_TRY(set_post_processor(gguf, m, /*default_add_bos=*/true, *impl));
  if (m.sep && impl->post_processor.suffix.empty()) impl->post_processor.suffix.push_back(*m.sep);

  std::vector<std::unique_ptr<tok::Normalizer>> norm;
  // BERT clean_text: drop NUL, U+FFFD and other (C*) characters except \t \n \r.
  PRIMER_ASSIGN_OR_RETURN(auto clean, tok::make_replace_regex_normalizer("(?![\\t\\n\\r])[\\x{FFFD}\\p{C}]", ""));
  norm.push_back(std::move(clean));
  PRIMER_ASSIGN_OR_RETURN(auto nfd, tok::make_unicode_normalizer(tok::UnicodeForm::kNfd));
  norm.push_back(std::move(nfd));
  norm.push_back(tok::make_strip_accents_normalizer());
  norm.push_back(tok::make_lowercase_normalizer());
  impl->normalizer = tok::make_sequence_normalizer(std::move(norm));

  std::vector<std::unique_ptr<tok::PreTokenizer>> stages;
  stages.push_back(tok::make_whitespace_split_pre_tokenizer());
  stages.push_back(tok::make_punctuation_pre_tokenizer(tok::SplitBehavior::kIsolated));
  PRIMER_ASSIGN_OR_RETURN(auto cjk, tok::make_split_regex(kCjkIdeograph, tok::SplitBehavior::kIsolated));
  stages.push_back(std::move(cjk));
  impl->pre_tokenizer = tok::make_sequence_pre_tokenizer(std::move(stages));

  std::optional<TokenId> unk = m.unk;
  if (!unk) unk = impl->vocab.find("[UNK]");
  impl->model = std::make_unique<tok::WordPieceModel>(impl->vocab, unk);

  std::vector<std::unique_ptr<tok::Decoder>> dec;
  dec.push_back(tok::make_replace_decoder(kSpaceMark, " "));
  dec.push_back(tok::make_fuse_decoder());
  dec.push_back(tok::make_strip_decoder(" ", 1, 0));
  impl->decoder = tok::make_sequence_decoder(std::move(dec));
  impl->description = "WordPiece (bert), " + std::to_string(m.tokens.size()) + " tokens";
  return impl;
}

}  // namespace

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& gguf) {
  PRIMER_ASSIGN_OR_RETURN(GgufTokenizerMeta meta, tok::read_gguf_tokenizer_meta(gguf));
  std::unique_ptr<TokenizerImpl> impl;
  if (meta.model == "llama") {
    PRIMER_ASSIGN_OR_RETURN(impl, build_spm(gguf, meta));
  } else if (meta.model == "gpt2") {
    PRIMER_ASSIGN_OR_RETURN(impl, build_bpe(gguf, meta));
  } else if (meta.model == "bert") {
    PRIMER_ASSIGN_OR_RETURN(impl, build_wordpiece(gguf, meta));
  } else if (meta.model == "t5") {
    return tok::gguf_tokenizer_error(gguf, "tokenizer.ggml.model 't5' (Unigram) is not supported yet");
  } else {
    return tok::gguf_tokenizer_error(gguf, "tokenizer.ggml.model: unknown tokenizer type '" +
                                               std::string(meta.model) + "' (expected 'llama', 'gpt2' or 'bert')");
  }
  auto tokenizer = make_tokenizer(std::move(impl));
  if (!tokenizer.ok()) return tokenizer.error().wrap("[tokenizer.gguf] " + gguf.name());
  return tokenizer;
}

}  // namespace primer
