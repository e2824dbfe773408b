#include "winnow/store/audit_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<LargestFaceRow>> readLargestFaces(const ProjectStore& store, const std::string& detector) {
  const std::string sql = std::string("SELECT s.id, MAX(f.width * f.height), s.width, s.height FROM faces f "
                                      "JOIN samples s ON s.id = f.sample_id") +
                          (detector.empty() ? "" : " WHERE f.detector = ?") + " GROUP BY s.id";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  if (!detector.empty()) select.bind(1, detector);
  return collectRows(select, "faces", [](const SqliteStatement& face) {
    return LargestFaceRow{face.columnInt64(0), face.columnDouble(1), face.columnDouble(2), face.columnDouble(3)};
  });
}

Result<std::vector<DuplicateSourcePairRow>> countDuplicatesBySourcePair(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT ds.name, os.name, COUNT(*) FROM duplicates d "
                         "JOIN samples s ON s.id = d.sample_id "
                         "JOIN sources ds ON ds.id = d.source_id "
                         "JOIN sources os ON os.id = s.source_id "
                         "GROUP BY ds.name, os.name ORDER BY ds.name, os.name");
  return collectRows(select, "duplicates", [](const SqliteStatement& pair) {
    return DuplicateSourcePairRow{pair.columnText(0), pair.columnText(1), pair.columnInt64(2)};
  });
}

Result<std::vector<ClusterSourcesRow>> readClusterSources(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT c.method, COUNT(DISTINCT s.source_id) FROM duplicate_clusters c "
                         "JOIN (SELECT cluster_id, sample_id FROM duplicate_cluster_members "
                         "      UNION SELECT id, keeper_sample_id FROM duplicate_clusters) m ON m.cluster_id = c.id "
                         "JOIN samples s ON s.id = m.sample_id GROUP BY c.id");
  return collectRows(select, "duplicate_clusters", [](const SqliteStatement& cluster) {
    return ClusterSourcesRow{cluster.columnText(0), cluster.columnInt64(1)};
  });
}

Status deleteMeasure(ProjectStore& store, const std::string& name) {
  SqliteStatement remove(SqlAccess::handle(store), "DELETE FROM sample_measures WHERE name = ?");
  remove.bind(1, name);
  return stepToDone(remove, "delete measure " + name);
}

}  // namespace winnow::store
