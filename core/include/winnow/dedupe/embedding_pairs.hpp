// Pairs of embedding vectors with cosine similarity at or above a threshold.
//
// Up to kExactEmbeddingLimit vectors the search is exact (normalised vectors, blocked matrix
// products, O(n^2 d) but with cache-friendly gemm). Above it, random-hyperplane signatures
// (64 bits, fixed seed) go through HammingIndex with the radius that keeps a pair at the
// threshold angle with probability about 99.9%, and candidates are verified with the exact
// cosine: approximate (recall slightly below 100% near the threshold), not quadratic.
#pragma once

#include <cstdint>
#include <vector>

namespace winnow::dedupe {

inline constexpr std::size_t kExactEmbeddingLimit = 20'000;

struct EmbeddingPair {
  std::uint32_t a = 0;  // index into the vectors, a < b
  std::uint32_t b = 0;
  double cosine = 0.0;
};

// All vectors must have the same dimension; zero vectors never pair. Sorted by (a, b).
// forceApproximate uses the signature path at any size (for tests).
std::vector<EmbeddingPair> cosinePairs(const std::vector<std::vector<float>>& vectors,
                                       double minCosine, bool forceApproximate = false);

}  // namespace winnow::dedupe
