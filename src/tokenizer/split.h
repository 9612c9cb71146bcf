// Hugging Face's NormalizedString::split, streamed: cutting a piece at its matches according to
// a SplitBehavior, emitting the resulting non-empty pieces as soon as they are final. Shared by
// the Split, Metaspace, Punctuation, Digits, Whitespace and ByteLevel stages.
//
//   SplitStream s(text, behavior, invert, emit);
//   for each match in increasing order: s.match(begin, end);   // empty matches allowed
//   s.finish();
#pragma once

#include <cstddef>
#include <string_view>

#include "tokenizer/tokenizer_impl.h"

namespace primer::tok {

class SplitStream {
 public:
  SplitStream(std::string_view text, SplitBehavior behavior, SplitInvert invert, PieceSink emit)
      : text_(text), behavior_(behavior), invert_(invert == SplitInvert::kYes), emit_(emit) {}
  void match(size_t begin, size_t end);
  void finish();

 private:
  // One span of the text: a match or the gap before it (HF find_matches), after inversion.
  void span(size_t begin, size_t end, bool is_match);
  void flush();
  void start_pending(size_t begin, size_t end, bool is_match);

  std::string_view text_;
  SplitBehavior behavior_;
  bool invert_;
  PieceSink emit_;
  size_t prev_end_ = 0;
  // The piece being built (not emitted yet), and whether it is a lone match (MergedWithNext).
  bool has_pending_ = false;
  size_t pending_begin_ = 0, pending_end_ = 0;
  bool pending_is_match_ = false;
  bool previous_match_ = false;
};

}  // namespace primer::tok
