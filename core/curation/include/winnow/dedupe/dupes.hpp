// Near-duplicate clusters of a project: perceptual hashes (cached in sample_hashes), Hamming
// neighbours through HammingIndex, embedding neighbours (embeddings table), near-identical
// consecutive video frames, then constrained union-find into clusters with one keeper each.
//
// Pair rule (high precision; exact copies were already removed at ingest):
//   "hash"  : phash distance <= phash_distance AND dhash distance <= dhash_distance — two
//             independent 64-bit hashes must agree, which keeps unrelated look-alikes out;
//   "video" : consecutive sampled frames of one video with phash AND dhash distance
//             <= video_distance;
//   "embedding:<extractor>": cosine similarity >= min_cosine (every extractor in the table).
// A pair marked not-duplicate is never an edge, and two clusters are never merged when a
// not-duplicate pair would end up inside one cluster (edges are taken most-similar first).
// Samples with status "rejected" take no part.
//
// Keepers (one rule, applied per cluster):
//  - Labels first: members are grouped by label (samples.label). A keeper is chosen only among
//    members of one label, so nothing is ever demoted against a sample of another label. A
//    cluster whose members carry two or more labels is a *label conflict*: every label keeps its
//    own keeper, the whole cluster stays one split group (so the near-twins cannot straddle train
//    and test), and the user resolves it (relabel, reject, or keep all; see label_conflicts.hpp).
//    Unlabelled members follow the normal rule: they are duplicates of the cluster's keeper
//    (chosen among the labelled members when there are any).
//  - Video frames: when a label group consists of video frames only, frames are taken in video
//    order and a frame is kept unless it is near-identical (phash AND dhash within
//    frame_keep_distance) to a frame already kept; a dropped frame is a duplicate of the nearest kept
//    frame. A static shot keeps one frame, a slow zoom or pan keeps one every few steps.
//  - Otherwise one keeper per group by chooseKeeper (keeper_rule.hpp), or the user's choice.
//
// Persistence (apply): all clusters of earlier runs are replaced (the clustering is recomputed
// from every enabled method, so each sample is in at most one cluster); a keeper the user chose
// (setKeeper) stays the keeper of the cluster that contains it. Non-keepers get status "duplicate"
// through applyDecision (actor "dupes"), so `winnow undo` restores them. dupes only changes a
// sample's status when the sample has no status decision yet or its latest one was made by
// "dupes": a user's own decision (restore, undo, reject) is never overridden. Nothing is deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/dedupe/perceptual_hash.hpp"
#include "winnow/job/job_context.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {
class ProjectStore;
}
namespace winnow::plugin {
class PluginHost;
}

namespace winnow::dedupe {

inline constexpr const char* kDupesActor = "dupes";
// Names of the measures the keeper rule reads from sample_measures (computed from the decode
// that made the hashes: ingest's, or the hashing pass for samples ingested without them).
inline constexpr const char* kSharpnessMeasure = "dedupe.sharpness_laplacian_var";
inline constexpr const char* kBrightnessMeasure = "dedupe.brightness_mean";

// The keeper measures in the form ProjectStore::putMeasures takes.
std::vector<std::pair<std::string, double>> keeperMeasureList(const ImageMeasures& measures);

struct HashingSummary {
  std::int64_t computed = 0;  // samples hashed in this call
  std::int64_t cached = 0;    // samples that already had hashes
  std::int64_t failed = 0;    // could not be read/decoded (warned, retried next time)
  bool cancelled = false;
};

// Hashes every sample that has no sample_hashes row yet; threads = 0 means one per core.
// Reads and decodes in worker threads, commits in batches (one transaction per batch).
Result<HashingSummary> computeMissingHashes(store::ProjectStore& store, unsigned threads,
                                            job::JobContext& job);

struct ClusterMember {
  std::int64_t sampleId = 0;
  double distance = 0.0;  // phash Hamming distance to the keeper
  int dhashDistance = 0;  // dhash Hamming distance to the keeper
  std::string status;
  std::string path;
  int width = 0;
  int height = 0;
  std::optional<double> sharpness;
  std::optional<double> brightness;
  std::int64_t byteSize = 0;
  std::string format;
  std::optional<std::string> label;             // samples.label; nullopt = unlabelled
  std::optional<std::int64_t> videoFrameIndex;  // frames only
  bool kept = false;                            // a keeper of its label / a kept frame
  std::optional<std::int64_t> duplicateOf;      // the kept member it duplicates (non-kept only)
};

struct DuplicateCluster {
  std::int64_t id = 0;  // 0 in a dry run
  std::string method;   // "hash", "video", "embedding:<x>" or several joined with '+'
  std::int64_t keeperSampleId = 0;  // the cluster's main keeper (others may be kept too)
  std::string keeperReason;
  bool labelConflict = false;          // members carry two or more labels
  std::vector<ClusterMember> members;  // keeper first
};

// The stored clusters with their members and measures, ordered by id.
Result<std::vector<DuplicateCluster>> listClusters(store::ProjectStore& store);

// Makes sampleId the keeper of clusterId (it must be a member): records keeper_reason
// "chosen by <actor>", restores the new keeper to "active" and demotes the old keeper to
// "duplicate", both as decisions of `actor`. Survives re-runs.
Status setKeeper(store::ProjectStore& store, std::int64_t clusterId, std::int64_t sampleId,
                 const std::string& actor);

// Records that a and b are not duplicates (never clustered together again). When both are in one
// stored cluster, the non-keeper of the two (whose latest status decision is by "dupes") is
// restored to "active" and removed from the cluster; a cluster left with one member is dropped.
Status markNotDuplicate(store::ProjectStore& store, std::int64_t sampleA, std::int64_t sampleB,
                        const std::string& actor);

// The step: params resolved by pipeline::resolveStepParams (schemas/steps/dupes.schema.json).
// Uses no plugin. Returns a JSON summary: counts, thresholds, and "clusters" (each with keeper,
// reason, members).
Result<nlohmann::json> runDupes(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId = {});

nlohmann::json toJson(const DuplicateCluster& cluster);

}  // namespace winnow::dedupe
