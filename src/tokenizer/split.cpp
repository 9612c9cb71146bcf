#include "tokenizer/split.h"

namespace primer::tok {

void SplitStream::match(size_t begin, size_t end) {
  if (prev_end_ != begin) span(prev_end_, begin, invert_);
  span(begin, end, !invert_);
  prev_end_ = end;
}

void SplitStream::finish() {
  if (prev_end_ != text_.size()) span(prev_end_, text_.size(), invert_);
  flush();
}

void SplitStream::flush() {
  if (has_pending_ && pending_end_ > pending_begin_) {
    emit_(text_.substr(pending_begin_, pending_end_ - pending_begin_));
  }
  has_pending_ = false;
}

// Emits the piece being built, then starts a new one at [begin, end).
void SplitStream::start_pending(size_t begin, size_t end, bool is_match) {
  flush();
  has_pending_ = true;
  pending_begin_ = begin;
  pending_end_ = end;
  pending_is_match_ = is_match;
}

// The behaviours, as folds over the spans (HF SplitDelimiterBehavior):
//   Removed             keep gaps only
//   Isolated            every span is a piece
//   MergedWithPrevious  a match joins the piece before it, unless that piece ended in a match
//   MergedWithNext      a match joins the gap after it; a match followed by a match stays alone
//   Contiguous          consecutive spans with the same flag join
void SplitStream::span(size_t begin, size_t end, bool is_match) {
  switch (behavior_) {
    case SplitBehavior::kRemoved:
      if (!is_match && end > begin) emit_(text_.substr(begin, end - begin));
      return;
    case SplitBehavior::kIsolated:
      if (end > begin) emit_(text_.substr(begin, end - begin));
      return;
    case SplitBehavior::kMergedWithPrevious:
      if (is_match && !previous_match_ && has_pending_) {
        pending_end_ = end;
      } else {
        start_pending(begin, end, is_match);
      }
      previous_match_ = is_match;
      return;
    case SplitBehavior::kMergedWithNext:
      if (has_pending_ && pending_is_match_ && !is_match) {
        pending_end_ = end;
        pending_is_match_ = false;
        flush();
        return;
      }
      start_pending(begin, end, is_match);
      if (!is_match) flush();  // a gap never absorbs what follows it
      return;
    case SplitBehavior::kContiguous:
      if (has_pending_ && is_match == previous_match_) {
        pending_end_ = end;
      } else {
        start_pending(begin, end, is_match);
      }
      previous_match_ = is_match;
      return;
  }
}

}  // namespace primer::tok
