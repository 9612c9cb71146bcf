// A persistent thread pool that you create once and pass explicitly (never global), so several
// engines or generations can share or own pools. parallel_for() splits [0, n) into chunks run by
// the workers and the calling thread; it blocks until all chunks are done. Thread-safe for one
// caller at a time per pool (callers serialize on an internal mutex).
//
// Cost: the forward pass calls parallel_for a few hundred times per decoded token, so a dispatch
// must take microseconds, not a futex round trip. Workers therefore spin (with a pause
// instruction) for a short while after each job before they sleep on a condition variable, and
// the caller spins until the workers are done.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace primer {

class ThreadPool {
 public:
  // n_threads counts the calling thread: ThreadPool(1) runs everything inline.
  // 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) over contiguous ranges that cover [0, n) once.
  // Ranges are handed out dynamically in chunks of `grain` items (>= 1).
  void parallel_for(size_t n, size_t grain,
                    const std::function<void(size_t begin, size_t end, int thread_index)>& fn);

 private:
  void worker_loop(int thread_index);
  void run_chunks(int thread_index);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex call_mu_;  // one parallel_for at a time

  std::mutex mu_;                      // guards sleeping on wake_
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};  // bumped once per job
  std::atomic<bool> stop_{false};
  std::atomic<int> busy_{0};           // workers still running the current job

  // The current job (valid while busy_ > 0).
  const std::function<void(size_t, size_t, int)>* fn_ = nullptr;
  size_t n_ = 0, grain_ = 1;
  std::atomic<size_t> next_{0};
};

}  // namespace primer
