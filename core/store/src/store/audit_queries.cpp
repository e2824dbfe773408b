#include "winnow/store/audit_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<EmbeddingRow>> readExtractorEmbeddings(const ProjectStore& store, const std::string& extractor) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, dimension, vector FROM embeddings WHERE extractor = ?");
  if (!select.ok()) return select.error("embeddings");
  select.bind(1, extractor);
  std::vector<EmbeddingRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    std::vector<float> values = embeddingFromBlob(select.columnInt64(1), select.columnBlob(2));
    if (values.empty()) continue;
    rows.push_back({select.columnInt64(0), std::move(values)});
  }
  if (rc != SQLITE_DONE) return select.error("embeddings");
  return rows;
}

Result<std::vector<LargestFaceRow>> readLargestFaces(const ProjectStore& store, const std::string& detector) {
  const std::string sql = std::string("SELECT s.id, MAX(f.width * f.height), s.width, s.height FROM faces f "
                                      "JOIN samples s ON s.id = f.sample_id") +
                          (detector.empty() ? "" : " WHERE f.detector = ?") + " GROUP BY s.id";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  if (!select.ok()) return select.error("faces");
  if (!detector.empty()) select.bind(1, detector);
  std::vector<LargestFaceRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    rows.push_back({select.columnInt64(0), select.columnDouble(1), select.columnDouble(2), select.columnDouble(3)});
  }
  if (rc != SQLITE_DONE) return select.error("faces");
  return rows;
}

Result<std::vector<DuplicateSourcePairRow>> countDuplicatesBySourcePair(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT ds.name, os.name, COUNT(*) FROM duplicates d "
                         "JOIN samples s ON s.id = d.sample_id "
                         "JOIN sources ds ON ds.id = d.source_id "
                         "JOIN sources os ON os.id = s.source_id "
                         "GROUP BY ds.name, os.name ORDER BY ds.name, os.name");
  if (!select.ok()) return select.error("duplicates");
  std::vector<DuplicateSourcePairRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    rows.push_back({select.columnText(0), select.columnText(1), select.columnInt64(2)});
  }
  if (rc != SQLITE_DONE) return select.error("duplicates");
  return rows;
}

Result<std::vector<ClusterSourcesRow>> readClusterSources(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT c.method, COUNT(DISTINCT s.source_id) FROM duplicate_clusters c "
                         "JOIN (SELECT cluster_id, sample_id FROM duplicate_cluster_members "
                         "      UNION SELECT id, keeper_sample_id FROM duplicate_clusters) m ON m.cluster_id = c.id "
                         "JOIN samples s ON s.id = m.sample_id GROUP BY c.id");
  if (!select.ok()) return select.error("duplicate_clusters");
  std::vector<ClusterSourcesRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) rows.push_back({select.columnText(0), select.columnInt64(1)});
  if (rc != SQLITE_DONE) return select.error("duplicate_clusters");
  return rows;
}

Status deleteMeasure(ProjectStore& store, const std::string& name) {
  SqliteStatement remove(SqlAccess::handle(store), "DELETE FROM sample_measures WHERE name = ?");
  if (!remove.ok()) return remove.error("delete measure " + name);
  remove.bind(1, name);
  if (remove.step() != SQLITE_DONE) return remove.error("delete measure " + name);
  return okStatus();
}

}  // namespace winnow::store
