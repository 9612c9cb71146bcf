#include "tokenizer/tokenizer_impl.h"

#include <algorithm>
#include <cctype>

namespace primer {
namespace tok {

TokenId Vocab::push_back(std::string piece, TokenAttr attr, float score) {
  TokenId id = static_cast<TokenId>(pieces.size());
  pieces.push_back(std::move(piece));
  index.insert(id, pieces);  // keeps the first id of a duplicate piece
  attrs.push_back(attr);
  if (!scores.empty() || score != 0.0f) {
    scores.resize(pieces.size() - 1, 0.0f);
    scores.push_back(score);
  }
  return id;
}

size_t Vocab::memory_bytes() const {
  size_t n = pieces.capacity() * sizeof(std::string) + attrs.capacity() + scores.capacity() * sizeof(float) +
             index.memory_bytes();
  for (const std::string& p : pieces) {
    if (p.capacity() > 15) n += p.capacity() + 1;  // outside the small-string buffer (libstdc++)
  }
  return n;
}

}  // namespace tok

void add_end_of_generation_ids(TokenizerImpl& impl) {
  // Texts of the control tokens that end a turn or a document in common chat models (the list
  // llama.cpp uses to mark end-of-generation tokens).
  static constexpr std::string_view kEndOfGeneration[] = {
      "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>", "<|end_of_text|>", "<|end|>",
      "<end_of_turn>", "<|return|>", "<|call|>", "<EOT>", "_<EOT>", "<end_of_utterance>", "</s>"};
  auto add = [&](TokenId id) {
    if (std::find(impl.eos_ids.begin(), impl.eos_ids.end(), id) == impl.eos_ids.end()) {
      impl.eos_ids.push_back(id);
    }
  };
  if (impl.eos) add(*impl.eos);
  for (std::string_view text : kEndOfGeneration) {
    auto id = impl.vocab.find(text);
    if (id && impl.vocab.attrs[*id] == TokenAttr::kControl) add(*id);
  }
}

namespace {

// See TokenizerImpl::stream_anchor. Byte and single-character tokens sit early in every
// vocabulary we load, so the scan is short.
std::optional<TokenId> find_stream_anchor(const TokenizerImpl& impl) {
  const size_t n = impl.vocab.size();
  for (size_t i = 0; i < n; ++i) {
    TokenId id = static_cast<TokenId>(i);
    TokenAttr attr = impl.vocab.attrs[i];
    if (impl.is_special[i] || (attr != TokenAttr::kNormal && attr != TokenAttr::kByte)) continue;
    std::string text = decode_to_bytes(impl, &id, 1, false);
    if (text.size() == 1 && std::isalnum(static_cast<unsigned char>(text[0]))) return id;
  }
  return std::nullopt;
}

}  // namespace

size_t tokenizer_memory_bytes(const TokenizerImpl& impl) {
  size_t n = impl.vocab.memory_bytes() + impl.is_special.capacity() +
             impl.added_tokens.capacity() * sizeof(tok::AddedToken);
  for (const tok::AddedToken& t : impl.added_tokens) n += t.content.capacity() > 15 ? t.content.capacity() + 1 : 0;
  if (impl.model) n += impl.model->memory_bytes();
  return n;
}

Status finish_tokenizer(TokenizerImpl& impl) {
  const char* op = "[tokenizer]";
  if (!impl.model) return make_error("%s no model", op);
  tok::Vocab& vocab = impl.vocab;
  if (vocab.pieces.empty()) return make_error("%s the vocabulary is empty", op);
  if (vocab.attrs.size() != vocab.pieces.size()) vocab.attrs.resize(vocab.pieces.size(), TokenAttr::kNormal);
  if (!vocab.scores.empty() && vocab.scores.size() != vocab.pieces.size()) {
    vocab.scores.resize(vocab.pieces.size(), 0.0f);
  }
  auto check_id = [&](std::optional<TokenId> id, const char* what) -> Status {
    if (id && !vocab.valid(*id)) {
      return make_error("%s %s id %d is outside the vocabulary (size %zu)", op, what, *id, vocab.size());
    }
    return ok_status();
  };
  PRIMER_TRY(check_id(impl.bos, "bos"));
  PRIMER_TRY(check_id(impl.eos, "eos"));
  for (TokenId id : impl.eos_ids) PRIMER_TRY(check_id(id, "eos_ids"));
  for (TokenId id : impl.post_processor.prefix) PRIMER_TRY(check_id(id, "post_processor"));
  for (TokenId id : impl.post_processor.suffix) PRIMER_TRY(check_id(id, "post_processor"));

  impl.is_special.assign(vocab.size(), 0);
  std::vector<tok::AddedToken> raw_tokens, norm_tokens;
  std::vector<std::string> raw_contents, norm_contents;
  for (const tok::AddedToken& t : impl.added_tokens) {
    if (!vocab.valid(t.id)) {
      return make_error("%s added token '%s': id %d is outside the vocabulary (size %zu)", op,
                        t.content.c_str(), t.id, vocab.size());
    }
    TokenAttr& attr = vocab.attrs[t.id];
    if (attr == TokenAttr::kNormal || attr == TokenAttr::kUnused) {
      attr = t.special ? TokenAttr::kControl : TokenAttr::kUserDefined;
    }
    if (t.special) impl.is_special[t.id] = 1;
    if (t.normalized && impl.normalizer) {
      std::string content = t.content;
      impl.normalizer->normalize(content);
      norm_tokens.push_back(t);
      norm_contents.push_back(std::move(content));
    } else {
      raw_tokens.push_back(t);
      raw_contents.push_back(t.content);
    }
  }
  for (size_t id = 0; id < vocab.size(); ++id) {
    if (vocab.attrs[id] == TokenAttr::kControl) impl.is_special[id] = 1;
  }
  impl.raw_matcher.build(raw_tokens, raw_contents);
  impl.normalized_matcher.build(norm_tokens, norm_contents);
  add_end_of_generation_ids(impl);
  impl.stream_anchor = find_stream_anchor(impl);
  return ok_status();
}

}  // namespace primer
