// Grouping faces by identity from stored embeddings (face descriptors), so that a reviewer can
// name a whole group once. The clustering is deliberately simple and deterministic: leader
// clustering in sample-id order (a vector joins the nearest existing centroid closer than
// maxDistance, else starts a new cluster), followed by a few reassignment passes to the nearest
// centroid (k-means steps with the clusters fixed), which undo most order effects. Euclidean
// distance; face-api's descriptors separate people at about 0.6.
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

// Cluster index (0..k-1, numbered by first appearance) for each vector. Empty input -> empty.
std::vector<int> clusterByDistance(const std::vector<std::vector<float>>& vectors, double maxDistance,
                                   int refinementPasses = 3);

// Identity groups of clusterByDistance(embeddings.vectors, maxDistance) as sample ids: ids ascending
// within a group, the largest group first (ties: smallest first id). The workbench's Identities
// panel and `winnow identities` both group this way, so their group numbers agree.
std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings, double maxDistance);

}  // namespace winnow::review
