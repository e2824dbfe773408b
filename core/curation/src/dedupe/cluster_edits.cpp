// Reading stored clusters and the user's edits to them (keeper choice, not-duplicate marks).
#include <cstdio>

#include "dupes_internal.hpp"
#include "store/sqlite_statement.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

namespace {

Result<std::vector<std::int64_t>> clusterMembers(sqlite3* db, std::int64_t clusterId) {
  store::SqliteStatement select(db, "SELECT sample_id FROM duplicate_cluster_members WHERE cluster_id=?");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  std::vector<std::int64_t> members;
  while (select.step() == SQLITE_ROW) members.push_back(select.columnInt64(0));
  return members;
}

Result<std::int64_t> clusterKeeper(sqlite3* db, std::int64_t clusterId) {
  store::SqliteStatement select(db, "SELECT keeper_sample_id FROM duplicate_clusters WHERE id=?");
  if (!select.ok()) return select.error("read cluster");
  select.bind(1, clusterId);
  if (select.step() != SQLITE_ROW) {
    return makeError(ErrorCode::NotFound, "duplicate cluster " + std::to_string(clusterId) + " not found");
  }
  return select.columnInt64(0);
}

}  // namespace

nlohmann::json toJson(const DuplicateCluster& cluster) {
  nlohmann::json members = nlohmann::json::array();
  for (const ClusterMember& m : cluster.members) {
    members.push_back({{"sample_id", m.sampleId},
                       {"keeper", m.sampleId == cluster.keeperSampleId},
                       {"kept", m.kept},
                       {"duplicate_of", m.duplicateOf ? nlohmann::json(*m.duplicateOf) : nlohmann::json()},
                       {"label", m.label ? nlohmann::json(*m.label) : nlohmann::json()},
                       {"video_frame_index",
                        m.videoFrameIndex ? nlohmann::json(*m.videoFrameIndex) : nlohmann::json()},
                       {"phash_distance", m.distance},
                       {"dhash_distance", m.dhashDistance},
                       {"status", m.status},
                       {"width", m.width},
                       {"height", m.height},
                       {"sharpness", m.sharpness ? nlohmann::json(*m.sharpness) : nlohmann::json()},
                       {"brightness", m.brightness ? nlohmann::json(*m.brightness) : nlohmann::json()},
                       {"byte_size", m.byteSize},
                       {"format", m.format},
                       {"path", m.path}});
  }
  nlohmann::json labels = nlohmann::json::object();
  for (const ClusterMember& m : cluster.members) {
    const std::string key = m.label ? *m.label : "(unlabelled)";
    labels[key] = labels.value(key, 0) + 1;
  }
  return {{"id", cluster.id},
          {"method", cluster.method},
          {"label_conflict", cluster.labelConflict},
          {"labels", std::move(labels)},
          {"keeper", cluster.keeperSampleId},
          {"keeper_reason", cluster.keeperReason},
          {"members", std::move(members)}};
}

Result<std::vector<DuplicateCluster>> listClusters(store::ProjectStore& store) {
  sqlite3* db = store.handle();
  const std::string sql = std::string(
      "SELECT c.id, c.method, c.keeper_sample_id, c.keeper_reason, m.sample_id, m.distance, "
      "s.status, s.original_path, s.width, s.height, s.byte_size, s.format, "
      "(SELECT value FROM sample_measures WHERE sample_id=s.id AND name='") + kSharpnessMeasure +
      "'), (SELECT value FROM sample_measures WHERE sample_id=s.id AND name='" + kBrightnessMeasure +
      "'), (SELECT hm.dhash FROM sample_hashes hm WHERE hm.sample_id=s.id), "
      "(SELECT hk.dhash FROM sample_hashes hk WHERE hk.sample_id=coalesce(m.duplicate_of, c.keeper_sample_id)), "
      "c.label_conflict, m.kept, m.duplicate_of, nullif(s.label,''), s.video_frame_index "
      "FROM duplicate_clusters c JOIN duplicate_cluster_members m ON m.cluster_id=c.id "
      "JOIN samples s ON s.id=m.sample_id "
      "ORDER BY c.id, (m.sample_id != c.keeper_sample_id), (m.kept = 0), m.distance, m.sample_id";
  store::SqliteStatement select(db, sql.c_str());
  if (!select.ok()) return select.error("list clusters");
  std::vector<DuplicateCluster> clusters;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    const std::int64_t id = select.columnInt64(0);
    if (clusters.empty() || clusters.back().id != id) {
      DuplicateCluster cluster;
      cluster.id = id;
      cluster.method = select.columnText(1);
      cluster.keeperSampleId = select.columnInt64(2);
      cluster.keeperReason = select.columnText(3);
      cluster.labelConflict = select.columnInt(16) != 0;
      clusters.push_back(std::move(cluster));
    }
    ClusterMember m;
    m.sampleId = select.columnInt64(4);
    m.distance = select.columnDouble(5);
    m.status = select.columnText(6);
    m.path = select.columnText(7);
    m.width = select.columnInt(8);
    m.height = select.columnInt(9);
    m.byteSize = select.columnInt64(10);
    m.format = select.columnText(11);
    m.sharpness = select.columnOptionalDouble(12);
    m.brightness = select.columnOptionalDouble(13);
    if (!select.columnIsNull(14) && !select.columnIsNull(15)) {
      m.dhashDistance = __builtin_popcountll(static_cast<std::uint64_t>(select.columnInt64(14)) ^
                                             static_cast<std::uint64_t>(select.columnInt64(15)));
    }
    m.kept = select.columnInt(17) != 0;
    m.duplicateOf = select.columnOptionalInt64(18);
    m.label = select.columnOptionalText(19);
    m.videoFrameIndex = select.columnOptionalInt64(20);
    clusters.back().members.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return select.error("list clusters");
  return clusters;
}

Status setKeeper(store::ProjectStore& store, std::int64_t clusterId, std::int64_t sampleId,
                 const std::string& actor) {
  sqlite3* db = store.handle();
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (auto exists = clusterKeeper(db, clusterId); !exists) return exists.error();
  auto members = clusterMembers(db, clusterId);
  if (!members) return members.error();
  if (std::find(members->begin(), members->end(), sampleId) == members->end()) {
    return makeError(ErrorCode::InvalidArgument, "sample " + std::to_string(sampleId) +
                                                     " is not a member of duplicate cluster " +
                                                     std::to_string(clusterId));
  }
  store::SqliteStatement update(db, "UPDATE duplicate_clusters SET keeper_sample_id=?, keeper_reason=? WHERE id=?");
  if (!update.ok()) return update.error("set keeper");
  update.bind(1, sampleId);
  update.bind(2, std::string(detail::kChosenByPrefix) + actor);
  update.bind(3, clusterId);
  if (update.step() != SQLITE_DONE) return update.error("set keeper");
  // Member distances stay relative to the keeper the rule chose; the user's choice is the reason.
  if (Status s = store.applyDecision(sampleId, "status", std::string(store::kStatusActive), actor,
                                     "chosen as keeper of duplicate cluster " + std::to_string(clusterId));
      !s) {
    return s;
  }
  // Only kept members of the new keeper's own label give way (never one of another label); in a
  // group of video frames the other kept frames stay (the user adds a frame, not swaps one).
  store::SqliteStatement rivals(
      db, "SELECT m.sample_id, s.format FROM duplicate_cluster_members m JOIN samples s ON s.id=m.sample_id "
          "WHERE m.cluster_id=?1 AND m.kept=1 AND m.sample_id!=?2 "
          "AND coalesce(nullif(s.label,''),'') = "
          "(SELECT coalesce(nullif(label,''),'') FROM samples WHERE id=?2)");
  if (!rivals.ok()) return rivals.error("read cluster");
  rivals.bind(1, clusterId);
  rivals.bind(2, sampleId);
  std::string newKeeperFormat;
  if (auto sample = store.getSample(sampleId); sample) newKeeperFormat = sample->format;
  std::vector<std::int64_t> demoted;
  while (rivals.step() == SQLITE_ROW) {
    if (newKeeperFormat == "video-frame" && rivals.columnText(1) == "video-frame") continue;
    demoted.push_back(rivals.columnInt64(0));
  }
  store::SqliteStatement keep(db, "UPDATE duplicate_cluster_members SET kept=1, duplicate_of=NULL "
                                  "WHERE cluster_id=? AND sample_id=?");
  if (!keep.ok()) return keep.error("set keeper");
  keep.bind(1, clusterId);
  keep.bind(2, sampleId);
  if (keep.step() != SQLITE_DONE) return keep.error("set keeper");
  for (std::int64_t old : demoted) {
    store::SqliteStatement repoint(db, "UPDATE duplicate_cluster_members SET kept=0, duplicate_of=?1 "
                                       "WHERE cluster_id=?2 AND (sample_id=?3 OR duplicate_of=?3)");
    if (!repoint.ok()) return repoint.error("set keeper");
    repoint.bind(1, sampleId);
    repoint.bind(2, clusterId);
    repoint.bind(3, old);
    if (repoint.step() != SQLITE_DONE) return repoint.error("set keeper");
    if (Status s = store.applyDecision(old, "status", std::string(store::kStatusDuplicate), actor,
                                       "near-duplicate of sample " + std::to_string(sampleId) +
                                           " (keeper chosen by " + actor + ")");
        !s) {
      return s;
    }
  }
  return transaction.commit();
}

Status markNotDuplicate(store::ProjectStore& store, std::int64_t sampleA, std::int64_t sampleB,
                        const std::string& actor) {
  if (sampleA == sampleB) {
    return makeError(ErrorCode::InvalidArgument, "not-duplicate: a sample cannot be paired with itself");
  }
  if (sampleA > sampleB) std::swap(sampleA, sampleB);
  sqlite3* db = store.handle();
  for (std::int64_t id : {sampleA, sampleB}) {
    if (auto sample = store.getSample(id); !sample) return sample.error();
  }
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  store::SqliteStatement insert(
      db, "INSERT OR IGNORE INTO not_duplicate_pairs(sample_a, sample_b, actor, created_at) VALUES(?,?,?,?)");
  if (!insert.ok()) return insert.error("mark not duplicate");
  insert.bind(1, sampleA);
  insert.bind(2, sampleB);
  insert.bind(3, actor);
  insert.bind(4, store::nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("mark not duplicate");

  // A stored cluster holding both: take the non-keeper of the two out of it and restore it.
  store::SqliteStatement shared(
      db, "SELECT c.id, c.keeper_sample_id, a.kept, b.kept FROM duplicate_clusters c "
          "JOIN duplicate_cluster_members a ON a.cluster_id=c.id AND a.sample_id=? "
          "JOIN duplicate_cluster_members b ON b.cluster_id=c.id AND b.sample_id=?");
  if (!shared.ok()) return shared.error("read clusters");
  shared.bind(1, sampleA);
  shared.bind(2, sampleB);
  if (shared.step() == SQLITE_ROW) {
    const std::int64_t clusterId = shared.columnInt64(0);
    const std::int64_t keeper = shared.columnInt64(1);
    const bool keptA = shared.columnInt(2) != 0;
    const bool keptB = shared.columnInt(3) != 0;
    // The one that is not kept leaves; when both are kept (two labels' keepers, two kept frames)
    // the one that is not the cluster's main keeper leaves.
    const std::int64_t leaving = keptA != keptB ? (keptA ? sampleB : sampleA)
                                                : (keeper == sampleA ? sampleB : sampleA);
    store::SqliteStatement repoint(db, "UPDATE duplicate_cluster_members SET duplicate_of=?1 "
                                       "WHERE cluster_id=?2 AND duplicate_of=?3");
    repoint.bind(1, leaving == keeper ? (leaving == sampleA ? sampleB : sampleA) : keeper);
    repoint.bind(2, clusterId);
    repoint.bind(3, leaving);
    if (repoint.step() != SQLITE_DONE) return repoint.error("update cluster");
    store::SqliteStatement remove(db, "DELETE FROM duplicate_cluster_members WHERE cluster_id=? AND sample_id=?");
    remove.bind(1, clusterId);
    remove.bind(2, leaving);
    if (remove.step() != SQLITE_DONE) return remove.error("update cluster");
    auto actorOfStatus = detail::latestStatusActor(db, leaving);
    if (!actorOfStatus) return actorOfStatus.error();
    if (*actorOfStatus && **actorOfStatus == kDupesActor) {
      if (Status s = store.applyDecision(leaving, "status", std::string(store::kStatusActive), actor,
                                         "not a duplicate of sample " +
                                             std::to_string(leaving == sampleA ? sampleB : sampleA));
          !s) {
        return s;
      }
    }
    auto left = clusterMembers(db, clusterId);
    if (!left) return left.error();
    if (left->size() < 2) {
      store::SqliteStatement drop(db, "DELETE FROM duplicate_cluster_members WHERE cluster_id=?");
      drop.bind(1, clusterId);
      if (drop.step() != SQLITE_DONE) return drop.error("drop cluster");
      store::SqliteStatement dropCluster(db, "DELETE FROM duplicate_clusters WHERE id=?");
      dropCluster.bind(1, clusterId);
      if (dropCluster.step() != SQLITE_DONE) return dropCluster.error("drop cluster");
    }
  }
  return transaction.commit();
}

}  // namespace winnow::dedupe
