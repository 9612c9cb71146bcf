// StopMatcher: stop strings over streamed text.
//
// Invariant between pushes: held_ contains no complete stop string, and it is the longest suffix
// of the text so far that is a proper prefix of some stop string. Everything before it has been
// emitted: no stop string can start there (it would either be complete, and found, or run past the
// end of the text, and then the suffix from its start would be a prefix of it — held).
#include <algorithm>

#include "primer/sampler.h"

namespace primer {

StopMatcher::StopMatcher(std::vector<std::string> stops) {
  for (auto& s : stops) {
    if (!s.empty()) stops_.push_back(std::move(s));  // an empty stop string would match at once
  }
}

StopMatcher::Output StopMatcher::push(std::string_view piece) {
  Output out;
  if (stopped_) {
    out.stopped = true;
    return out;
  }
  held_.append(piece);

  size_t first = std::string::npos;
  for (const auto& s : stops_) first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    out.text = held_.substr(0, first);
    out.stopped = true;
    stopped_ = true;
    held_.clear();
    return out;
  }

  // Longest suffix of held_ that is a proper prefix of a stop string.
  size_t hold = 0;
  for (const auto& s : stops_) {
    for (size_t len = std::min(s.size() - 1, held_.size()); len > hold; --len) {
      if (std::string_view(held_).substr(held_.size() - len) == std::string_view(s).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  out.text = held_.substr(0, held_.size() - hold);
  held_.erase(0, held_.size() - hold);
  return out;
}

std::string StopMatcher::flush() {
  std::string out;
  out.swap(held_);
  return out;
}

}  // namespace primer
