#include "winnow/review/decision_batch.hpp"

#include <algorithm>

#include "store/sqlite_statement.hpp"

namespace winnow::review {

Result<std::vector<AppliedDecision>> applyDecisionBatch(store::ProjectStore& store,
                                                        const std::vector<std::int64_t>& sampleIds,
                                                        const std::string& field,
                                                        const std::optional<std::string>& newValue,
                                                        const std::string& actor,
                                                        const std::string& reason) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  sqlite3* db = store.handle();
  std::vector<AppliedDecision> applied;
  for (std::int64_t sampleId : sampleIds) {
    const std::int64_t before = sqlite3_last_insert_rowid(db);
    if (Status status = store.applyDecision(sampleId, field, newValue, actor, reason); !status) {
      return status.error();
    }
    const std::int64_t after = sqlite3_last_insert_rowid(db);
    if (after == before) continue;  // value unchanged: applyDecision wrote nothing
    store::SqliteStatement select(db, "SELECT old_value FROM decisions WHERE id = ?");
    select.bind(1, after);
    if (select.step() != SQLITE_ROW) return select.error("read decision");
    applied.push_back({after, sampleId, field, select.columnOptionalText(0), newValue});
  }
  if (Status status = transaction.commit(); !status) return status.error();
  return applied;
}

Status undoDecisions(store::ProjectStore& store, const std::vector<std::int64_t>& decisionIds,
                     const std::string& actor) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  sqlite3* db = store.handle();
  std::vector<std::int64_t> newestFirst = decisionIds;
  std::sort(newestFirst.rbegin(), newestFirst.rend());
  const std::string now = store::nowUtcIso8601();
  for (std::int64_t decisionId : newestFirst) {
    store::SqliteStatement select(
        db, "SELECT sample_id, field, old_value, new_value, undone_at IS NOT NULL FROM decisions WHERE id = ?");
    select.bind(1, decisionId);
    if (select.step() != SQLITE_ROW) {
      return makeError(ErrorCode::InvalidArgument, "decision " + std::to_string(decisionId) + " not found");
    }
    const std::int64_t sampleId = select.columnInt64(0);
    const std::string field = select.columnText(1);
    const std::optional<std::string> oldValue = select.columnOptionalText(2);
    const std::optional<std::string> newValue = select.columnOptionalText(3);
    if (select.columnInt(4) != 0) {
      return makeError(ErrorCode::InvalidArgument,
                       "decision " + std::to_string(decisionId) + " on sample " + std::to_string(sampleId) +
                           " was already undone");
    }
    // field comes from the decisions table, whose CHECK constraint limits it to three names.
    const std::string currentSql = "SELECT " + field + " FROM samples WHERE id = ?";
    store::SqliteStatement current(db, currentSql.c_str());
    current.bind(1, sampleId);
    if (current.step() != SQLITE_ROW) return current.error("read sample");
    if (current.columnOptionalText(0) != newValue) {
      return makeError(ErrorCode::InvalidArgument,
                       "sample " + std::to_string(sampleId) + " " + field +
                           " was changed after decision " + std::to_string(decisionId) + "; not undone");
    }
    const std::string updateSql = "UPDATE samples SET " + field + " = ? WHERE id = ?";
    store::SqliteStatement update(db, updateSql.c_str());
    update.bind(1, oldValue);
    update.bind(2, sampleId);
    if (update.step() != SQLITE_DONE) return update.error("undo decision");
    store::SqliteStatement mark(db, "UPDATE decisions SET undone_at = ? WHERE id = ?");
    mark.bind(1, now);
    mark.bind(2, decisionId);
    if (mark.step() != SQLITE_DONE) return mark.error("mark decision undone");
    store::SqliteStatement insert(db,
                                  "INSERT INTO decisions(sample_id, field, old_value, new_value, actor, "
                                  "reason, created_at, undo_of) VALUES(?,?,?,?,?,?,?,?)");
    insert.bind(1, sampleId);
    insert.bind(2, field);
    insert.bind(3, newValue);
    insert.bind(4, oldValue);
    insert.bind(5, actor);
    insert.bind(6, "undo of decision " + std::to_string(decisionId));
    insert.bind(7, now);
    insert.bind(8, decisionId);
    if (insert.step() != SQLITE_DONE) return insert.error("record undo");
  }
  return transaction.commit();
}

}  // namespace winnow::review
