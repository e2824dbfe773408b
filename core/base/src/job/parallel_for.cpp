#include "winnow/job/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace winnow::job {

// Threads of its own rather than cv::parallel_for_: OpenCV's pool is process-wide and the
// detector plugins size it (cv::setNumThreads from their "threads" parameter), which would
// silently serialise a core loop running on it; and a cv::parallel_for_ nested inside a plugin
// call (OpenCV's DNN layers) would run serially inside one of ours anyway.
std::size_t parallelWorkerCount(std::size_t count, int workers) {
  if (count == 0) return 0;
  const std::size_t wanted = workers > 0 ? static_cast<std::size_t>(workers)
                                         : static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max<std::size_t>(1, std::min(count, wanted));
}

std::size_t parallelFor(std::size_t count, int workers, const std::function<void(std::size_t, std::size_t)>& work,
                        const std::function<bool()>& stop) {
  const std::size_t workerCount = parallelWorkerCount(count, workers);
  std::atomic<std::size_t> next{0};
  auto drain = [&](std::size_t worker) {
    for (std::size_t index = next++; index < count; index = next++) {
      if (stop && stop()) return;
      work(index, worker);
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workerCount > 0 ? workerCount - 1 : 0);
  for (std::size_t worker = 1; worker < workerCount; ++worker) threads.emplace_back(drain, worker);
  if (workerCount > 0) drain(0);
  for (std::thread& thread : threads) thread.join();
  return workerCount;
}

}  // namespace winnow::job
