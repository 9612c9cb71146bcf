// Helpers for the Scheduler tests: an event collector per request, and the oracle: the very
// generate() loop `primer run` uses (src/cli/generation.cpp, compiled into this test binary by
// scheduler_oracle.cpp), run alone on its own Context.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "primer/engine.h"
#include "primer/model.h"
#include "primer/sampler.h"
#include "primer/scheduler.h"
#include "primer/thread_pool.h"

namespace primer::testing {

// Everything one request's sink received. Thread-safe; wait_done() blocks the test thread.
struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::string text;
  std::vector<TokenLogprob> logprobs;
  size_t n_deltas = 0;
  size_t n_done = 0;             // must end at exactly 1
  bool delta_after_done = false;
  GenerationEvent done;

  EventSink sink();
  // Waits for kDone (fails the test after `timeout_s`); returns whether it came.
  bool wait_done(double timeout_s = 60);
  // Waits until at least n deltas arrived.
  bool wait_deltas(size_t n, double timeout_s = 60);
  std::vector<int32_t> tokens();  // ids from the logprobs (requests with top_logprobs >= 0)
};

// The expected result of a request served alone: generate() on a fresh single-sequence Context.
struct Expected {
  std::vector<int32_t> tokens;
  std::string text;
  FinishReason finish = FinishReason::kStop;
};

struct OracleOptions {
  int64_t n_ctx = 0;
  int64_t n_batch = 256;
  QuantType kv_type = QuantType::kF16;
};

// Runs `request` (sampling, max_tokens, stop, ignore_eos; no grammar) through generate().
Expected run_alone(const Model& model, ThreadPool& pool, const GenerationRequest& request,
                   const OracleOptions& options);

// Compares a collected result with the expected one (text, finish reason, token count).
void expect_same(Collected& got, const Expected& want);

}  // namespace primer::testing
