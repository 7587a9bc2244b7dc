// ThreadPool: chunks claimed from one atomic counter by the caller and the
// workers. Every index runs exactly once, the thread index is in range, chunk
// boundaries do not depend on which thread runs them, and back-to-back jobs
// (a worker waking late for an old job) never mix.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "core/thread_pool.hpp"

namespace sinkstream {
namespace {

TEST(ThreadPoolClaims, EveryIndexOnceForManySizesAndSpins) {
  for (int spin : {0, 20}) {
    for (int threads : {2, 3}) {
      core::ThreadPool pool(threads, spin);
      for (int rep = 0; rep < 50; ++rep) {
        for (int64_t n : {1, 2, 3, 5, 8, 13, 64, 1000}) {
          std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
          std::atomic<int> bad_index{0};
          pool.parallel_for(n, [&](int64_t b, int64_t e, int t) {
            if (t < 0 || t >= threads) bad_index.fetch_add(1);
            for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
          });
          ASSERT_EQ(bad_index.load(), 0);
          for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "n=" << n << " threads=" << threads << " spin=" << spin;
        }
      }
    }
  }
}

// Four pool threads per core, all spinning (20 ms, longer than any scheduler
// time slice) while the caller sleeps between jobs: the spinners must be
// descheduled mid-spin, the pool notices and stops spinning (instead of
// burning the time slices the chunks need), and every index is still run
// exactly once.
TEST(ThreadPoolSpin, OversubscribedPoolBacksOffAndStaysCorrect) {
  const int threads = 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  core::ThreadPool pool(threads, 20000);  // (spinning_now() may already be false here: the workers spin from the start)
  bool backed_off = false;
  std::vector<std::atomic<int>> hits(257);
  for (int rep = 0; rep < 500 && !backed_off; ++rep) {
    for (auto& h : hits) h.store(0);
    pool.parallel_for(257, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "rep " << rep;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the workers spin meanwhile
    backed_off = !pool.spinning_now();
  }
  EXPECT_TRUE(backed_off) << threads << " spinning threads were never descheduled mid-spin";
}

TEST(ThreadPoolClaims, ChunkBoundariesAreFixed) {
  core::ThreadPool pool(2, 0);
  std::set<std::pair<int64_t, int64_t>> first;
  std::mutex mu;
  for (int rep = 0; rep < 20; ++rep) {
    std::set<std::pair<int64_t, int64_t>> seen;
    pool.parallel_for(101, [&](int64_t b, int64_t e, int) {
      std::lock_guard<std::mutex> lock(mu);
      seen.insert({b, e});
    });
    if (rep == 0) first = seen;
    ASSERT_EQ(seen, first);
  }
  EXPECT_EQ(first.size(), static_cast<size_t>(core::ThreadPool::kChunksPerThread * 2));
}

// A slow chunk on one thread: the others take the remaining chunks; the call
// still returns only after the slow chunk is done.
TEST(ThreadPoolClaims, SlowChunkIsWaitedForAndOthersAreTakenOver) {
  core::ThreadPool pool(2, 0);
  for (int rep = 0; rep < 10; ++rep) {
    std::atomic<int> done{0};
    pool.parallel_for(8, [&](int64_t b, int64_t e, int) {
      if (b == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      done.fetch_add(static_cast<int>(e - b));
    });
    ASSERT_EQ(done.load(), 8);
  }
}

}  // namespace
}  // namespace sinkstream
