// The one parallel loop: every index once, a worker never runs twice at the same time, stop is
// honoured, the worker count is capped by the items.
#include "winnow/job/parallel_for.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

TEST(ParallelFor, EveryIndexOnceAndWorkersNeverOverlap) {
  constexpr std::size_t kCount = 2000;
  std::vector<std::atomic<int>> seen(kCount);
  std::vector<std::atomic<int>> busy(4);
  std::atomic<int> overlaps{0};
  const std::size_t used = winnow::job::parallelFor(kCount, 4, [&](std::size_t index, std::size_t worker) {
    if (busy[worker].fetch_add(1) != 0) ++overlaps;
    ++seen[index];
    if (index % 97 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    busy[worker].fetch_sub(1);
  });
  EXPECT_EQ(used, 4U);
  EXPECT_EQ(overlaps.load(), 0);
  for (std::size_t i = 0; i < kCount; ++i) EXPECT_EQ(seen[i].load(), 1) << i;
}

TEST(ParallelFor, StopSkipsTheRestAndWorkersAreCappedByCount) {
  std::atomic<int> done{0};
  winnow::job::parallelFor(
      1000, 2, [&](std::size_t, std::size_t) { ++done; }, [&] { return done.load() >= 10; });
  EXPECT_GE(done.load(), 10);
  EXPECT_LE(done.load(), 12);  // each worker may finish the item it had started
  EXPECT_EQ(winnow::job::parallelWorkerCount(3, 8), 3U);
  EXPECT_EQ(winnow::job::parallelWorkerCount(0, 8), 0U);
  EXPECT_GE(winnow::job::parallelWorkerCount(100, 0), 1U);
  std::atomic<int> none{0};
  EXPECT_EQ(winnow::job::parallelFor(0, 4, [&](std::size_t, std::size_t) { ++none; }), 0U);
  EXPECT_EQ(none.load(), 0);
}

}  // namespace
