#include "quality/curation_support.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/sqlite_statement.hpp"
#include "winnow/config/schema_files.hpp"

namespace winnow::quality::detail {

Result<nlohmann::json> resolveStepParams(const std::string& stepName, const nlohmann::json& params) {
  const auto& schema = config::projectSchema("steps/" + stepName + ".schema.json");
  if (!schema) return schema.error();
  const nlohmann::json document = params.is_null() ? nlohmann::json::object() : params;
  const auto violations = schema->validate(document);
  if (!violations.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     stepName + " " + config::joinViolationsOneLine("params", violations));
  }
  return schema->withDefaults(document);
}

std::filesystem::path samplePixelPath(const store::ProjectStore& store,
                                      const store::SampleRecord& sample) {
  return store.pixelPath(sample);
}

void parallelFor(std::size_t count, int threads, job::JobContext& job,
                 const std::function<void(std::size_t)>& work) {
  if (count == 0) return;
  const std::size_t wanted =
      threads > 0 ? static_cast<std::size_t>(threads)
                  : static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t threadCount = std::max<std::size_t>(1, std::min(count, wanted));
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      if (job.cancelled()) return;
      work(i);
      job.advance();
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < threadCount; ++t) workers.emplace_back(loop);
  loop();
  for (std::thread& worker : workers) worker.join();
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
  store::SqliteStatement statement(
      store.handle(),
      "INSERT OR REPLACE INTO sample_measures(sample_id, name, value) VALUES(?, ?, ?)");
  if (!statement.ok()) return statement.error("sample_measures");
  for (const auto& [name, value] : measures) {
    statement.reset();
    statement.bind(1, sampleId);
    statement.bind(2, name);
    statement.bind(3, value);
    if (statement.step() != SQLITE_DONE) return statement.error("sample_measures " + name);
  }
  return okStatus();
}

}  // namespace winnow::quality::detail
