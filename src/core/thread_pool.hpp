// A small fork-join thread pool. parallel_for splits [0, n) into contiguous
// chunks, one per worker (the calling thread is worker 0), and returns when all
// chunks are done. Not re-entrant: one parallel_for at a time per pool.
//
// Synchronization is spin-then-block: a job is published by bumping an atomic
// generation counter; idle workers poll it for up to spin_us microseconds (a
// forward pass issues a few parallel_for per layer, microseconds apart, so
// they rarely sleep mid-token) and then sleep on a condition variable. The
// caller waits for the pending count the same way. With spin_us = 0 the pool
// is a plain mutex + condition variable pool. See docs/performance.md for the
// measured cost of one parallel_for (bench/micro/thread_pool_bench.cpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sinkstream {

class ThreadPool {
 public:
  // spin_us < 0: the environment variable SINKSTREAM_SPIN_US, else 0. Spinning
  // pays off only when every pool thread owns a core: on an oversubscribed
  // machine a spinning thread burns the time slice it will need to run its
  // chunk, and one parallel_for took ~150x longer than block-only in our
  // measurements (docs/performance.md). Hence block-only by default.
  static constexpr int kSpinFromEnv = -1;

  // n_threads <= 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int n_threads, int spin_us = kSpinFromEnv);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) on disjoint chunks covering [0, n).
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn);

 private:
  void worker_loop(int index);
  bool spin_until(const std::function<bool()>& ready) const;

  int n_threads_;
  int spin_us_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;  // written before generation_ is bumped
  int64_t job_n_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace sinkstream
