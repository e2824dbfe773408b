// Plumbing shared by the curation operations (quality, report, audit, mislabels): where a sample's pixels live, a small parallel-for, and reading one measure of every sample.
// Private to core (core/src is on core's include path only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::quality::detail {

// The file holding the sample's pixels: the derived file (project-relative) when there is one,
// else the original.
std::filesystem::path samplePixelPath(const store::ProjectStore& store,
                                      const store::SampleRecord& sample);

// Calls work(i) for i in [0, count) on `threads` threads (0 = one per core), stopping early when
// the job is cancelled; work must be thread-safe and must not throw. Advances the job per item.
void parallelFor(std::size_t count, int threads, job::JobContext& job,
                 const std::function<void(std::size_t)>& work);

// sample id -> value of one measure.
Result<std::map<std::int64_t, double>> readMeasure(const store::ProjectStore& store,
                                                   const std::string& name);

// Writes (replaces) measures in the current transaction; the caller opens it.
Status writeMeasures(store::ProjectStore& store, std::int64_t sampleId,
                     const std::vector<std::pair<std::string, double>>& measures);

}  // namespace winnow::quality::detail
