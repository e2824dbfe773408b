// The one parallel loop of winnow_core: items are handed out one at a time (dynamic scheduling:
// pictures take very different times to decode) to `workers` threads, the calling one included
// (parallel_for.cpp says why not OpenCV's pool).
#pragma once

#include <cstddef>
#include <functional>

namespace winnow::job {

// Calls work(index, worker) for every index in [0, count), each exactly once unless stop() turned
// true (then the remaining indexes are skipped; stop is polled before each item). `worker` is in
// [0, workerCount) and no two calls with the same worker run at the same time, so per-worker state
// (a detector instance, an output list) needs no lock. workers <= 0 means one per core; it is
// capped at count. work must not throw. Returns the number of workers used.
std::size_t parallelFor(std::size_t count, int workers, const std::function<void(std::size_t index, std::size_t worker)>& work,
                        const std::function<bool()>& stop = {});

// The worker count parallelFor uses for (count, workers).
std::size_t parallelWorkerCount(std::size_t count, int workers);

}  // namespace winnow::job
