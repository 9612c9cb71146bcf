// Tokenizer: the public face of TokenizerImpl (encode/decode/vocabulary queries).
#include "primer/tokenizer.h"

#include "tokenizer/tokenizer_impl.h"
#include "primer/utf8.h"

namespace primer {
namespace {

// Pre-tokenizes and runs the model over one normalized, added-token-free segment.
void encode_plain(const TokenizerImpl& impl, std::string_view text, bool at_text_start,
                  std::vector<TokenId>& ids) {
  if (text.empty()) return;
  if (!impl.pre_tokenizer) {
    impl.model->tokenize(text, ids);
    return;
  }
  impl.pre_tokenizer->pre_tokenize(text, at_text_start,
                                   [&](std::string_view piece) { impl.model->tokenize(piece, ids); });
}

}  // namespace

std::vector<TokenId> encode_impl(const TokenizerImpl& impl, std::string_view text,
                                 const EncodeOptions& opts) {
  std::string sanitized;
  if (!utf8::is_valid(text)) {
    sanitized = utf8::sanitize(text);
    text = sanitized;
  }
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  if (opts.add_special) ids = impl.post_processor.prefix;

  std::vector<tok::TextSegment> segments;
  impl.raw_matcher.split(text, opts.parse_special, segments);
  std::vector<tok::TextSegment> sub_segments;
  for (const tok::TextSegment& seg : segments) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
      continue;
    }
    std::string part(text.substr(seg.begin, seg.end - seg.begin));
    if (impl.normalizer) impl.normalizer->normalize(part);
    bool at_start = seg.begin == 0;
    if (impl.normalized_matcher.empty()) {
      encode_plain(impl, part, at_start, ids);
      continue;
    }
    sub_segments.clear();
    impl.normalized_matcher.split(part, opts.parse_special, sub_segments);
    for (const tok::TextSegment& sub : sub_segments) {
      if (sub.id >= 0) {
        ids.push_back(sub.id);
      } else {
        encode_plain(impl, std::string_view(part).substr(sub.begin, sub.end - sub.begin),
                     at_start && sub.begin == 0,
                     ids);
      }
    }
  }
  if (opts.add_special) {
    ids.insert(ids.end(), impl.post_processor.suffix.begin(), impl.post_processor.suffix.end());
  }
  return ids;
}

std::string decode_to_bytes(const TokenizerImpl& impl, const TokenId* ids, size_t n,
                            bool skip_special) {
  std::vector<std::string> tokens;
  tokens.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TokenId id = ids[i];
    if (!impl.vocab.valid(id)) continue;  // unknown ids are skipped, as HF does
    if (skip_special && impl.is_special[id]) continue;
    tokens.push_back(impl.vocab.pieces[id]);
  }
  std::string out;
  if (impl.decoder) {
    impl.decoder->decode_chain(tokens);
    for (const std::string& t : tokens) out += t;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) out += ' ';
      out += tokens[i];
    }
  }
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<TokenId> Tokenizer::encode(std::string_view text, const EncodeOptions& opts) const {
  return encode_impl(*impl_, text, opts);
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, const DecodeOptions& opts) const {
  std::string bytes = decode_to_bytes(*impl_, ids.data(), ids.size(), opts.skip_special);
  if (utf8::is_valid(bytes)) return bytes;
  return utf8::sanitize(bytes);
}

const std::string& Tokenizer::piece(TokenId id) const {
  return impl_->vocab.valid(id) ? impl_->vocab.pieces[id] : impl_->empty_piece;
}

std::optional<TokenId> Tokenizer::find_piece(std::string_view piece) const {
  return impl_->vocab.find(piece);
}

TokenAttr Tokenizer::attr(TokenId id) const {
  return impl_->vocab.valid(id) ? impl_->vocab.attrs[id] : TokenAttr::kUnused;
}

size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }
std::optional<TokenId> Tokenizer::bos() const { return impl_->bos; }
std::optional<TokenId> Tokenizer::eos() const { return impl_->eos; }
std::vector<TokenId> Tokenizer::eos_ids() const { return impl_->eos_ids; }
bool Tokenizer::add_bos() const { return impl_->add_bos; }
bool Tokenizer::add_eos() const { return impl_->add_eos; }
std::string Tokenizer::bos_text() const { return impl_->bos ? piece(*impl_->bos) : std::string(); }
std::string Tokenizer::eos_text() const { return impl_->eos ? piece(*impl_->eos) : std::string(); }
const std::string& Tokenizer::chat_template() const { return impl_->chat_template; }
std::string Tokenizer::describe() const { return impl_->description; }

Result<Tokenizer> make_tokenizer(std::unique_ptr<TokenizerImpl> impl) {
  PRIMER_TRY(finish_tokenizer(*impl));
  return Tokenizer(std::move(impl));
}

}  // namespace primer
