#pragma once
// Channel: the hand-off between the Scheduler's owner thread (producer: one sink per choice) and
// the HTTP thread answering the request (consumer). The sink only locks, appends and notifies,
// so the owner thread never waits on a socket.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "primer/scheduler.h"

namespace primer::serve {

struct ChoiceEvent {
  int choice = 0;
  GenerationEvent event;
};

class Channel {
 public:
  // The sink for choice `index` (called on the scheduler thread).
  EventSink sink(int index, std::shared_ptr<Channel> self) {
    return [self = std::move(self), index](GenerationEvent&& e) {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->events_.push_back({index, std::move(e)});
      self->cv_.notify_one();
    };
  }
  // Waits up to `timeout` for events; moves them out. Returns false when nothing arrived.
  bool wait(std::vector<ChoiceEvent>& out, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
    if (events_.empty()) return false;
    while (!events_.empty()) {
      out.push_back(std::move(events_.front()));
      events_.pop_front();
    }
    return true;
  }
 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ChoiceEvent> events_;
};

}  // namespace primer::serve
