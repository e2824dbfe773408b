#include "winnow/store/faces_queries.hpp"

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

Result<std::vector<DetectorFaceRow>> readDetectorFaces(const ProjectStore& store, const std::string& detector,
                                                       double minScore) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, sample_id, x, y, width, height, score, landmarks_json "
                         "FROM faces WHERE detector = ? AND score >= ?");
  select.bind(1, detector);
  select.bind(2, minScore);
  return collectRows(select, "faces", [](const SqliteStatement& face) {
    DetectorFaceRow row;
    row.faceId = face.columnInt64(0);
    row.sampleId = face.columnInt64(1);
    row.box = faceBoxAt(face, 2);
    return row;
  });
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
  if (Status cleared = stepToDone(remove, "clear faces"); !cleared) return cleared;
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
    if (Status stored = stepToDone(insert, "store face"); !stored) return stored;
  }
  return okStatus();
}

Result<std::set<std::int64_t>> samplesWithMeasure(const ProjectStore& store, const std::string& name) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM sample_measures WHERE name = ?");
  select.bind(1, name);
  return collectIdSet(select, "sample_measures");
}

Result<std::vector<std::string>> faceCropPaths(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT path FROM face_crops WHERE detector = ?");
  select.bind(1, detector);
  return collectRows(select, "face crops", [](const SqliteStatement& crop) { return crop.columnText(0); });
}

Status deleteFaceCrops(ProjectStore& store, const std::string& detector) {
  SqliteStatement clear(SqlAccess::handle(store), "DELETE FROM face_crops WHERE detector = ?");
  clear.bind(1, detector);
  return stepToDone(clear, "clear crops");
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
  return stepToDone(insert, "store crop");
}

Result<std::map<std::int64_t, std::int64_t>> firstCropFaceIds(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT sample_id, face_id FROM face_crops WHERE detector = ? AND face_id IS NOT NULL "
                         "ORDER BY sample_id, face_index");
  select.bind(1, detector);
  std::map<std::int64_t, std::int64_t> faceOf;
  Status read = forEachRow(select, "face crops", [&](const SqliteStatement& crop) {
    faceOf.emplace(crop.columnInt64(0), crop.columnInt64(1));
  });
  if (!read) return read.error();
  return faceOf;
}

Status deleteFlags(ProjectStore& store, const std::vector<std::string>& flags) {
  if (flags.empty()) return okStatus();
  std::string sql = "DELETE FROM sample_flags WHERE flag IN (";
  for (std::size_t i = 0; i < flags.size(); ++i) sql += i == 0 ? "?" : ", ?";
  sql += ")";
  SqliteStatement remove(SqlAccess::handle(store), sql.c_str());
  for (std::size_t i = 0; i < flags.size(); ++i) remove.bind(static_cast<int>(i + 1), flags[i]);
  return stepToDone(remove, "clear flags");
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
  return stepToDone(insert, "flag");
}

}  // namespace winnow::store
