// Reading stored clusters and the user's edits to them (keeper choice, not-duplicate marks).
#include <algorithm>
#include <cstdio>

#include "dupes_internal.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/store/dedupe_queries.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

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
  auto stored = store::listDuplicateClusters(store, kSharpnessMeasure, kBrightnessMeasure);
  if (!stored) return stored.error();
  std::vector<DuplicateCluster> clusters;
  clusters.reserve(stored->size());
  for (store::StoredDuplicateCluster& row : *stored) {
    DuplicateCluster cluster;
    cluster.id = row.id;
    cluster.method = std::move(row.method);
    cluster.keeperSampleId = row.keeperSampleId;
    cluster.keeperReason = std::move(row.keeperReason);
    cluster.labelConflict = row.labelConflict;
    cluster.members.reserve(row.members.size());
    for (store::StoredClusterMember& member : row.members) {
      ClusterMember m;
      m.sampleId = member.sampleId;
      m.distance = member.distance;
      m.status = std::move(member.status);
      m.path = std::move(member.originalPath);
      m.width = member.width;
      m.height = member.height;
      m.byteSize = member.byteSize;
      m.format = std::move(member.format);
      m.sharpness = member.sharpness;
      m.brightness = member.brightness;
      if (member.dhash && member.referenceDhash) {
        m.dhashDistance = __builtin_popcountll(*member.dhash ^ *member.referenceDhash);
      }
      m.kept = member.kept;
      m.duplicateOf = member.duplicateOf;
      m.label = std::move(member.label);
      m.videoFrameIndex = member.videoFrameIndex;
      cluster.members.push_back(std::move(m));
    }
    clusters.push_back(std::move(cluster));
  }
  return clusters;
}

Status setKeeper(store::ProjectStore& store, std::int64_t clusterId, std::int64_t sampleId,
                 const std::string& actor) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (auto exists = store::duplicateClusterKeeper(store, clusterId); !exists) return exists.error();
  auto members = store::duplicateClusterMemberIds(store, clusterId);
  if (!members) return members.error();
  if (std::find(members->begin(), members->end(), sampleId) == members->end()) {
    return makeError(ErrorCode::InvalidArgument, "sample " + std::to_string(sampleId) +
                                                     " is not a member of duplicate cluster " +
                                                     std::to_string(clusterId));
  }
  if (Status s = store::setDuplicateClusterKeeper(store, clusterId, sampleId,
                                                  std::string(detail::kChosenByPrefix) + actor);
      !s) {
    return s;
  }
  // Member distances stay relative to the keeper the rule chose; the user's choice is the reason.
  if (Status s = store.applyDecision(sampleId, "status", std::string(store::kStatusActive), actor,
                                     "chosen as keeper of duplicate cluster " + std::to_string(clusterId));
      !s) {
    return s;
  }
  // Only kept members of the new keeper's own label give way (never one of another label); in a
  // group of video frames the other kept frames stay (the user adds a frame, not swaps one).
  auto rivals = store::keptMembersOfSameLabel(store, clusterId, sampleId);
  if (!rivals) return rivals.error();
  std::string newKeeperFormat;
  if (auto sample = store.getSample(sampleId); sample) newKeeperFormat = sample->format;
  std::vector<std::int64_t> demoted;
  for (const store::ClusterMemberFormat& rival : *rivals) {
    if (newKeeperFormat == "video-frame" && rival.format == "video-frame") continue;
    demoted.push_back(rival.sampleId);
  }
  if (Status s = store::markClusterMemberKept(store, clusterId, sampleId); !s) return s;
  for (std::int64_t old : demoted) {
    if (Status s = store::demoteClusterMember(store, clusterId, sampleId, old); !s) return s;
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
  for (std::int64_t id : {sampleA, sampleB}) {
    if (auto sample = store.getSample(id); !sample) return sample.error();
  }
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status s = store::recordNotDuplicatePair(store, sampleA, sampleB, actor, store::nowUtcIso8601()); !s) {
    return s;
  }

  // A stored cluster holding both: take the non-keeper of the two out of it and restore it.
  auto shared = store::clusterHoldingBoth(store, sampleA, sampleB);
  if (!shared) return shared.error();
  if (*shared) {
    const std::int64_t clusterId = (*shared)->clusterId;
    const std::int64_t keeper = (*shared)->keeperSampleId;
    const bool keptA = (*shared)->keptA;
    const bool keptB = (*shared)->keptB;
    // The one that is not kept leaves; when both are kept (two labels' keepers, two kept frames)
    // the one that is not the cluster's main keeper leaves.
    const std::int64_t leaving = keptA != keptB ? (keptA ? sampleB : sampleA)
                                                : (keeper == sampleA ? sampleB : sampleA);
    const std::int64_t replacement = leaving == keeper ? (leaving == sampleA ? sampleB : sampleA) : keeper;
    if (Status s = store::removeClusterMember(store, clusterId, leaving, replacement); !s) return s;
    auto actorOfStatus = store::latestStatusActor(store, leaving);
    if (!actorOfStatus) return actorOfStatus.error();
    if (*actorOfStatus && **actorOfStatus == kDupesActor) {
      if (Status s = store.applyDecision(leaving, "status", std::string(store::kStatusActive), actor,
                                         "not a duplicate of sample " +
                                             std::to_string(leaving == sampleA ? sampleB : sampleA));
          !s) {
        return s;
      }
    }
    auto left = store::duplicateClusterMemberIds(store, clusterId);
    if (!left) return left.error();
    if (left->size() < 2) {
      if (Status s = store::dropDuplicateCluster(store, clusterId); !s) return s;
    }
  }
  return transaction.commit();
}

}  // namespace winnow::dedupe
