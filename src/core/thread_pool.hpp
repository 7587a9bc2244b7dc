// A small fork-join thread pool. parallel_for splits [0, n) into contiguous
// chunks (up to kChunksPerThread per thread, one when spinning) that the calling thread (index 0)
// and the workers claim one at a time from an atomic counter, and returns when
// all chunks are done. The caller starts on the chunks at once: a worker that
// is slow to wake up (a sleeping vCPU takes tens of microseconds) only joins
// later instead of holding up the call, and a descheduled thread's share is
// taken over by the others. Not re-entrant: one parallel_for at a time per pool.
//
// Synchronization is spin-then-block: a job is published by bumping an atomic
// generation counter; idle workers poll it for up to spin_us microseconds (a
// forward pass issues a few parallel_for per layer, microseconds apart, so
// they rarely sleep mid-token) and then sleep on a condition variable. The
// caller waits for the chunks claimed by workers the same way. Spinning is
// adaptive: a spinning thread that sees the clock jump by more than
// kPreemptedNs between two polls was descheduled (more runnable threads than
// cores: a spinner then burns the time slice it or the thread it waits for
// needs; that measured ~150x slower per call on an oversubscribed machine),
// and the whole pool stops spinning for kQuietNs, then tries again.
// spin_us = 0 never spins. See docs/performance-history.md for the measured cost of
// one parallel_for (bench/micro/thread_pool_bench.cpp).
// Chunk boundaries depend only on n, the thread count and whether the pool
// spins, not on which thread runs a chunk; fn receives the running thread's index.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sinkstream::core {

class ThreadPool {
 public:
  // spin_us < 0: the environment variable SINKSTREAM_SPIN_US (0 = block only),
  // else kDefaultSpinUs.
  static constexpr int kSpinFromEnv = -1;
  static constexpr int kDefaultSpinUs = 50;
  // A gap this long between two polls of a spin means the thread was descheduled.
  static constexpr int64_t kPreemptedNs = 100'000;
  // How long the pool blocks instead of spinning after that.
  static constexpr int64_t kQuietNs = 200'000'000;

  // n_threads <= 0 means std::thread::hardware_concurrency(). More than
  // max_threads() throws sinkstream::Error (kInvalidArg): 1000 threads on a
  // few cores only thrash (0.7 tokens/s measured).
  explicit ThreadPool(int n_threads, int spin_us = kSpinFromEnv);
  // The most threads a pool takes: 4 x hardware threads, at least 256.
  static int max_threads();
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Chunks per thread of a parallel_for while the pool does not spin (fewer
  // when n is smaller): small enough that the caller can take over the share of
  // a worker that is still waking up. While it spins (workers are awake) it
  // uses one chunk per thread: one contiguous stream of rows per thread, which
  // measured faster than 4 interleaved chunks (docs/performance-history.md).
  static constexpr int64_t kChunksPerThread = 4;

  // True when spin_us > 0 and no pool thread saw itself descheduled while
  // spinning in the last kQuietNs.
  bool spinning_now() const;

  // Calls fn(begin, end, thread_index) on disjoint chunks covering [0, n).
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn);

 private:
  void worker_loop(int index);
  bool spin_until(const std::function<bool()>& ready) const;
  static int64_t now_ns();
  // Claims and runs chunks of job `gen` until none is left; returns how many it ran.
  int64_t run_chunks(uint64_t gen, int index);

  int n_threads_;
  int spin_us_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;  // written before generation_ is bumped
  int64_t job_n_ = 0;
  std::atomic<uint64_t> generation_{0};
  // Claim word: job generation (high 32 bits) | chunk count (16 bits) | next chunk (16 bits).
  // One atomic, so a late worker can never claim a chunk of a newer job as one of its own.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> done_{0};  // chunks of the current job finished
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  // Steady-clock time (ns) before which nobody spins (set by a descheduled spinner).
  mutable std::atomic<int64_t> quiet_until_ns_{0};
};

}  // namespace sinkstream::core
