#include "winnow/store/balance_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::map<std::int64_t, std::uint64_t>> perceptualHashesBySample(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, phash FROM sample_hashes");
  std::map<std::int64_t, std::uint64_t> hashes;
  Status read = forEachRow(select, "read sample_hashes", [&](const SqliteStatement& hash) {
    hashes[hash.columnInt64(0)] = static_cast<std::uint64_t>(hash.columnInt64(1));
  });
  if (!read) return read.error();
  return hashes;
}

Status setRepeatCounts(ProjectStore& store, const std::string& measureName, const std::vector<std::int64_t>& sampleIds,
                       const std::map<std::int64_t, std::int64_t>& repeats) {
  sqlite3* db = SqlAccess::handle(store);
  SqliteStatement remove(db, "DELETE FROM sample_measures WHERE sample_id=? AND name=?");
  SqliteStatement upsert(db,
                         "INSERT INTO sample_measures(sample_id, name, value) VALUES(?,?,?) "
                         "ON CONFLICT(sample_id, name) DO UPDATE SET value=excluded.value");
  if (!remove.ok()) return remove.error("clear repeat counts");
  if (!upsert.ok()) return upsert.error("store repeat counts");
  for (std::int64_t id : sampleIds) {
    auto found = repeats.find(id);
    if (found == repeats.end()) {
      remove.bind(1, id);
      remove.bind(2, measureName);
      if (remove.step() != SQLITE_DONE) return remove.error("clear repeat counts");
      remove.reset();
    } else {
      upsert.bind(1, id);
      upsert.bind(2, measureName);
      upsert.bind(3, static_cast<double>(found->second));
      if (upsert.step() != SQLITE_DONE) return upsert.error("store repeat counts");
      upsert.reset();
    }
  }
  return okStatus();
}

Result<std::optional<std::int64_t>> lineageChildOf(ProjectStore& store, std::int64_t childSampleId,
                                                   std::int64_t parentSampleId) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT child_sample_id FROM lineage WHERE child_sample_id=? AND parent_sample_id=?");
  select.bind(1, childSampleId);
  select.bind(2, parentSampleId);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<std::int64_t>(select.columnInt64(0));
  if (rc != SQLITE_DONE) return select.error("read lineage");
  return std::optional<std::int64_t>();
}

Status copySampleIdentity(ProjectStore& store, std::int64_t fromSampleId, std::int64_t toSampleId) {
  SqliteStatement identity(SqlAccess::handle(store),
                           "UPDATE samples SET identity=(SELECT identity FROM samples WHERE id=?) WHERE id=?");
  identity.bind(1, fromSampleId);
  identity.bind(2, toSampleId);
  return stepToDone(identity, "copy identity to child");
}

Status insertLineage(ProjectStore& store, const LineageRecord& lineage) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT INTO lineage(child_sample_id, parent_sample_id, augmentation, "
                         "params_json, seed, run_id, created_at) VALUES(?,?,?,?,?,?,?)");
  insert.bind(1, lineage.childSampleId);
  insert.bind(2, lineage.parentSampleId);
  insert.bind(3, lineage.augmentation);
  insert.bind(4, lineage.paramsJson);
  insert.bind(5, lineage.seed);
  insert.bind(6, lineage.runId);
  insert.bind(7, lineage.createdAt);
  return stepToDone(insert, "record lineage");
}

}  // namespace winnow::store
