#include "winnow/store/split_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<SampleGroupingFacts>> sampleGroupingFacts(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, source_id, original_path, format, capture_time, identity "
                         "FROM samples ORDER BY id");
  return collectRows(select, "read samples", [](const SqliteStatement& sample) {
    SampleGroupingFacts row;
    row.id = sample.columnInt64(0);
    row.sourceId = sample.columnInt64(1);
    row.originalPath = sample.columnText(2);
    row.format = sample.columnText(3);
    row.captureTime = sample.columnOptionalText(4);
    row.identity = sample.columnOptionalText(5);
    return row;
  });
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> duplicateClusterMemberships(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT cluster_id, sample_id FROM duplicate_cluster_members ORDER BY cluster_id, sample_id");
  return collectRows(select, "read duplicate clusters", [](const SqliteStatement& member) {
    return std::make_pair(member.columnInt64(0), member.columnInt64(1));
  });
}

Result<std::set<std::int64_t>> samplesWithFirstFaceCrop(ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM face_crops WHERE detector = ? AND face_index = 0");
  select.bind(1, detector);
  return collectIdSet(select, "read face crops");
}

Result<std::set<std::int64_t>> samplesWithFlag(ProjectStore& store, const std::string& flag) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM sample_flags WHERE flag = ?");
  select.bind(1, flag);
  return collectIdSet(select, "read flags");
}

}  // namespace winnow::store
