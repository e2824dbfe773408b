// The near-duplicate tables (duplicate_clusters, duplicate_cluster_members, not_duplicate_pairs,
// label_conflict_reviews, sample_hashes) and the reads dedupe makes of samples, decisions and
// embeddings. The store owns this SQL; winnow/dedupe/ clusters, chooses keepers and decides.
//
// Functions that write run inside the caller's transaction (they open none); the caller opens one
// with ProjectStore::beginTransaction() where several must succeed or fail together.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// ---- hashing ----

// A sample's id and the file holding its pixels (ProjectStore::pixelPath).
struct SamplePixelFile {
  std::int64_t sampleId = 0;
  std::filesystem::path path;
};

// Rows of sample_hashes.
Result<std::int64_t> countSampleHashes(ProjectStore& store);
// Samples without a sample_hashes row, by id.
Result<std::vector<SamplePixelFile>> samplesWithoutHashes(ProjectStore& store);

// ---- clustering ----

// A non-rejected sample with perceptual hashes: what dedupe clusters.
struct HashedSampleRow {
  std::int64_t id = 0;
  int width = 0;
  int height = 0;
  std::int64_t byteSize = 0;
  std::string format;
  std::string status;
  std::string originalPath;
  std::optional<std::int64_t> videoFrameIndex;
  std::uint64_t phash = 0;
  std::uint64_t dhash = 0;
  std::optional<double> sharpness;   // the sample's measure named sharpnessMeasure
  std::optional<double> brightness;  // the sample's measure named brightnessMeasure
  std::optional<std::string> label;  // nullopt when unlabelled (NULL or '')
};

// Every non-rejected sample that has perceptual hashes, by id, with two of its measures.
Result<std::vector<HashedSampleRow>> listHashedSamples(ProjectStore& store, const std::string& sharpnessMeasure,
                                                       const std::string& brightnessMeasure);

// Pairs the user marked "not duplicates", (smaller id, larger id).
Result<std::set<std::pair<std::int64_t, std::int64_t>>> notDuplicatePairs(ProjectStore& store);

// Keeper sample id -> keeper reason, for the stored clusters whose keeper a user chose (reason
// "chosen by <actor>").
Result<std::map<std::int64_t, std::string>> userChosenKeepers(ProjectStore& store);

// Actor of the sample's latest status decision that is still in effect (not undone), if any.
Result<std::optional<std::string>> latestStatusActor(ProjectStore& store, std::int64_t sampleId);

// Active samples per label ("(unlabelled)" for none).
Result<std::map<std::string, std::int64_t>> activeSamplesPerLabel(ProjectStore& store);

// Ids of the samples whose status is "duplicate".
Result<std::vector<std::int64_t>> duplicateStatusSampleIds(ProjectStore& store);

// ---- stored clusters ----

struct NewClusterMember {
  std::int64_t sampleId = 0;
  double distance = 0.0;  // phash Hamming distance to the member it is compared with
  bool kept = false;
  std::optional<std::int64_t> duplicateOf;  // the kept member it duplicates (non-kept only)
};

struct NewDuplicateCluster {
  std::string method;
  std::int64_t keeperSampleId = 0;
  std::string keeperReason;
  bool labelConflict = false;
  std::vector<NewClusterMember> members;
};

// Deletes every stored cluster and inserts `clusters` (one prepared statement per table, reused);
// returns the new cluster ids, parallel to `clusters`. In the caller's transaction.
Result<std::vector<std::int64_t>> replaceDuplicateClusters(ProjectStore& store,
                                                           const std::vector<NewDuplicateCluster>& clusters,
                                                           std::optional<std::int64_t> runId,
                                                           const std::string& createdAt);

// One member of a stored cluster with the sample facts a listing shows.
struct StoredClusterMember {
  std::int64_t sampleId = 0;
  double distance = 0.0;
  bool kept = false;
  std::optional<std::int64_t> duplicateOf;
  std::string status;
  std::string originalPath;
  int width = 0;
  int height = 0;
  std::int64_t byteSize = 0;
  std::string format;
  std::optional<double> sharpness;
  std::optional<double> brightness;
  std::optional<std::uint64_t> dhash;           // the member's
  std::optional<std::uint64_t> referenceDhash;  // of duplicateOf, else of the cluster keeper
  std::optional<std::string> label;             // nullopt when unlabelled
  std::optional<std::int64_t> videoFrameIndex;
};

struct StoredDuplicateCluster {
  std::int64_t id = 0;
  std::string method;
  std::int64_t keeperSampleId = 0;
  std::string keeperReason;
  bool labelConflict = false;
  // The keeper first, then kept members, then by distance and sample id.
  std::vector<StoredClusterMember> members;
};

// Every stored cluster by id, with the measures named sharpnessMeasure and brightnessMeasure.
Result<std::vector<StoredDuplicateCluster>> listDuplicateClusters(ProjectStore& store,
                                                                  const std::string& sharpnessMeasure,
                                                                  const std::string& brightnessMeasure);

// The cluster's keeper; NotFound "duplicate cluster <id> not found" when there is no such cluster.
Result<std::int64_t> duplicateClusterKeeper(ProjectStore& store, std::int64_t clusterId);
// Sample ids of the cluster's members.
Result<std::vector<std::int64_t>> duplicateClusterMemberIds(ProjectStore& store, std::int64_t clusterId);
// NotFound "duplicate cluster <id> not found" when the cluster has no members.
Status requireDuplicateCluster(ProjectStore& store, std::int64_t clusterId);

Status setDuplicateClusterKeeper(ProjectStore& store, std::int64_t clusterId, std::int64_t keeperSampleId,
                                 const std::string& keeperReason);

struct ClusterMemberFormat {
  std::int64_t sampleId = 0;
  std::string format;
};
// Kept members of the cluster other than sampleId whose label (NULL and '' alike) is sampleId's.
Result<std::vector<ClusterMemberFormat>> keptMembersOfSameLabel(ProjectStore& store, std::int64_t clusterId,
                                                                std::int64_t sampleId);

// Makes sampleId a kept member that duplicates none.
Status markClusterMemberKept(ProjectStore& store, std::int64_t clusterId, std::int64_t sampleId);
// Makes `demoted` a non-kept duplicate of keeperSampleId, and points the members that
// duplicated `demoted` at keeperSampleId.
Status demoteClusterMember(ProjectStore& store, std::int64_t clusterId, std::int64_t keeperSampleId,
                           std::int64_t demoted);

// Records (sampleA, sampleB) as not duplicates, sampleA < sampleB; no-op when recorded already.
Status recordNotDuplicatePair(ProjectStore& store, std::int64_t sampleA, std::int64_t sampleB,
                              const std::string& actor, const std::string& createdAt);

// A stored cluster holding both samples, and whether each is kept.
struct ClusterOfPair {
  std::int64_t clusterId = 0;
  std::int64_t keeperSampleId = 0;
  bool keptA = false;
  bool keptB = false;
};
Result<std::optional<ClusterOfPair>> clusterHoldingBoth(ProjectStore& store, std::int64_t sampleA,
                                                        std::int64_t sampleB);

// Takes `leaving` out of the cluster; the members that duplicated it now duplicate `replacement`.
Status removeClusterMember(ProjectStore& store, std::int64_t clusterId, std::int64_t leaving,
                           std::int64_t replacement);
// Deletes the cluster and its members.
Status dropDuplicateCluster(ProjectStore& store, std::int64_t clusterId);

// ---- label conflicts ----

// A cluster that is a label conflict now (kLabelConflictClustersSql), by cluster id.
struct LabelConflictCluster {
  std::int64_t clusterId = 0;
  std::int64_t labels = 0;      // distinct labels of non-rejected members
  std::int64_t unreviewed = 0;  // labelled non-rejected members without a review
  std::int64_t members = 0;     // non-rejected members
};
Result<std::vector<LabelConflictCluster>> labelConflictClusters(ProjectStore& store);

struct LabelConflictMemberRow {
  std::string method;  // the cluster's
  std::int64_t keeperSampleId = 0;  // the cluster's
  std::int64_t sampleId = 0;
  std::optional<std::string> label;  // nullopt when unlabelled
  std::string status;
  std::string source;
  std::string originalPath;
  bool kept = false;
  std::optional<std::string> reviewedBy;
};
// Members of each cluster (kept first, then by label, unlabelled last, then id), parallel to
// clusterIds; one prepared statement for all.
Result<std::vector<std::vector<LabelConflictMemberRow>>> labelConflictMembers(
    ProjectStore& store, const std::vector<std::int64_t>& clusterIds);

// Distinct labels among the cluster's non-rejected members.
Result<std::int64_t> distinctLabelsInCluster(ProjectStore& store, std::int64_t clusterId);
// Records every member of the cluster as reviewed (replacing earlier reviews).
Status recordLabelConflictReview(ProjectStore& store, std::int64_t clusterId, const std::string& actor,
                                 const std::string& reason, const std::string& createdAt);
// Deletes the reviews of the cluster's members.
Status clearLabelConflictReviews(ProjectStore& store, std::int64_t clusterId);

}  // namespace winnow::store
