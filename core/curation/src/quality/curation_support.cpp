#include "quality/curation_support.hpp"

#include <algorithm>
#include <thread>

#include "store/sqlite_statement.hpp"
#include "winnow/job/parallel_for.hpp"

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
  store::SqliteStatement statement(store.handle(),
                                   "SELECT sample_id, value FROM sample_measures WHERE name = ?");
  if (!statement.ok()) return statement.error("sample_measures");
  statement.bind(1, name);
  std::map<std::int64_t, double> values;
  int rc = SQLITE_ROW;
  while ((rc = statement.step()) == SQLITE_ROW) {
    values[statement.columnInt64(0)] = statement.columnDouble(1);
  }
  if (rc != SQLITE_DONE) return statement.error("sample_measures");
  return values;
}

Status writeMeasures(store::ProjectStore& store, std::int64_t sampleId,
                     const std::vector<std::pair<std::string, double>>& measures) {
  return store.putMeasures(sampleId, measures);
}

}  // namespace winnow::quality::detail
