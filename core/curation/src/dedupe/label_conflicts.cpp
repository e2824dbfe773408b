#include "winnow/dedupe/label_conflicts.hpp"

#include <set>

#include "winnow/store/dedupe_queries.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

Result<std::vector<LabelConflict>> listLabelConflicts(store::ProjectStore& store, bool includeResolved) {
  auto clusters = store::labelConflictClusters(store);
  if (!clusters) return clusters.error();
  std::vector<LabelConflict> conflicts;
  std::vector<std::int64_t> clusterIds;
  for (const store::LabelConflictCluster& cluster : *clusters) {
    LabelConflict conflict;
    conflict.clusterId = cluster.clusterId;
    conflict.open = cluster.unreviewed > 0;
    if (conflict.open || includeResolved) {
      clusterIds.push_back(conflict.clusterId);
      conflicts.push_back(std::move(conflict));
    }
  }
  auto members = store::labelConflictMembers(store, clusterIds);
  if (!members) return members.error();
  for (std::size_t c = 0; c < conflicts.size(); ++c) {
    LabelConflict& conflict = conflicts[c];
    for (store::LabelConflictMemberRow& row : (*members)[c]) {
      conflict.method = row.method;
      conflict.keeperSampleId = row.keeperSampleId;
      LabelConflictMember m;
      m.sampleId = row.sampleId;
      m.label = std::move(row.label);
      m.status = std::move(row.status);
      m.source = std::move(row.source);
      m.path = std::move(row.originalPath);
      m.kept = row.kept;
      m.reviewedBy = std::move(row.reviewedBy);
      if (m.label && m.status != store::kStatusRejected) ++conflict.labelCounts[*m.label];
      conflict.members.push_back(std::move(m));
    }
  }
  return conflicts;
}

Status keepAllLabelConflict(store::ProjectStore& store, std::int64_t clusterId, const std::string& actor,
                            const std::string& reason) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status exists = store::requireDuplicateCluster(store, clusterId); !exists) return exists;
  auto labels = store::distinctLabelsInCluster(store, clusterId);
  if (!labels) return labels.error();
  if (*labels < 2) {
    return makeError(ErrorCode::InvalidArgument,
                     "duplicate cluster " + std::to_string(clusterId) +
                         " is not a label conflict (its members carry fewer than two labels)");
  }
  if (Status s = store::recordLabelConflictReview(store, clusterId, actor, reason, store::nowUtcIso8601()); !s) {
    return s;
  }
  return transaction.commit();
}

Status reopenLabelConflict(store::ProjectStore& store, std::int64_t clusterId) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  if (Status exists = store::requireDuplicateCluster(store, clusterId); !exists) return exists;
  if (Status s = store::clearLabelConflictReviews(store, clusterId); !s) return s;
  return transaction.commit();
}

nlohmann::json toJson(const LabelConflict& conflict) {
  nlohmann::json members = nlohmann::json::array();
  for (const LabelConflictMember& m : conflict.members) {
    members.push_back({{"sample_id", m.sampleId},
                       {"label", m.label ? nlohmann::json(*m.label) : nlohmann::json()},
                       {"status", m.status},
                       {"source", m.source},
                       {"path", m.path},
                       {"kept", m.kept},
                       {"reviewed_by", m.reviewedBy ? nlohmann::json(*m.reviewedBy) : nlohmann::json()}});
  }
  return {{"cluster", conflict.clusterId},
          {"method", conflict.method},
          {"keeper", conflict.keeperSampleId},
          {"labels", conflict.labelCounts},
          {"open", conflict.open},
          {"members", std::move(members)}};
}

}  // namespace winnow::dedupe
