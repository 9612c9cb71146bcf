// A persistent thread pool that you create once and pass explicitly (never global), so several
// engines or generations can share or own pools. parallel_for() splits [0, n) into chunks run by
// the workers and the calling thread; it blocks until all chunks are done. Thread-safe for one
// caller at a time per pool (callers serialize on an internal mutex).
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

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  int busy_ = 0;

  // The current job (valid while busy_ > 0).
  const std::function<void(size_t, size_t, int)>* fn_ = nullptr;
  size_t n_ = 0, grain_ = 1;
  std::atomic<size_t> next_{0};
};

}  // namespace primer
