#include "winnow/store/review_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<CatalogSampleRow>> readCatalogSamples(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT s.id, s.content_hash, src.name, s.original_path, s.derived_path, s.width, s.height, "
                         "s.label, s.split, s.status FROM samples s JOIN sources src ON src.id = s.source_id "
                         "ORDER BY s.id");
  if (!select.ok()) return select.error("read samples");
  std::vector<CatalogSampleRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    CatalogSampleRow row;
    row.sampleId = select.columnInt64(0);
    row.contentHash = select.columnText(1);
    row.sourceName = select.columnText(2);
    row.originalPath = select.columnText(3);
    row.derivedPath = select.columnText(4);
    row.width = select.columnInt(5);
    row.height = select.columnInt(6);
    row.label = select.columnOptionalText(7);
    row.split = select.columnText(8);
    row.status = select.columnText(9);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return select.error("read samples");
  return rows;
}

Result<std::vector<SampleCropRow>> readFirstFaceCrops(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, path FROM face_crops WHERE face_index = 0 ORDER BY id");
  if (!select.ok()) return select.error("read face crops");
  std::vector<SampleCropRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) rows.push_back({select.columnInt64(0), select.columnText(1)});
  if (rc != SQLITE_DONE) return select.error("read face crops");
  return rows;
}

Result<std::vector<SampleFlagNameRow>> readSampleFlags(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, flag FROM sample_flags ORDER BY flag, sample_id");
  if (!select.ok()) return select.error("read flags");
  std::vector<SampleFlagNameRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) rows.push_back({select.columnInt64(0), select.columnText(1)});
  if (rc != SQLITE_DONE) return select.error("read flags");
  return rows;
}

Result<std::vector<SampleMeasureRow>> readSampleMeasures(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, name, value FROM sample_measures");
  if (!select.ok()) return select.error("read measures");
  std::vector<SampleMeasureRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    rows.push_back({select.columnInt64(0), select.columnText(1), select.columnDouble(2)});
  }
  if (rc != SQLITE_DONE) return select.error("read measures");
  return rows;
}

Result<std::vector<ClusterMembershipRow>> readClusterMemberships(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT m.sample_id, m.cluster_id, c.size FROM duplicate_cluster_members m JOIN "
                         "(SELECT cluster_id, COUNT(*) AS size FROM duplicate_cluster_members GROUP BY cluster_id) c "
                         "ON c.cluster_id = m.cluster_id");
  if (!select.ok()) return select.error("read duplicate clusters");
  std::vector<ClusterMembershipRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    rows.push_back({select.columnInt64(0), select.columnInt64(1), select.columnInt(2)});
  }
  if (rc != SQLITE_DONE) return select.error("read duplicate clusters");
  return rows;
}

Result<std::vector<BestFaceScoreRow>> readBestFaceScores(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, MAX(score) FROM faces GROUP BY sample_id");
  if (!select.ok()) return select.error("read faces");
  std::vector<BestFaceScoreRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) rows.push_back({select.columnInt64(0), select.columnDouble(1)});
  if (rc != SQLITE_DONE) return select.error("read faces");
  return rows;
}

Result<std::vector<SampleFaceRow>> readSampleFaces(const ProjectStore& store, std::int64_t sampleId) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, detector, x, y, width, height, score, landmarks_json FROM faces "
                         "WHERE sample_id = ? ORDER BY width * height DESC, id");
  if (!select.ok()) return select.error("read faces");
  select.bind(1, sampleId);
  std::vector<SampleFaceRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    SampleFaceRow row;
    row.faceId = select.columnInt64(0);
    row.detector = select.columnText(1);
    row.box.x = select.columnDouble(2);
    row.box.y = select.columnDouble(3);
    row.box.width = select.columnDouble(4);
    row.box.height = select.columnDouble(5);
    row.box.score = select.columnDouble(6);
    row.box.landmarksJson = select.columnText(7);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return select.error("read faces");
  return rows;
}

Result<std::vector<EmbeddingRow>> readReviewEmbeddings(const ProjectStore& store, const std::string& extractor,
                                                       bool unlabelledOnly) {
  const std::string sql = std::string("SELECT e.sample_id, e.dimension, e.vector FROM embeddings e JOIN samples s "
                                      "ON s.id = e.sample_id WHERE e.extractor = ? AND s.status != 'rejected' ") +
                          (unlabelledOnly ? "AND (s.label IS NULL OR s.label = '') " : "") + "ORDER BY e.sample_id";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  if (!select.ok()) return select.error("read embeddings");
  select.bind(1, extractor);
  std::vector<EmbeddingRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    std::vector<float> values = embeddingFromBlob(select.columnInt64(1), select.columnBlob(2));
    if (values.empty()) continue;
    rows.push_back({select.columnInt64(0), std::move(values)});
  }
  if (rc != SQLITE_DONE) return select.error("read embeddings");
  return rows;
}

Result<std::optional<std::int64_t>> applyDecisionReturningId(ProjectStore& store, std::int64_t sampleId,
                                                             const std::string& field,
                                                             const std::optional<std::string>& newValue,
                                                             const std::string& actor, const std::string& reason,
                                                             std::optional<std::int64_t> runId) {
  // applyDecision's last insert is its decision row; no row inserted = no decision.
  const std::int64_t before = sqlite3_last_insert_rowid(SqlAccess::handle(store));
  if (Status status = store.applyDecision(sampleId, field, newValue, actor, reason, runId); !status) {
    return status.error();
  }
  const std::int64_t after = sqlite3_last_insert_rowid(SqlAccess::handle(store));
  if (after == before) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(after);
}

}  // namespace winnow::store
