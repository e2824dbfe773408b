#include "winnow/store/dedupe_queries.hpp"


#include "store/sqlite_statement.hpp"

namespace winnow::store {

namespace {

Error clusterNotFound(std::int64_t clusterId) {
  return makeError(ErrorCode::NotFound, "duplicate cluster " + std::to_string(clusterId) + " not found");
}

}  // namespace

Result<std::int64_t> countSampleHashes(ProjectStore& store) {
  SqliteStatement count(SqlAccess::handle(store), "SELECT COUNT(*) FROM sample_hashes");
  if (!count.ok() || count.step() != SQLITE_ROW) return count.error("count hashes");
  return count.columnInt64(0);
}

Result<std::vector<SamplePixelFile>> samplesWithoutHashes(ProjectStore& store) {
  SqliteStatement select(
      SqlAccess::handle(store),
      "SELECT s.id, s.original_path, s.derived_path FROM samples s "
      "LEFT JOIN sample_hashes h ON h.sample_id = s.id WHERE h.sample_id IS NULL ORDER BY s.id");
  return collectRows(select, "list samples to hash", [&store](const SqliteStatement& sample) {
    SamplePixelFile file;
    file.sampleId = sample.columnInt64(0);
    const std::string derived = sample.columnText(2);
    file.path = derived.empty() ? std::filesystem::path(sample.columnText(1)) : store.projectDir() / derived;
    return file;
  });
}

Result<std::vector<HashedSampleRow>> listHashedSamples(ProjectStore& store, const std::string& sharpnessMeasure,
                                                       const std::string& brightnessMeasure) {
  const std::string sql =
      "SELECT s.id, s.width, s.height, s.byte_size, s.format, s.status, s.original_path, "
      "s.video_frame_index, h.phash, h.dhash, "
      "(SELECT value FROM sample_measures WHERE sample_id=s.id AND name=" + sqlQuoted(sharpnessMeasure) +
      "), (SELECT value FROM sample_measures WHERE sample_id=s.id AND name=" + sqlQuoted(brightnessMeasure) +
      "), nullif(s.label,'') FROM samples s JOIN sample_hashes h ON h.sample_id = s.id "
      "WHERE s.status != 'rejected' ORDER BY s.id";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  return collectRows(select, "load hashes", [](const SqliteStatement& sample) {
    HashedSampleRow row;
    row.id = sample.columnInt64(0);
    row.width = sample.columnInt(1);
    row.height = sample.columnInt(2);
    row.byteSize = sample.columnInt64(3);
    row.format = sample.columnText(4);
    row.status = sample.columnText(5);
    row.originalPath = sample.columnText(6);
    row.videoFrameIndex = sample.columnOptionalInt64(7);
    row.phash = static_cast<std::uint64_t>(sample.columnInt64(8));
    row.dhash = static_cast<std::uint64_t>(sample.columnInt64(9));
    row.sharpness = sample.columnOptionalDouble(10);
    row.brightness = sample.columnOptionalDouble(11);
    row.label = sample.columnOptionalText(12);
    return row;
  });
}

Result<std::set<std::pair<std::int64_t, std::int64_t>>> notDuplicatePairs(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_a, sample_b FROM not_duplicate_pairs");
  if (!select.ok()) return select.error("load not-duplicate pairs");
  std::set<std::pair<std::int64_t, std::int64_t>> pairs;
  while (select.step() == SQLITE_ROW) pairs.emplace(select.columnInt64(0), select.columnInt64(1));
  return pairs;
}

Result<std::map<std::int64_t, std::string>> userChosenKeepers(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT keeper_sample_id, keeper_reason FROM duplicate_clusters "
                         "WHERE keeper_reason LIKE 'chosen by %'");
  if (!select.ok()) return select.error("load keepers");
  std::map<std::int64_t, std::string> keepers;
  while (select.step() == SQLITE_ROW) keepers[select.columnInt64(0)] = select.columnText(1);
  return keepers;
}

Result<std::optional<std::string>> latestStatusActor(ProjectStore& store, std::int64_t sampleId) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT actor FROM decisions WHERE sample_id=? AND field='status' "
                         "AND undone_at IS NULL ORDER BY id DESC LIMIT 1");
  if (!select.ok()) return select.error("read decisions");
  select.bind(1, sampleId);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(select.columnText(0));
  if (rc != SQLITE_DONE) return select.error("read decisions");
  return std::optional<std::string>();
}

Result<std::map<std::string, std::int64_t>> activeSamplesPerLabel(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT coalesce(nullif(label,''),'(unlabelled)'), count(*) FROM samples "
                                         "WHERE status='active' GROUP BY 1");
  if (!select.ok()) return select.error("count active samples");
  std::map<std::string, std::int64_t> counts;
  while (select.step() == SQLITE_ROW) counts[select.columnText(0)] = select.columnInt64(1);
  return counts;
}

Result<std::vector<std::int64_t>> duplicateStatusSampleIds(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT id FROM samples WHERE status='duplicate'");
  if (!select.ok()) return select.error("list duplicates");
  std::vector<std::int64_t> ids;
  while (select.step() == SQLITE_ROW) ids.push_back(select.columnInt64(0));
  return ids;
}

Result<std::vector<std::int64_t>> replaceDuplicateClusters(ProjectStore& store,
                                                           const std::vector<NewDuplicateCluster>& clusters,
                                                           std::optional<std::int64_t> runId,
                                                           const std::string& createdAt) {
  sqlite3* db = SqlAccess::handle(store);
  if (Status s = SqlAccess::execute(store, "DELETE FROM duplicate_cluster_members; DELETE FROM duplicate_clusters;");
      !s) {
    return s.error();
  }
  SqliteStatement insertCluster(
      db, "INSERT INTO duplicate_clusters(method, keeper_sample_id, keeper_reason, run_id, created_at, "
          "label_conflict) VALUES(?,?,?,?,?,?)");
  SqliteStatement insertMember(
      db, "INSERT INTO duplicate_cluster_members(cluster_id, sample_id, distance, kept, duplicate_of) "
          "VALUES(?,?,?,?,?)");
  if (!insertCluster.ok()) return insertCluster.error("store clusters");
  if (!insertMember.ok()) return insertMember.error("store clusters");
  std::vector<std::int64_t> ids;
  ids.reserve(clusters.size());
  for (const NewDuplicateCluster& cluster : clusters) {
    insertCluster.reset();
    insertCluster.bind(1, cluster.method);
    insertCluster.bind(2, cluster.keeperSampleId);
    insertCluster.bind(3, cluster.keeperReason);
    insertCluster.bind(4, runId);
    insertCluster.bind(5, createdAt);
    insertCluster.bind(6, cluster.labelConflict ? 1 : 0);
    if (Status stored = stepToDone(insertCluster, "store clusters"); !stored) return stored.error();
    const std::int64_t clusterId = sqlite3_last_insert_rowid(db);
    ids.push_back(clusterId);
    for (const NewClusterMember& member : cluster.members) {
      insertMember.reset();
      insertMember.bind(1, clusterId);
      insertMember.bind(2, member.sampleId);
      insertMember.bind(3, member.distance);
      insertMember.bind(4, member.kept ? 1 : 0);
      insertMember.bind(5, member.duplicateOf);
      if (Status stored = stepToDone(insertMember, "store clusters"); !stored) return stored.error();
    }
  }
  return ids;
}

Result<std::vector<StoredDuplicateCluster>> listDuplicateClusters(ProjectStore& store,
                                                                  const std::string& sharpnessMeasure,
                                                                  const std::string& brightnessMeasure) {
  const std::string sql =
      "SELECT c.id, c.method, c.keeper_sample_id, c.keeper_reason, m.sample_id, m.distance, "
      "s.status, s.original_path, s.width, s.height, s.byte_size, s.format, "
      "(SELECT value FROM sample_measures WHERE sample_id=s.id AND name=" + sqlQuoted(sharpnessMeasure) +
      "), (SELECT value FROM sample_measures WHERE sample_id=s.id AND name=" + sqlQuoted(brightnessMeasure) +
      "), (SELECT hm.dhash FROM sample_hashes hm WHERE hm.sample_id=s.id), "
      "(SELECT hk.dhash FROM sample_hashes hk WHERE hk.sample_id=coalesce(m.duplicate_of, c.keeper_sample_id)), "
      "c.label_conflict, m.kept, m.duplicate_of, nullif(s.label,''), s.video_frame_index "
      "FROM duplicate_clusters c JOIN duplicate_cluster_members m ON m.cluster_id=c.id "
      "JOIN samples s ON s.id=m.sample_id "
      "ORDER BY c.id, (m.sample_id != c.keeper_sample_id), (m.kept = 0), m.distance, m.sample_id";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  std::vector<StoredDuplicateCluster> clusters;
  Status read = forEachRow(select, "list clusters", [&clusters](const SqliteStatement& row) {
    const std::int64_t id = row.columnInt64(0);
    if (clusters.empty() || clusters.back().id != id) {
      StoredDuplicateCluster cluster;
      cluster.id = id;
      cluster.method = row.columnText(1);
      cluster.keeperSampleId = row.columnInt64(2);
      cluster.keeperReason = row.columnText(3);
      cluster.labelConflict = row.columnInt(16) != 0;
      clusters.push_back(std::move(cluster));
    }
    StoredClusterMember m;
    m.sampleId = row.columnInt64(4);
    m.distance = row.columnDouble(5);
    m.status = row.columnText(6);
    m.originalPath = row.columnText(7);
    m.width = row.columnInt(8);
    m.height = row.columnInt(9);
    m.byteSize = row.columnInt64(10);
    m.format = row.columnText(11);
    m.sharpness = row.columnOptionalDouble(12);
    m.brightness = row.columnOptionalDouble(13);
    if (!row.columnIsNull(14)) m.dhash = static_cast<std::uint64_t>(row.columnInt64(14));
    if (!row.columnIsNull(15)) m.referenceDhash = static_cast<std::uint64_t>(row.columnInt64(15));
    m.kept = row.columnInt(17) != 0;
    m.duplicateOf = row.columnOptionalInt64(18);
    m.label = row.columnOptionalText(19);
    m.videoFrameIndex = row.columnOptionalInt64(20);
    clusters.back().members.push_back(std::move(m));
  });
  if (!read) return read.error();
  return clusters;
}

Result<std::int64_t> duplicateClusterKeeper(ProjectStore& store, std::int64_t clusterId) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT keeper_sample_id FROM duplicate_clusters WHERE id=?");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  if (select.step() != SQLITE_ROW) return clusterNotFound(clusterId);
  return select.columnInt64(0);
}

Result<std::vector<std::int64_t>> duplicateClusterMemberIds(ProjectStore& store, std::int64_t clusterId) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM duplicate_cluster_members WHERE cluster_id=?");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  std::vector<std::int64_t> members;
  while (select.step() == SQLITE_ROW) members.push_back(select.columnInt64(0));
  return members;
}

Status requireDuplicateCluster(ProjectStore& store, std::int64_t clusterId) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT 1 FROM duplicate_cluster_members WHERE cluster_id=? LIMIT 1");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  if (select.step() != SQLITE_ROW) return clusterNotFound(clusterId);
  return okStatus();
}

Status setDuplicateClusterKeeper(ProjectStore& store, std::int64_t clusterId, std::int64_t keeperSampleId,
                                 const std::string& keeperReason) {
  SqliteStatement update(SqlAccess::handle(store),
                         "UPDATE duplicate_clusters SET keeper_sample_id=?, keeper_reason=? WHERE id=?");
  update.bind(1, keeperSampleId);
  update.bind(2, keeperReason);
  update.bind(3, clusterId);
  return stepToDone(update, "set keeper");
}

Result<std::vector<ClusterMemberFormat>> keptMembersOfSameLabel(ProjectStore& store, std::int64_t clusterId,
                                                                std::int64_t sampleId) {
  SqliteStatement rivals(
      SqlAccess::handle(store),
      "SELECT m.sample_id, s.format FROM duplicate_cluster_members m JOIN samples s ON s.id=m.sample_id "
      "WHERE m.cluster_id=?1 AND m.kept=1 AND m.sample_id!=?2 "
      "AND coalesce(nullif(s.label,''),'') = "
      "(SELECT coalesce(nullif(label,''),'') FROM samples WHERE id=?2)");
  if (!rivals.ok()) return rivals.error("read cluster");
  rivals.bind(1, clusterId);
  rivals.bind(2, sampleId);
  std::vector<ClusterMemberFormat> members;
  while (rivals.step() == SQLITE_ROW) members.push_back({rivals.columnInt64(0), rivals.columnText(1)});
  return members;
}

Status markClusterMemberKept(ProjectStore& store, std::int64_t clusterId, std::int64_t sampleId) {
  SqliteStatement keep(SqlAccess::handle(store), "UPDATE duplicate_cluster_members SET kept=1, duplicate_of=NULL "
                                       "WHERE cluster_id=? AND sample_id=?");
  keep.bind(1, clusterId);
  keep.bind(2, sampleId);
  return stepToDone(keep, "set keeper");
}

Status demoteClusterMember(ProjectStore& store, std::int64_t clusterId, std::int64_t keeperSampleId,
                           std::int64_t demoted) {
  SqliteStatement repoint(SqlAccess::handle(store), "UPDATE duplicate_cluster_members SET kept=0, duplicate_of=?1 "
                                          "WHERE cluster_id=?2 AND (sample_id=?3 OR duplicate_of=?3)");
  repoint.bind(1, keeperSampleId);
  repoint.bind(2, clusterId);
  repoint.bind(3, demoted);
  return stepToDone(repoint, "set keeper");
}

Status recordNotDuplicatePair(ProjectStore& store, std::int64_t sampleA, std::int64_t sampleB,
                              const std::string& actor, const std::string& createdAt) {
  SqliteStatement insert(
      SqlAccess::handle(store),
      "INSERT OR IGNORE INTO not_duplicate_pairs(sample_a, sample_b, actor, created_at) VALUES(?,?,?,?)");
  insert.bind(1, sampleA);
  insert.bind(2, sampleB);
  insert.bind(3, actor);
  insert.bind(4, createdAt);
  return stepToDone(insert, "mark not duplicate");
}

Result<std::optional<ClusterOfPair>> clusterHoldingBoth(ProjectStore& store, std::int64_t sampleA,
                                                        std::int64_t sampleB) {
  SqliteStatement shared(
      SqlAccess::handle(store),
      "SELECT c.id, c.keeper_sample_id, a.kept, b.kept FROM duplicate_clusters c "
      "JOIN duplicate_cluster_members a ON a.cluster_id=c.id AND a.sample_id=? "
      "JOIN duplicate_cluster_members b ON b.cluster_id=c.id AND b.sample_id=?");
  if (!shared.ok()) return shared.error("read clusters");
  shared.bind(1, sampleA);
  shared.bind(2, sampleB);
  if (shared.step() != SQLITE_ROW) return std::optional<ClusterOfPair>();
  ClusterOfPair cluster;
  cluster.clusterId = shared.columnInt64(0);
  cluster.keeperSampleId = shared.columnInt64(1);
  cluster.keptA = shared.columnInt(2) != 0;
  cluster.keptB = shared.columnInt(3) != 0;
  return std::optional<ClusterOfPair>(cluster);
}

Status removeClusterMember(ProjectStore& store, std::int64_t clusterId, std::int64_t leaving,
                           std::int64_t replacement) {
  sqlite3* db = SqlAccess::handle(store);
  SqliteStatement repoint(db, "UPDATE duplicate_cluster_members SET duplicate_of=?1 "
                              "WHERE cluster_id=?2 AND duplicate_of=?3");
  repoint.bind(1, replacement);
  repoint.bind(2, clusterId);
  repoint.bind(3, leaving);
  if (Status repointed = stepToDone(repoint, "update cluster"); !repointed) return repointed;
  SqliteStatement remove(db, "DELETE FROM duplicate_cluster_members WHERE cluster_id=? AND sample_id=?");
  remove.bind(1, clusterId);
  remove.bind(2, leaving);
  return stepToDone(remove, "update cluster");
}

Status dropDuplicateCluster(ProjectStore& store, std::int64_t clusterId) {
  sqlite3* db = SqlAccess::handle(store);
  SqliteStatement drop(db, "DELETE FROM duplicate_cluster_members WHERE cluster_id=?");
  drop.bind(1, clusterId);
  if (Status dropped = stepToDone(drop, "drop cluster"); !dropped) return dropped;
  SqliteStatement dropCluster(db, "DELETE FROM duplicate_clusters WHERE id=?");
  dropCluster.bind(1, clusterId);
  return stepToDone(dropCluster, "drop cluster");
}

Result<std::vector<LabelConflictCluster>> labelConflictClusters(ProjectStore& store) {
  SqliteStatement select(SqlAccess::handle(store), kLabelConflictClustersSql);
  if (!select.ok()) return select.error("list label conflicts");
  std::vector<LabelConflictCluster> clusters;
  while (select.step() == SQLITE_ROW) {
    LabelConflictCluster cluster;
    cluster.clusterId = select.columnInt64(0);
    cluster.labels = select.columnInt64(1);
    cluster.unreviewed = select.columnInt64(2);
    cluster.members = select.columnInt64(3);
    clusters.push_back(cluster);
  }
  return clusters;
}

Result<std::vector<std::vector<LabelConflictMemberRow>>> labelConflictMembers(
    ProjectStore& store, const std::vector<std::int64_t>& clusterIds) {
  SqliteStatement members(
      SqlAccess::handle(store),
      "SELECT c.method, c.keeper_sample_id, m.sample_id, nullif(s.label,''), s.status, src.name, "
      "s.original_path, m.kept, r.actor FROM duplicate_clusters c "
      "JOIN duplicate_cluster_members m ON m.cluster_id=c.id JOIN samples s ON s.id=m.sample_id "
      "JOIN sources src ON src.id=s.source_id "
      "LEFT JOIN label_conflict_reviews r ON r.sample_id=m.sample_id WHERE c.id=? "
      "ORDER BY m.kept DESC, coalesce(nullif(s.label,''),'~'), m.sample_id");
  if (!members.ok()) return members.error("list label conflicts");
  std::vector<std::vector<LabelConflictMemberRow>> byCluster;
  byCluster.reserve(clusterIds.size());
  for (std::int64_t clusterId : clusterIds) {
    members.reset();
    members.bind(1, clusterId);
    auto rows = collectRows(members, "list label conflicts", [](const SqliteStatement& member) {
      LabelConflictMemberRow row;
      row.method = member.columnText(0);
      row.keeperSampleId = member.columnInt64(1);
      row.sampleId = member.columnInt64(2);
      row.label = member.columnOptionalText(3);
      row.status = member.columnText(4);
      row.source = member.columnText(5);
      row.originalPath = member.columnText(6);
      row.kept = member.columnInt(7) != 0;
      row.reviewedBy = member.columnOptionalText(8);
      return row;
    });
    if (!rows) return rows.error();
    byCluster.push_back(std::move(rows.value()));
  }
  return byCluster;
}

Result<std::int64_t> distinctLabelsInCluster(ProjectStore& store, std::int64_t clusterId) {
  SqliteStatement labels(SqlAccess::handle(store),
                         "SELECT count(DISTINCT nullif(s.label,'')) FROM duplicate_cluster_members m "
                         "JOIN samples s ON s.id=m.sample_id WHERE m.cluster_id=? AND s.status!='rejected'");
  if (!labels.ok()) return labels.error("read cluster");
  labels.bind(1, clusterId);
  if (labels.step() != SQLITE_ROW) return labels.error("read cluster");
  return labels.columnInt64(0);
}

Status recordLabelConflictReview(ProjectStore& store, std::int64_t clusterId, const std::string& actor,
                                 const std::string& reason, const std::string& createdAt) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT OR REPLACE INTO label_conflict_reviews(sample_id, actor, reason, created_at) "
                         "SELECT sample_id, ?, ?, ? FROM duplicate_cluster_members WHERE cluster_id=?");
  insert.bind(1, actor);
  insert.bind(2, reason);
  insert.bind(3, createdAt);
  insert.bind(4, clusterId);
  return stepToDone(insert, "record review");
}

Status clearLabelConflictReviews(ProjectStore& store, std::int64_t clusterId) {
  SqliteStatement remove(SqlAccess::handle(store), "DELETE FROM label_conflict_reviews WHERE sample_id IN "
                                         "(SELECT sample_id FROM duplicate_cluster_members WHERE cluster_id=?)");
  remove.bind(1, clusterId);
  return stepToDone(remove, "reopen conflict");
}

}  // namespace winnow::store
