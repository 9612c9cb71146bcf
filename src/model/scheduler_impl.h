// The Scheduler's state: what submit()/cancel()/stats() share with the owner thread (under `mu`),
// and what only the owner thread touches (slots, the waiting list, the Context).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "model/scheduler_stream.h"
#include "primer/engine.h"
#include "primer/scheduler.h"

namespace primer {

// One KV sequence of the Context and the request using it (if any).
struct SchedSlot {
  int seq = 0;
  std::vector<int32_t> cached;            // the tokens its KV cache holds, in order (the mirror)
  std::unique_ptr<sched::Stream> stream;  // null: idle (cached stays for prefix reuse)
  bool prefilling = false;                // prompt tokens still to decode
  int32_t next_token = -1;                // generating: the sampled token decoded next step
  uint64_t last_used = 0;                 // step of the last admission (LRU among equals)
  uint64_t admitted = 0;                  // admission order (prefill fairness)
  size_t batch_row = 0;                   // this step: batch index of its logits row
  bool in_batch = false;
};

struct Scheduler::Impl {
  Impl(const Model& m, ThreadPool& p) : model(m), pool(p) {}

  const Model& model;
  ThreadPool& pool;
  SchedulerOptions options;
  std::unique_ptr<Context> ctx;
  sched::StreamEnv env;

  // ---- shared (guarded by mu) ----
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  uint64_t next_id = 1;
  std::deque<sched::Pending> incoming;   // submitted, not yet seen by the owner thread
  size_t n_queued = 0;                   // incoming + waiting (the bound of max_queue)
  std::unordered_set<uint64_t> live;     // ids not yet finished
  std::vector<uint64_t> cancels;         // live ids to cancel at the next step
  SchedulerStats stats;

  // ---- owner thread only ----
  std::deque<sched::Pending> waiting;    // taken from incoming, waiting for a slot
  std::vector<SchedSlot> slots;
  Batch batch;
  std::vector<SchedSlot*> prefill_order;  // this step's prefilling slots (reused)
  std::vector<double> ttfts;             // first-token times of this step, for the histogram
  uint64_t step_no = 0;
  uint64_t admissions = 0;
  std::thread thread;

  void run();                            // the owner thread's loop
  // One step: cancellations, admissions, one decode, sampling. False when there is nothing to do.
  bool step(std::vector<uint64_t>& cancel_ids);
  void admit();
  std::optional<size_t> pick_slot(const sched::Pending& p, int64_t& reuse);
  // Sends kDone and records the counters; the slot (if any) becomes idle.
  void end_stream(SchedSlot& slot, std::optional<FinishReason> abort_reason, std::string error = {});
  void finish_waiting(sched::Pending& p, FinishReason reason);
  void shutdown();
  void record(const sched::StreamSummary& s, bool admitted);
  void publish_step(double decode_s, bool decoded);
};

}  // namespace primer
