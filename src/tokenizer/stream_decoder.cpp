// StreamDecoder: incremental decoding with a short context window (the approach of Hugging Face
// text-generation-inference): text(new) = decode(context + pending) minus decode(context), where
// both are decoded from the same window start, so start-of-text rules (Strip, Metaspace's first
// "▁") cancel out. Text is released only when the pending part ends on a complete character.
#include "primer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace primer {
namespace {

// A window that never completes (a decoder whose output is not prefix-stable) is released after
// this many pending ids so memory and cost stay bounded.
constexpr size_t kMaxPendingIds = 64;

std::string to_text(std::string_view bytes) {
  return tok::is_valid_utf8(bytes) ? std::string(bytes) : tok::sanitize_utf8(bytes);
}

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tok, DecodeOptions opts) : tok_(&tok), opts_(opts) {}

std::string StreamDecoder::push(TokenId id) {
  const TokenizerImpl& impl = tok_->impl();
  if (!impl.vocab.valid(id)) return "";
  if (opts_.skip_special && impl.is_special[id]) return "";
  ids_.push_back(id);
  std::string context = decode_to_bytes(impl, ids_.data(), prefix_end_, false);
  std::string all = decode_to_bytes(impl, ids_.data(), ids_.size(), false);
  bool stable = all.size() >= context.size() && all.compare(0, context.size(), context) == 0;
  size_t pending = ids_.size() - prefix_end_;
  if (stable) {
    std::string_view delta = std::string_view(all).substr(context.size());
    if (delta.empty() || tok::utf8_complete_prefix(delta) != delta.size()) {
      if (pending < kMaxPendingIds) return "";  // wait for the character to complete
    }
    std::string out = to_text(delta);
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_end_));
    prefix_end_ = ids_.size();
    return out;
  }
  if (pending < kMaxPendingIds) return "";
  // Not prefix-stable for too long: restart the window after releasing the new text.
  std::string out = to_text(std::string_view(all).substr(std::min(context.size(), all.size())));
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_end_));
  prefix_end_ = ids_.size();
  return out;
}

std::string StreamDecoder::flush() {
  const TokenizerImpl& impl = tok_->impl();
  std::string context = decode_to_bytes(impl, ids_.data(), prefix_end_, false);
  std::string all = decode_to_bytes(impl, ids_.data(), ids_.size(), false);
  std::string out;
  if (all.size() > context.size()) out = to_text(std::string_view(all).substr(context.size()));
  ids_.clear();
  prefix_end_ = 0;
  return out;
}

}  // namespace primer
