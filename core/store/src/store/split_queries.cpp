#include "winnow/store/split_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<SampleGroupingFacts>> sampleGroupingFacts(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, source_id, original_path, format, capture_time, identity "
                         "FROM samples ORDER BY id");
  if (!select.ok()) return select.error("read samples");
  std::vector<SampleGroupingFacts> rows;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) {
    SampleGroupingFacts row;
    row.id = select.columnInt64(0);
    row.sourceId = select.columnInt64(1);
    row.originalPath = select.columnText(2);
    row.format = select.columnText(3);
    row.captureTime = select.columnOptionalText(4);
    row.identity = select.columnOptionalText(5);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return select.error("read samples");
  return rows;
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> duplicateClusterMemberships(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT cluster_id, sample_id FROM duplicate_cluster_members ORDER BY cluster_id, sample_id");
  if (!select.ok()) return select.error("read duplicate clusters");
  std::vector<std::pair<std::int64_t, std::int64_t>> memberships;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) memberships.emplace_back(select.columnInt64(0), select.columnInt64(1));
  if (rc != SQLITE_DONE) return select.error("read duplicate clusters");
  return memberships;
}

Result<std::set<std::int64_t>> samplesWithFirstFaceCrop(ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM face_crops WHERE detector = ? AND face_index = 0");
  if (!select.ok()) return select.error("read face crops");
  select.bind(1, detector);
  std::set<std::int64_t> ids;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) ids.insert(select.columnInt64(0));
  if (rc != SQLITE_DONE) return select.error("read face crops");
  return ids;
}

Result<std::set<std::int64_t>> samplesWithFlag(ProjectStore& store, const std::string& flag) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM sample_flags WHERE flag = ?");
  if (!select.ok()) return select.error("read flags");
  select.bind(1, flag);
  std::set<std::int64_t> ids;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) ids.insert(select.columnInt64(0));
  if (rc != SQLITE_DONE) return select.error("read flags");
  return ids;
}

}  // namespace winnow::store
