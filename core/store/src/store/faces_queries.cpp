#include "winnow/store/faces_queries.hpp"

#include <cstring>

#include "store/sqlite_statement.hpp"

namespace winnow::store {

namespace {

// The box at columns first..first+5 of the current row: x, y, width, height, score, landmarks_json.
FaceBoxRow faceBoxAt(const SqliteStatement& row, int first) {
  FaceBoxRow box;
  box.x = row.columnDouble(first);
  box.y = row.columnDouble(first + 1);
  box.width = row.columnDouble(first + 2);
  box.height = row.columnDouble(first + 3);
  box.score = row.columnDouble(first + 4);
  box.landmarksJson = row.columnText(first + 5);
  return box;
}

}  // namespace

std::vector<float> embeddingFromBlob(std::int64_t dimension, const std::string& blob) {
  if (dimension <= 0 || blob.size() != static_cast<std::size_t>(dimension) * sizeof(float)) return {};
  std::vector<float> values(static_cast<std::size_t>(dimension));
  std::memcpy(values.data(), blob.data(), blob.size());
  return values;
}

Result<std::vector<DetectorFaceRow>> readDetectorFaces(const ProjectStore& store, const std::string& detector,
                                                       double minScore) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, sample_id, x, y, width, height, score, landmarks_json "
                         "FROM faces WHERE detector = ? AND score >= ?");
  if (!select.ok()) return select.error("faces");
  select.bind(1, detector);
  select.bind(2, minScore);
  std::vector<DetectorFaceRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    DetectorFaceRow row;
    row.faceId = select.columnInt64(0);
    row.sampleId = select.columnInt64(1);
    row.box = faceBoxAt(select, 2);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return select.error("faces");
  return rows;
}

Result<std::optional<std::string>> preferredFaceDetector(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT detector, COUNT(DISTINCT sample_id) AS samples FROM faces GROUP BY detector "
                         "ORDER BY detector IN ('faceapi_ssd', 'faceapi_whole_face') DESC, detector = 'faceapi_ssd' DESC, "
                         "samples DESC, detector");
  if (!select.ok()) return select.error("faces");
  const int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(select.columnText(0));
  if (rc != SQLITE_DONE) return select.error("faces");
  return std::optional<std::string>();
}

Status replaceSampleFaces(ProjectStore& store, std::int64_t sampleId, const std::string& detector,
                          const std::string& paramsJson, const std::vector<FaceBoxRow>& boxes) {
  SqliteStatement remove(SqlAccess::handle(store), "DELETE FROM faces WHERE sample_id=? AND detector=?");
  remove.bind(1, sampleId);
  remove.bind(2, detector);
  if (remove.step() != SQLITE_DONE) return remove.error("clear faces");
  if (boxes.empty()) return okStatus();
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT INTO faces(sample_id, detector, params_json, x, y, width, height, score, "
                         "landmarks_json, created_at) VALUES(?,?,?,?,?,?,?,?,?,?)");
  for (const FaceBoxRow& box : boxes) {
    insert.reset();
    insert.bind(1, sampleId);
    insert.bind(2, detector);
    insert.bind(3, paramsJson);
    insert.bind(4, box.x);
    insert.bind(5, box.y);
    insert.bind(6, box.width);
    insert.bind(7, box.height);
    insert.bind(8, box.score);
    insert.bind(9, box.landmarksJson);
    insert.bind(10, nowUtcIso8601());
    if (insert.step() != SQLITE_DONE) return insert.error("store face");
  }
  return okStatus();
}

Result<std::set<std::int64_t>> samplesWithMeasure(const ProjectStore& store, const std::string& name) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM sample_measures WHERE name = ?");
  if (!select.ok()) return select.error("sample_measures");
  select.bind(1, name);
  std::set<std::int64_t> ids;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) ids.insert(select.columnInt64(0));
  if (rc != SQLITE_DONE) return select.error("sample_measures");
  return ids;
}

Result<std::vector<std::string>> faceCropPaths(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT path FROM face_crops WHERE detector = ?");
  if (!select.ok()) return select.error("face crops");
  select.bind(1, detector);
  std::vector<std::string> paths;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) paths.push_back(select.columnText(0));
  if (rc != SQLITE_DONE) return select.error("face crops");
  return paths;
}

Status deleteFaceCrops(ProjectStore& store, const std::string& detector) {
  SqliteStatement clear(SqlAccess::handle(store), "DELETE FROM face_crops WHERE detector = ?");
  clear.bind(1, detector);
  if (clear.step() != SQLITE_DONE) return clear.error("clear crops");
  return okStatus();
}

Status insertFaceCrop(ProjectStore& store, const FaceCropRow& crop) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT INTO face_crops(sample_id, face_id, detector, face_index, path, width, height, centre_x, "
                         "centre_y, side_x, side_y, angle_degrees, params_json, run_id, created_at) "
                         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  insert.bind(1, crop.sampleId);
  insert.bind(2, crop.faceId);
  insert.bind(3, crop.detector);
  insert.bind(4, crop.faceIndex);
  insert.bind(5, crop.path);
  insert.bind(6, crop.width);
  insert.bind(7, crop.height);
  insert.bind(8, crop.centreX);
  insert.bind(9, crop.centreY);
  insert.bind(10, crop.sideX);
  insert.bind(11, crop.sideY);
  insert.bind(12, crop.angleDegrees);
  insert.bind(13, crop.paramsJson);
  insert.bind(14, crop.runId);
  insert.bind(15, nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("store crop");
  return okStatus();
}

Result<std::map<std::int64_t, std::int64_t>> firstCropFaceIds(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT sample_id, face_id FROM face_crops WHERE detector = ? AND face_id IS NOT NULL "
                         "ORDER BY sample_id, face_index");
  if (!select.ok()) return select.error("face crops");
  select.bind(1, detector);
  std::map<std::int64_t, std::int64_t> faceOf;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) faceOf.emplace(select.columnInt64(0), select.columnInt64(1));
  if (rc != SQLITE_DONE) return select.error("face crops");
  return faceOf;
}

Status deleteFlags(ProjectStore& store, const std::vector<std::string>& flags) {
  if (flags.empty()) return okStatus();
  std::string sql = "DELETE FROM sample_flags WHERE flag IN (";
  for (std::size_t i = 0; i < flags.size(); ++i) sql += i == 0 ? "?" : ", ?";
  sql += ")";
  SqliteStatement remove(SqlAccess::handle(store), sql.c_str());
  for (std::size_t i = 0; i < flags.size(); ++i) remove.bind(static_cast<int>(i + 1), flags[i]);
  if (remove.step() != SQLITE_DONE) return remove.error("clear flags");
  return okStatus();
}

Status putSampleFlag(ProjectStore& store, const SampleFlagRow& flag) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT OR REPLACE INTO sample_flags(sample_id, flag, value, threshold, run_id) "
                         "VALUES(?, ?, ?, ?, ?)");
  insert.bind(1, flag.sampleId);
  insert.bind(2, flag.flag);
  insert.bind(3, flag.value);
  insert.bind(4, flag.threshold);
  insert.bind(5, flag.runId);
  if (insert.step() != SQLITE_DONE) return insert.error("flag");
  return okStatus();
}

Result<std::vector<std::string>> embeddingExtractors(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT extractor FROM embeddings GROUP BY extractor ORDER BY COUNT(*) DESC, extractor");
  if (!select.ok()) return select.error("read embeddings");
  std::vector<std::string> extractors;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) extractors.push_back(select.columnText(0));
  if (rc != SQLITE_DONE) return select.error("read embeddings");
  return extractors;
}

Result<std::set<std::int64_t>> samplesWithEmbedding(const ProjectStore& store, const std::string& extractor) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM embeddings WHERE extractor = ?");
  if (!select.ok()) return select.error("read embeddings");
  select.bind(1, extractor);
  std::set<std::int64_t> ids;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) ids.insert(select.columnInt64(0));
  if (rc != SQLITE_DONE) return select.error("read embeddings");
  return ids;
}

Status putEmbeddings(ProjectStore& store, const std::string& extractor, const std::vector<std::int64_t>& sampleIds,
                     const std::vector<std::vector<float>>& vectors) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT OR REPLACE INTO embeddings(sample_id, extractor, dimension, vector) "
                         "VALUES(?, ?, ?, ?)");
  for (std::size_t k = 0; k < sampleIds.size(); ++k) {
    insert.reset();
    insert.bind(1, sampleIds[k]);
    insert.bind(2, extractor);
    insert.bind(3, static_cast<std::int64_t>(vectors[k].size()));
    insert.bindBlob(4, vectors[k].data(), vectors[k].size() * sizeof(float));
    if (insert.step() != SQLITE_DONE) return insert.error("store embedding");
  }
  return okStatus();
}

Result<std::vector<LabelledEmbeddingRow>> readLabelledEmbeddings(const ProjectStore& store, const std::string& extractor,
                                                                 std::int64_t maxSamples) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT e.sample_id, s.label, e.dimension, e.vector FROM embeddings e "
                         "JOIN samples s ON s.id = e.sample_id WHERE e.extractor = ? AND "
                         "s.status = 'active' AND s.label IS NOT NULL ORDER BY e.sample_id LIMIT ?");
  if (!select.ok()) return select.error("embeddings");
  select.bind(1, extractor);
  select.bind(2, maxSamples);
  std::vector<LabelledEmbeddingRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    std::vector<float> values = embeddingFromBlob(select.columnInt64(2), select.columnBlob(3));
    if (values.empty()) continue;
    rows.push_back({select.columnInt64(0), select.columnText(1), std::move(values)});
  }
  if (rc != SQLITE_DONE) return select.error("embeddings");
  return rows;
}

}  // namespace winnow::store
