#include "winnow/store/review_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<CatalogSampleRow>> readCatalogSamples(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT s.id, s.content_hash, src.name, s.original_path, s.derived_path, s.width, s.height, "
                         "s.label, s.split, s.status FROM samples s JOIN sources src ON src.id = s.source_id "
                         "ORDER BY s.id");
  return collectRows(select, "read samples", [](const SqliteStatement& sample) {
    CatalogSampleRow row;
    row.sampleId = sample.columnInt64(0);
    row.contentHash = sample.columnText(1);
    row.sourceName = sample.columnText(2);
    row.originalPath = sample.columnText(3);
    row.derivedPath = sample.columnText(4);
    row.width = sample.columnInt(5);
    row.height = sample.columnInt(6);
    row.label = sample.columnOptionalText(7);
    row.split = sample.columnText(8);
    row.status = sample.columnText(9);
    return row;
  });
}

Result<std::vector<SampleCropRow>> readFirstFaceCrops(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, path FROM face_crops WHERE face_index = 0 ORDER BY id");
  return collectRows(select, "read face crops", [](const SqliteStatement& crop) {
    return SampleCropRow{crop.columnInt64(0), crop.columnText(1)};
  });
}

Result<std::vector<SampleFlagNameRow>> readSampleFlags(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, flag FROM sample_flags ORDER BY flag, sample_id");
  return collectRows(select, "read flags", [](const SqliteStatement& flag) {
    return SampleFlagNameRow{flag.columnInt64(0), flag.columnText(1)};
  });
}

Result<std::vector<SampleMeasureRow>> readSampleMeasures(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, name, value FROM sample_measures");
  return collectRows(select, "read measures", [](const SqliteStatement& measure) {
    return SampleMeasureRow{measure.columnInt64(0), measure.columnText(1), measure.columnDouble(2)};
  });
}

Result<std::vector<ClusterMembershipRow>> readClusterMemberships(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT m.sample_id, m.cluster_id, c.size FROM duplicate_cluster_members m JOIN "
                         "(SELECT cluster_id, COUNT(*) AS size FROM duplicate_cluster_members GROUP BY cluster_id) c "
                         "ON c.cluster_id = m.cluster_id");
  return collectRows(select, "read duplicate clusters", [](const SqliteStatement& member) {
    return ClusterMembershipRow{member.columnInt64(0), member.columnInt64(1), member.columnInt(2)};
  });
}

Result<std::vector<BestFaceScoreRow>> readBestFaceScores(const ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id, MAX(score) FROM faces GROUP BY sample_id");
  return collectRows(select, "read faces", [](const SqliteStatement& face) {
    return BestFaceScoreRow{face.columnInt64(0), face.columnDouble(1)};
  });
}

Result<std::vector<SampleFaceRow>> readSampleFaces(const ProjectStore& store, std::int64_t sampleId) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT id, detector, x, y, width, height, score, landmarks_json FROM faces "
                         "WHERE sample_id = ? ORDER BY width * height DESC, id");
  select.bind(1, sampleId);
  return collectRows(select, "read faces", [](const SqliteStatement& face) {
    SampleFaceRow row;
    row.faceId = face.columnInt64(0);
    row.detector = face.columnText(1);
    row.box.x = face.columnDouble(2);
    row.box.y = face.columnDouble(3);
    row.box.width = face.columnDouble(4);
    row.box.height = face.columnDouble(5);
    row.box.score = face.columnDouble(6);
    row.box.landmarksJson = face.columnText(7);
    return row;
  });
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
