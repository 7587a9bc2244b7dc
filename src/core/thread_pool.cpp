#include "core/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "sinkstream/error.hpp"

namespace sinkstream::core {

namespace {
constexpr uint64_t kFieldMask = 0xFFFF;  // chunk count and next chunk: 16 bits each

uint64_t claim_word(uint64_t gen, int64_t chunks, int64_t next) {
  return (gen << 32) | (static_cast<uint64_t>(chunks) << 16) | static_cast<uint64_t>(next);
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

namespace {
int spin_from_env() {
  const char* e = std::getenv("SINKSTREAM_SPIN_US");
  if (e == nullptr) return ThreadPool::kDefaultSpinUs;
  const long v = std::strtol(e, nullptr, 10);
  return static_cast<int>(std::clamp(v, 0L, 100000L));
}
}  // namespace

int ThreadPool::max_threads() {
  return std::max(256, 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

ThreadPool::ThreadPool(int n_threads, int spin_us) : spin_us_(spin_us < 0 ? spin_from_env() : spin_us) {
  if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (n_threads > max_threads()) {
    throw Error(ErrorKind::kInvalidArg, "threads = " + std::to_string(n_threads) + " is above the cap " +
                                            std::to_string(max_threads()) + " (4 x hardware threads, at least 256)");
  }
  n_threads_ = n_threads;
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t ThreadPool::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ThreadPool::spinning_now() const {
  return spin_us_ > 0 && now_ns() >= quiet_until_ns_.load(std::memory_order_relaxed);
}

bool ThreadPool::spin_until(const std::function<bool()>& ready) const {
  if (!spinning_now()) return ready();
  // Busy-wait with `pause` (the gap between two parallel_for of a layer is a
  // few microseconds). Between polls the clock must advance smoothly: a jump
  // means this thread was descheduled, i.e. the machine has more runnable
  // threads than cores, where a spinning thread burns the time slice that it
  // or the thread it waits for needs. Then nobody spins for kQuietNs.
  int64_t last = now_ns();
  const int64_t deadline = last + int64_t{spin_us_} * 1000;
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    const int64_t now = now_ns();
    if (now - last > kPreemptedNs) {
      quiet_until_ns_.store(now + kQuietNs, std::memory_order_relaxed);
      return ready();
    }
    if (now >= deadline) return ready();
    last = now;
  }
}

int64_t ThreadPool::run_chunks(uint64_t gen, int index) {
  int64_t ran = 0;
  for (;;) {
    uint64_t v = claim_.load(std::memory_order_acquire);
    int64_t c = 0, chunks = 0;
    for (;;) {
      if ((v >> 32) != (gen & 0xFFFFFFFFu)) return ran;  // a newer job (or none)
      chunks = static_cast<int64_t>((v >> 16) & kFieldMask);
      c = static_cast<int64_t>(v & kFieldMask);
      if (c >= chunks) return ran;
      if (claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) break;
    }
    // Claimed chunk c of job gen: the job cannot finish (nor job_ change) before done_ counts it.
    const int64_t n = job_n_;
    const int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
    if (begin < end) (*job_)(begin, end, index);
    ++ran;
    if (done_.fetch_add(1) + 1 == chunks && index != 0 && caller_sleeping_.load()) {
      { std::lock_guard<std::mutex> lock(mu_); }  // the caller between its check and its wait holds mu_
      done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  if (n_threads_ == 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  const int64_t per_thread = spinning_now() ? 1 : kChunksPerThread;
  const int64_t chunks =
      std::min<int64_t>(n, std::min<int64_t>(static_cast<int64_t>(kFieldMask), per_thread * n_threads_));
  job_ = &fn;
  job_n_ = n;
  done_.store(0);
  const uint64_t gen = (generation_.load() + 1) & 0xFFFFFFFFu;
  claim_.store(claim_word(gen, chunks, 0), std::memory_order_release);
  generation_.store(gen);  // seq_cst: publishes the job and pairs with sleeping_workers_ below
  if (sleeping_workers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }  // a worker between its check and its wait holds mu_
    wake_.notify_all();
  }
  run_chunks(gen, 0);
  // What is left was claimed by running workers: wait for them.
  if (!spin_until([&] { return done_.load(std::memory_order_acquire) == chunks; })) {
    std::unique_lock<std::mutex> lock(mu_);
    caller_sleeping_.store(true);
    done_cv_.wait(lock, [&] { return done_.load() == chunks; });
    caller_sleeping_.store(false);
  }
  job_ = nullptr;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_workers_.fetch_add(1);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleeping_workers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen = generation_.load();
    run_chunks(seen, index);
  }
}

}  // namespace sinkstream::core
