#include "winnow/dedupe/label_conflicts.hpp"

#include <set>

#include "store/sqlite_statement.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

namespace {


Status requireCluster(sqlite3* db, std::int64_t clusterId) {
  store::SqliteStatement select(db, "SELECT 1 FROM duplicate_cluster_members WHERE cluster_id=? LIMIT 1");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  if (select.step() != SQLITE_ROW) {
    return makeError(ErrorCode::NotFound, "duplicate cluster " + std::to_string(clusterId) + " not found");
  }
  return okStatus();
}

}  // namespace

Result<std::vector<LabelConflict>> listLabelConflicts(store::ProjectStore& store, bool includeResolved) {
  sqlite3* db = store.handle();
  std::vector<LabelConflict> conflicts;
  {
    store::SqliteStatement select(db, store::kLabelConflictClustersSql);
    if (!select.ok()) return select.error("list label conflicts");
    while (select.step() == SQLITE_ROW) {
      LabelConflict conflict;
      conflict.clusterId = select.columnInt64(0);
      conflict.open = select.columnInt64(2) > 0;
      if (conflict.open || includeResolved) conflicts.push_back(std::move(conflict));
    }
  }
  store::SqliteStatement members(
      db, "SELECT c.method, c.keeper_sample_id, m.sample_id, nullif(s.label,''), s.status, src.name, "
          "s.original_path, m.kept, r.actor FROM duplicate_clusters c "
          "JOIN duplicate_cluster_members m ON m.cluster_id=c.id JOIN samples s ON s.id=m.sample_id "
          "JOIN sources src ON src.id=s.source_id "
          "LEFT JOIN label_conflict_reviews r ON r.sample_id=m.sample_id WHERE c.id=? "
          "ORDER BY m.kept DESC, coalesce(nullif(s.label,''),'~'), m.sample_id");
  if (!members.ok()) return members.error("list label conflicts");
  for (LabelConflict& conflict : conflicts) {
    members.reset();
    members.bind(1, conflict.clusterId);
    int rc = SQLITE_ROW;
    while ((rc = members.step()) == SQLITE_ROW) {
      conflict.method = members.columnText(0);
      conflict.keeperSampleId = members.columnInt64(1);
      LabelConflictMember m;
      m.sampleId = members.columnInt64(2);
      m.label = members.columnOptionalText(3);
      m.status = members.columnText(4);
      m.source = members.columnText(5);
      m.path = members.columnText(6);
      m.kept = members.columnInt(7) != 0;
      m.reviewedBy = members.columnOptionalText(8);
      if (m.label && m.status != store::kStatusRejected) ++conflict.labelCounts[*m.label];
      conflict.members.push_back(std::move(m));
    }
    if (rc != SQLITE_DONE) return members.error("list label conflicts");
  }
  return conflicts;
}

Status keepAllLabelConflict(store::ProjectStore& store, std::int64_t clusterId, const std::string& actor,
                            const std::string& reason) {
  sqlite3* db = store.handle();
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status exists = requireCluster(db, clusterId); !exists) return exists;
  {
    store::SqliteStatement labels(
        db, "SELECT count(DISTINCT nullif(s.label,'')) FROM duplicate_cluster_members m "
            "JOIN samples s ON s.id=m.sample_id WHERE m.cluster_id=? AND s.status!='rejected'");
    if (!labels.ok()) return labels.error("read cluster");
    labels.bind(1, clusterId);
    if (labels.step() != SQLITE_ROW) return labels.error("read cluster");
    if (labels.columnInt64(0) < 2) {
      return makeError(ErrorCode::InvalidArgument,
                       "duplicate cluster " + std::to_string(clusterId) +
                           " is not a label conflict (its members carry fewer than two labels)");
    }
  }
  store::SqliteStatement insert(
      db, "INSERT OR REPLACE INTO label_conflict_reviews(sample_id, actor, reason, created_at) "
          "SELECT sample_id, ?, ?, ? FROM duplicate_cluster_members WHERE cluster_id=?");
  if (!insert.ok()) return insert.error("record review");
  insert.bind(1, actor);
  insert.bind(2, reason);
  insert.bind(3, store::nowUtcIso8601());
  insert.bind(4, clusterId);
  if (insert.step() != SQLITE_DONE) return insert.error("record review");
  return transaction.commit();
}

Status reopenLabelConflict(store::ProjectStore& store, std::int64_t clusterId) {
  sqlite3* db = store.handle();
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status exists = requireCluster(db, clusterId); !exists) return exists;
  store::SqliteStatement remove(db, "DELETE FROM label_conflict_reviews WHERE sample_id IN "
                                    "(SELECT sample_id FROM duplicate_cluster_members WHERE cluster_id=?)");
  if (!remove.ok()) return remove.error("reopen conflict");
  remove.bind(1, clusterId);
  if (remove.step() != SQLITE_DONE) return remove.error("reopen conflict");
  return transaction.commit();
}

nlohmann::json toJson(const LabelConflict& conflict) {
  nlohmann::json members = nlohmann::json::array();
  for (const LabelConflictMember& m : conflict.members) {
    members.push_back({{"sample_id", m.sampleId},
                       {"label", m.label ? nlohmann::json(*m.label) : nlohmann::json()},
                       {"status", m.status},
                       {"source", m.source},
                       {"path", m.path},
                       {"kept", m.kept},
                       {"reviewed_by", m.reviewedBy ? nlohmann::json(*m.reviewedBy) : nlohmann::json()}});
  }
  return {{"cluster", conflict.clusterId},
          {"method", conflict.method},
          {"keeper", conflict.keeperSampleId},
          {"labels", conflict.labelCounts},
          {"open", conflict.open},
          {"members", std::move(members)}};
}

}  // namespace winnow::dedupe
