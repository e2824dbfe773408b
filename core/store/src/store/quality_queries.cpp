#include "winnow/store/quality_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

namespace {

// `sql` selects id, value, threshold, label, source name, status, original path, derived path;
// ?1 = the flag or measure name, ?2 = the limit (-1 = all).
Result<std::vector<RankedSampleRow>> rankedSamples(const ProjectStore& store, const std::string& sql,
                                                   const std::string& name, int limit) {
  SqliteStatement statement(SqlAccess::handle(store), sql.c_str());
  statement.bind(1, name);
  statement.bind(2, static_cast<std::int64_t>(limit > 0 ? limit : -1));
  return collectRows(statement, "ranked samples", [&store](const SqliteStatement& sample) {
    RankedSampleRow row;
    row.sampleId = sample.columnInt64(0);
    row.value = sample.columnDouble(1);
    row.threshold = sample.columnDouble(2);
    row.label = sample.columnOptionalText(3);
    row.source = sample.columnText(4);
    row.status = sample.columnText(5);
    const std::string derived = sample.columnText(7);
    row.pixelPath = derived.empty() ? sample.columnText(6) : (store.projectDir() / derived).string();
    return row;
  });
}

}  // namespace

Result<std::map<std::int64_t, double>> measureValues(const ProjectStore& store, const std::string& name) {
  SqliteStatement statement(SqlAccess::handle(store), "SELECT sample_id, value FROM sample_measures WHERE name = ?");
  statement.bind(1, name);
  std::map<std::int64_t, double> values;
  Status read = forEachRow(statement, "sample_measures", [&](const SqliteStatement& measure) {
    values[measure.columnInt64(0)] = measure.columnDouble(1);
  });
  if (!read) return read.error();
  return values;
}

Result<std::map<std::int64_t, std::map<std::string, double>>> allMeasureValues(const ProjectStore& store) {
  SqliteStatement statement(SqlAccess::handle(store), "SELECT sample_id, name, value FROM sample_measures");
  std::map<std::int64_t, std::map<std::string, double>> all;
  Status read = forEachRow(statement, "sample_measures", [&](const SqliteStatement& measure) {
    all[measure.columnInt64(0)][measure.columnText(1)] = measure.columnDouble(2);
  });
  if (!read) return read.error();
  return all;
}

Status deleteMeasureOfAllSamples(ProjectStore& store, const std::string& name) {
  return SqlAccess::execute(store, "DELETE FROM sample_measures WHERE name = " + sqlQuoted(name));
}

Result<std::vector<SampleFaceBoxes>> faceBoxesPerSample(ProjectStore& store, const std::string& detector) {
  const std::string sql =
      std::string("SELECT s.id, s.width, s.height, COUNT(f.id), MAX(f.width * f.height) "
                  "FROM faces f JOIN samples s ON s.id = f.sample_id") +
      (detector.empty() ? "" : " WHERE f.detector = ?") + " GROUP BY s.id";
  SqliteStatement statement(SqlAccess::handle(store), sql.c_str());
  if (!detector.empty()) statement.bind(1, detector);
  return collectRows(statement, "faces", [](const SqliteStatement& sample) {
    SampleFaceBoxes row;
    row.sampleId = sample.columnInt64(0);
    row.width = sample.columnInt64(1);
    row.height = sample.columnInt64(2);
    row.faceCount = sample.columnInt64(3);
    row.largestFaceArea = sample.columnDouble(4);
    return row;
  });
}

Status replaceSampleFlags(ProjectStore& store, const std::vector<std::string>& flagNames,
                          const std::vector<SampleFlagRow>& rows, std::optional<std::int64_t> runId) {
  std::string names;
  for (const auto& name : flagNames) names += (names.empty() ? "" : ", ") + sqlQuoted(name);
  if (Status status = SqlAccess::execute(store, "DELETE FROM sample_flags WHERE flag IN (" + names + ")"); !status) {
    return status;
  }
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT INTO sample_flags(sample_id, flag, value, threshold, run_id) "
                         "VALUES(?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.error("sample_flags");
  for (const SampleFlagRow& row : rows) {
    insert.reset();
    insert.bind(1, row.sampleId);
    insert.bind(2, row.flag);
    insert.bind(3, row.value);
    insert.bind(4, row.threshold);
    insert.bind(5, runId);
    if (insert.step() != SQLITE_DONE) return insert.error("sample_flags");
  }
  return okStatus();
}

Result<std::vector<RankedSampleRow>> samplesRankedByFlag(const ProjectStore& store, const std::string& flag,
                                                         bool descending, int limit) {
  const std::string sql =
      std::string("SELECT s.id, f.value, f.threshold, s.label, src.name, s.status, s.original_path, "
                  "s.derived_path FROM sample_flags f JOIN samples s ON s.id = f.sample_id "
                  "JOIN sources src ON src.id = s.source_id WHERE f.flag = ? ORDER BY f.value ") +
      (descending ? "DESC" : "ASC") + ", s.id LIMIT ?";
  return rankedSamples(store, sql, flag, limit);
}

Result<std::vector<RankedSampleRow>> samplesRankedByMeasure(const ProjectStore& store, const std::string& name,
                                                            bool descending, int limit) {
  const std::string sql =
      std::string("SELECT s.id, m.value, 0, s.label, src.name, s.status, s.original_path, "
                  "s.derived_path FROM sample_measures m JOIN samples s ON s.id = m.sample_id "
                  "JOIN sources src ON src.id = s.source_id WHERE m.name = ? ORDER BY m.value ") +
      (descending ? "DESC" : "ASC") + ", s.id LIMIT ?";
  return rankedSamples(store, sql, name, limit);
}

}  // namespace winnow::store
