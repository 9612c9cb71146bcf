// StreamDecoder: incremental decoding with a short context window (the approach of Hugging Face
// text-generation-inference): text(new) = decode(context + pending) minus decode(context), where
// both are decoded from the same window start, so start-of-text rules (Strip, Metaspace's first
// "▁") cancel out. Text is released only when the pending part ends on a complete character.
// Once the window no longer starts the text, the tokenizer's stream anchor (one plain character)
// is decoded in front of it, so those start-of-text rules cannot eat text from mid-stream: e.g.
// a Strip(start=2) decoder must not remove the space of a "▁" that follows emitted text.
#include "primer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "primer/utf8.h"

namespace primer {
namespace {

// A window that never completes (a decoder whose output is not prefix-stable) is released after
// this many pending ids so memory and cost stay bounded.
constexpr size_t kMaxPendingIds = 64;

std::string to_text(std::string_view bytes) {
  return utf8::is_valid(bytes) ? std::string(bytes) : utf8::sanitize(bytes);
}

}  // namespace

// Text of ids_[0, n), decoded as a continuation when the window does not start the text.
std::string StreamDecoder::window_text(size_t n) const {
  const TokenizerImpl& impl = tok_->impl();
  if (window_at_text_start_ || !impl.stream_anchor) return decode_to_bytes(impl, ids_.data(), n, false);
  scratch_.clear();
  scratch_.push_back(*impl.stream_anchor);
  scratch_.insert(scratch_.end(), ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(n));
  std::string text = decode_to_bytes(impl, scratch_.data(), scratch_.size(), false);
  return text.substr(1);  // the anchor decodes to exactly one leading byte
}

void StreamDecoder::advance_window() {
  if (prefix_end_ > 0) window_at_text_start_ = false;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_end_));
  prefix_end_ = ids_.size();
}

StreamDecoder::StreamDecoder(const Tokenizer& tok, DecodeOptions opts) : tok_(&tok), opts_(opts) {}

std::string StreamDecoder::push(TokenId id) {
  const TokenizerImpl& impl = tok_->impl();
  if (!impl.vocab.valid(id)) return "";
  if (opts_.skip_special && impl.is_special[id]) return "";
  ids_.push_back(id);
  std::string context = window_text(prefix_end_);
  std::string all = window_text(ids_.size());
  bool stable = all.size() >= context.size() && all.compare(0, context.size(), context) == 0;
  size_t pending = ids_.size() - prefix_end_;
  if (stable) {
    std::string_view delta = std::string_view(all).substr(context.size());
    if (delta.empty() || utf8::complete_prefix(delta) != delta.size()) {
      if (pending < kMaxPendingIds) return "";  // wait for the character to complete
    }
    std::string out = to_text(delta);
    advance_window();
    return out;
  }
  if (pending < kMaxPendingIds) return "";
  // Not prefix-stable for too long: restart the window after releasing the new text.
  std::string out = to_text(std::string_view(all).substr(std::min(context.size(), all.size())));
  advance_window();
  return out;
}

std::string StreamDecoder::flush() {
  std::string context = window_text(prefix_end_);
  std::string all = window_text(ids_.size());
  std::string out;
  if (all.size() > context.size()) out = to_text(std::string_view(all).substr(context.size()));
  if (!ids_.empty()) window_at_text_start_ = false;  // later pushes continue the text
  ids_.clear();
  prefix_end_ = 0;
  return out;
}

}  // namespace primer
