// What winnow/review/ reads of a project (the review catalogue, a sample's faces, descriptors for
// identity groups and suggestions) and the decision id it needs back when accepting a suggestion.
// The catalogue's reads are one query each over the whole project, in a few tens of milliseconds
// at tens of thousands of samples; the review module assembles them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "winnow/store/faces_queries.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The columns of a sample the catalogue shows.
struct CatalogSampleRow {
  std::int64_t sampleId = 0;
  std::string contentHash;
  std::string sourceName;
  std::string originalPath;  // absolute
  std::string derivedPath;   // project-relative, "" when none
  int width = 0;             // oriented
  int height = 0;
  std::optional<std::string> label;  // nullopt = unlabelled
  std::string split;
  std::string status;
};

// A sample's crop file (face_index 0) of one crop run.
struct SampleCropRow {
  std::int64_t sampleId = 0;
  std::string path;  // project-relative
};

struct SampleFlagNameRow {
  std::int64_t sampleId = 0;
  std::string flag;
};

struct SampleMeasureRow {
  std::int64_t sampleId = 0;
  std::string name;
  double value = 0.0;
};

// A sample's near-duplicate cluster and the cluster's member count.
struct ClusterMembershipRow {
  std::int64_t sampleId = 0;
  std::int64_t clusterId = 0;
  int clusterSize = 0;
};

// The highest score of a sample's stored faces (all detectors).
struct BestFaceScoreRow {
  std::int64_t sampleId = 0;
  double score = 0.0;
};

// A stored face of one sample.
struct SampleFaceRow {
  std::int64_t faceId = 0;
  std::string detector;
  FaceBoxRow box;
};

// ---- the review catalogue ----

// Every sample with its source's name, by sample id.
Result<std::vector<CatalogSampleRow>> readCatalogSamples(const ProjectStore& store);

// Every face_index 0 crop of every detector, oldest first (so a later row is a more recent run).
Result<std::vector<SampleCropRow>> readFirstFaceCrops(const ProjectStore& store);

// Every sample flag, by flag name then sample id.
Result<std::vector<SampleFlagNameRow>> readSampleFlags(const ProjectStore& store);

// Every stored measure of every sample, in the table's order.
Result<std::vector<SampleMeasureRow>> readSampleMeasures(const ProjectStore& store);

// Every near-duplicate cluster member with its cluster's size.
Result<std::vector<ClusterMembershipRow>> readClusterMemberships(const ProjectStore& store);

// The best face score of every sample with a stored face.
Result<std::vector<BestFaceScoreRow>> readBestFaceScores(const ProjectStore& store);

// ---- faces and descriptors ----

// Every stored face of the sample (all detectors), largest box first (ties: by face id).
Result<std::vector<SampleFaceRow>> readSampleFaces(const ProjectStore& store, std::int64_t sampleId);

// ---- decisions ----

// ProjectStore::applyDecision, returning the id of the decision it wrote; nullopt when the field
// already held newValue (no decision is written then). Inside or outside the caller's transaction,
// as applyDecision.
Result<std::optional<std::int64_t>> applyDecisionReturningId(ProjectStore& store, std::int64_t sampleId,
                                                             const std::string& field,
                                                             const std::optional<std::string>& newValue,
                                                             const std::string& actor, const std::string& reason,
                                                             std::optional<std::int64_t> runId = {});

}  // namespace winnow::store
