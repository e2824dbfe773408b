// Pairs of embedding vectors with cosine similarity at or above a threshold, through FAISS
// (Debian's libfaiss-dev 1.7.3) on unit vectors with inner-product range search.
//
// Up to kExactEmbeddingLimit vectors the search is exact (IndexFlatIP: BLAS blocks, O(n^2 d)).
// Above it, an inverted-file index (IndexIVFFlat: ivfSettingsFor's lists, k-means trained on the
// vectors with a fixed seed) searches only the nearest lists of each vector: approximate (a pair
// whose vectors fall in lists too far apart is missed; recall against exact search is measured
// in docs/benchmarks.md), not quadratic. Every pair found is checked with the exact cosine.
// FAISS lives in libwinnow_faiss_search, opened on the first call (core/faiss_search); a missing
// library throws std::runtime_error naming it.
#pragma once

#include <cstdint>
#include <vector>

namespace winnow::dedupe {

// Measured (bench/embedding_scale, 2 cores, docs/benchmarks.md): on 100,000 128-d vectors exact
// BLAS range search took 29.2 s and the inverted file 30.9 s, so exact search is kept up to there.
inline constexpr std::size_t kExactEmbeddingLimit = 100'000;

struct EmbeddingPair {
  std::uint32_t a = 0;  // index into the vectors, a < b
  std::uint32_t b = 0;
  double cosine = 0.0;
};

struct IvfSettings {
  std::size_t lists = 1;   // inverted lists (k-means cells)
  std::size_t probes = 1;  // lists searched per query
};
// About 4 sqrt(n) lists (at least 39 training vectors each), 32 probed.
IvfSettings ivfSettingsFor(std::size_t count);

// All vectors must have the same dimension; zero vectors never pair. Sorted by (a, b).
// forceApproximate uses the inverted-file path at any size (for tests and benchmarks).
std::vector<EmbeddingPair> cosinePairs(const std::vector<std::vector<float>>& vectors,
                                       double minCosine, bool forceApproximate = false);

}  // namespace winnow::dedupe
