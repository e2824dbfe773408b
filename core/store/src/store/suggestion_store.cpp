#include "winnow/store/suggestion_store.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Status replaceSuggestions(ProjectStore& store, const std::vector<SuggestionRecord>& rows) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status cleared = SqlAccess::execute(store, "DELETE FROM suggestions"); !cleared) return cleared.error();
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT INTO suggestions(sample_id, label, confidence, margin, runner_up, distance, "
                         "review_rank, extractor, method, run_id, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert.ok()) return insert.error("store suggestions");
  for (const SuggestionRecord& row : rows) {
    insert.reset();
    insert.bind(1, row.sampleId);
    insert.bind(2, row.label);
    insert.bind(3, row.confidence);
    insert.bind(4, row.margin);
    insert.bind(5, row.runnerUp);
    insert.bind(6, row.distance);
    insert.bind(7, row.reviewRank);
    insert.bind(8, row.extractor);
    insert.bind(9, row.method);
    insert.bind(10, row.runId);
    insert.bind(11, row.createdAt);
    if (insert.step() != SQLITE_DONE) return insert.error("store suggestion for sample " + std::to_string(row.sampleId));
  }
  return transaction.commit();
}

Result<std::vector<SuggestionRecord>> currentSuggestions(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT g.sample_id, g.label, g.confidence, g.margin, g.runner_up, g.distance, g.review_rank, "
                         "g.extractor, g.method, g.run_id, g.created_at FROM suggestions g JOIN samples s "
                         "ON s.id = g.sample_id WHERE (s.label IS NULL OR s.label = '') AND s.status != 'rejected' "
                         "ORDER BY g.review_rank, g.sample_id");
  return collectRows(select, "read suggestions", [](const SqliteStatement& suggestion) {
    SuggestionRecord row;
    row.sampleId = suggestion.columnInt64(0);
    row.label = suggestion.columnText(1);
    row.confidence = suggestion.columnDouble(2);
    row.margin = suggestion.columnDouble(3);
    row.runnerUp = suggestion.columnText(4);
    row.distance = suggestion.columnDouble(5);
    row.reviewRank = suggestion.columnInt(6);
    row.extractor = suggestion.columnText(7);
    row.method = suggestion.columnText(8);
    row.runId = suggestion.columnOptionalInt64(9);
    row.createdAt = suggestion.columnText(10);
    return row;
  });
}

Status deleteSuggestions(ProjectStore& store, const std::vector<std::int64_t>& sampleIds) {
  SqliteStatement remove(SqlAccess::handle(store), "DELETE FROM suggestions WHERE sample_id = ?");
  if (!remove.ok()) return remove.error("delete suggestions");
  for (std::int64_t id : sampleIds) {
    remove.reset();
    remove.bind(1, id);
    if (remove.step() != SQLITE_DONE) return remove.error("delete suggestion of sample " + std::to_string(id));
  }
  return okStatus();
}

}  // namespace winnow::store
