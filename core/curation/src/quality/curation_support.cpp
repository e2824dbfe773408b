#include "quality/curation_support.hpp"

#include <algorithm>
#include <thread>

#include "winnow/job/parallel_for.hpp"
#include "winnow/store/quality_queries.hpp"

namespace winnow::quality::detail {

std::filesystem::path samplePixelPath(const store::ProjectStore& store,
                                      const store::SampleRecord& sample) {
  return store.pixelPath(sample);
}

void parallelFor(std::size_t count, int threads, job::JobContext& job,
                 const std::function<void(std::size_t)>& work) {
  job::parallelFor(
      count, threads,
      [&](std::size_t index, std::size_t /*worker*/) {
        work(index);
        job.advance();
      },
      [&] { return job.cancelled(); });
}

Result<std::map<std::int64_t, double>> readMeasure(const store::ProjectStore& store,
                                                   const std::string& name) {
  return store::measureValues(store, name);
}

Status writeMeasures(store::ProjectStore& store, std::int64_t sampleId,
                     const std::vector<std::pair<std::string, double>>& measures) {
  return store.putMeasures(sampleId, measures);
}

}  // namespace winnow::quality::detail
