// Grouping faces by identity from stored embeddings (face descriptors), so that a reviewer can
// name a whole group once. Three deterministic clusterings, Euclidean distance on the stored
// vectors (face-api's descriptors separate people at about 0.6):
// - average linkage (the default, chosen by measurement on celeb24 and ORL: docs/faces.md,
//   docs/benchmarks.md): agglomerative, merges the two groups with the smallest mean pairwise
//   distance while it is at most maxDistance (nearest-neighbour chain, O(n^2) time and n^2/2
//   floats of memory: 200 MB at 10,000 faces);
// - Chinese whispers (what dlib uses for face clustering): a graph with an edge between faces
//   closer than maxDistance, labels propagated in a seeded random order;
// - leader: a vector joins the nearest centroid closer than maxDistance, else starts a cluster,
//   then a few reassignment passes (the original clustering, kept for comparison).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::review {

struct StoredEmbeddings {
  std::string extractor;
  std::vector<std::int64_t> sampleIds;      // ascending
  std::vector<std::vector<float>> vectors;  // one per sample id, all the same dimension
};

// Extractors with stored vectors, most rows first.
Result<std::vector<std::string>> listEmbeddingExtractors(store::ProjectStore& store);

// Vectors of one extractor for samples that are not rejected (rows with a wrong size skipped);
// with unlabelledOnly, only samples without a class (label NULL or empty), the ones that need naming.
Result<StoredEmbeddings> loadEmbeddings(store::ProjectStore& store, const std::string& extractor,
                                        bool unlabelledOnly = false);

enum class IdentityClustering {
  Invalid = 0,
  AverageLinkage,
  ChineseWhispers,
  Leader,
};

// Measured default (docs/benchmarks.md "Identity groups").
inline constexpr IdentityClustering kDefaultIdentityClustering = IdentityClustering::AverageLinkage;
inline constexpr double kDefaultIdentityDistance = 0.55;

// "average_linkage", "chinese_whispers", "leader"; "invalid" for Invalid.
const char* identityClusteringName(IdentityClustering method);
// The method of that name, or Invalid.
IdentityClustering parseIdentityClustering(const std::string& name);
// Names accepted by parseIdentityClustering, for messages.
std::vector<std::string> identityClusteringNames();

struct IdentityClusterOptions {
  IdentityClustering method = kDefaultIdentityClustering;
  double maxDistance = kDefaultIdentityDistance;  // Euclidean, in descriptor units
  int iterations = 40;       // Chinese whispers: label propagation rounds (stops early when stable)
  std::uint32_t seed = 1;    // Chinese whispers: visiting order
  int refinementPasses = 3;  // leader: reassignment passes
};

// Cluster index (0..k-1, numbered by first appearance) for each vector. Empty input -> empty.
// Deterministic for given options.
std::vector<int> clusterIdentities(const std::vector<std::vector<float>>& vectors, const IdentityClusterOptions& options);

// clusterIdentities with the default method at maxDistance (refinementPasses: leader only).
std::vector<int> clusterByDistance(const std::vector<std::vector<float>>& vectors, double maxDistance,
                                   int refinementPasses = 3);

// Identity groups of clusterIdentities(embeddings.vectors, options) as sample ids: ids ascending
// within a group, the largest group first (ties: smallest first id). The workbench's Identities
// panel and `winnow identities` both group this way, so their group numbers agree.
std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings,
                                                       const IdentityClusterOptions& options);
// groupByIdentity with the default method at maxDistance.
std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings, double maxDistance);

}  // namespace winnow::review
