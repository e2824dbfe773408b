#include "winnow/review/identity_clusters.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "store/sqlite_statement.hpp"

namespace winnow::review {

namespace {

double squaredDistance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return sum;
}

std::vector<std::vector<float>> centroidsOf(const std::vector<std::vector<float>>& vectors,
                                            const std::vector<int>& assignment, int clusters) {
  const std::size_t dimension = vectors.front().size();
  std::vector<std::vector<double>> sums(static_cast<std::size_t>(clusters), std::vector<double>(dimension, 0.0));
  std::vector<int> counts(static_cast<std::size_t>(clusters), 0);
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    auto& sum = sums[static_cast<std::size_t>(assignment[i])];
    for (std::size_t d = 0; d < dimension; ++d) sum[d] += vectors[i][d];
    ++counts[static_cast<std::size_t>(assignment[i])];
  }
  std::vector<std::vector<float>> centroids(static_cast<std::size_t>(clusters), std::vector<float>(dimension, 0.0F));
  for (std::size_t c = 0; c < centroids.size(); ++c) {
    if (counts[c] == 0) continue;
    for (std::size_t d = 0; d < dimension; ++d) centroids[c][d] = static_cast<float>(sums[c][d] / counts[c]);
  }
  return centroids;
}

// Renumbers clusters by first appearance and drops empty ones.
int renumber(std::vector<int>& assignment) {
  std::vector<int> newIndex;
  int next = 0;
  for (int& cluster : assignment) {
    if (static_cast<std::size_t>(cluster) >= newIndex.size()) newIndex.resize(static_cast<std::size_t>(cluster) + 1, -1);
    int& mapped = newIndex[static_cast<std::size_t>(cluster)];
    if (mapped < 0) mapped = next++;
    cluster = mapped;
  }
  return next;
}

}  // namespace

Result<std::vector<std::string>> listEmbeddingExtractors(store::ProjectStore& store) {
  store::SqliteStatement select(store.handle(),
                                "SELECT extractor FROM embeddings GROUP BY extractor ORDER BY COUNT(*) DESC, extractor");
  if (!select.ok()) return select.error("read embeddings");
  std::vector<std::string> extractors;
  while (select.step() == SQLITE_ROW) extractors.push_back(select.columnText(0));
  return extractors;
}

Result<StoredEmbeddings> loadEmbeddings(store::ProjectStore& store, const std::string& extractor,
                                        bool unlabelledOnly) {
  const std::string sql = std::string("SELECT e.sample_id, e.dimension, e.vector FROM embeddings e JOIN samples s "
                                            "ON s.id = e.sample_id WHERE e.extractor = ? AND s.status != 'rejected' ") +
                                    (unlabelledOnly ? "AND (s.label IS NULL OR s.label = '') " : "") +
                          "ORDER BY e.sample_id";
  store::SqliteStatement select(store.handle(), sql.c_str());
  if (!select.ok()) return select.error("read embeddings");
  select.bind(1, extractor);
  StoredEmbeddings stored;
  stored.extractor = extractor;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    const auto dimension = static_cast<std::size_t>(select.columnInt64(1));
    const std::string blob = select.columnBlob(2);
    if (dimension == 0 || blob.size() != dimension * sizeof(float)) continue;
    if (!stored.vectors.empty() && stored.vectors.front().size() != dimension) continue;
    std::vector<float> vector(dimension);
    std::memcpy(vector.data(), blob.data(), blob.size());
    stored.sampleIds.push_back(select.columnInt64(0));
    stored.vectors.push_back(std::move(vector));
  }
  if (rc != SQLITE_DONE) return select.error("read embeddings");
  return stored;
}

std::vector<int> clusterByDistance(const std::vector<std::vector<float>>& vectors, double maxDistance,
                                   int refinementPasses) {
  std::vector<int> assignment(vectors.size(), -1);
  if (vectors.empty()) return assignment;
  const double limit = maxDistance * maxDistance;
  std::vector<std::vector<double>> sums;
  std::vector<int> counts;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    int best = -1;
    double bestDistance = limit;
    for (std::size_t c = 0; c < sums.size(); ++c) {
      double sum = 0.0;
      for (std::size_t d = 0; d < vectors[i].size(); ++d) {
        const double diff = vectors[i][d] - sums[c][d] / counts[c];
        sum += diff * diff;
      }
      if (sum <= bestDistance) {
        bestDistance = sum;
        best = static_cast<int>(c);
      }
    }
    if (best < 0) {
      best = static_cast<int>(sums.size());
      sums.emplace_back(vectors[i].size(), 0.0);
      counts.push_back(0);
    }
    for (std::size_t d = 0; d < vectors[i].size(); ++d) sums[static_cast<std::size_t>(best)][d] += vectors[i][d];
    ++counts[static_cast<std::size_t>(best)];
    assignment[i] = best;
  }
  int clusters = static_cast<int>(sums.size());
  for (int pass = 0; pass < refinementPasses; ++pass) {
    const auto centroids = centroidsOf(vectors, assignment, clusters);
    bool changed = false;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      int best = assignment[i];
      double bestDistance = squaredDistance(vectors[i], centroids[static_cast<std::size_t>(best)]);
      for (std::size_t c = 0; c < centroids.size(); ++c) {
        const double distance = squaredDistance(vectors[i], centroids[c]);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = static_cast<int>(c);
        }
      }
      changed = changed || best != assignment[i];
      assignment[i] = best;
    }
    clusters = renumber(assignment);
    if (!changed) break;
  }
  renumber(assignment);
  return assignment;
}

std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings, double maxDistance) {
  const std::vector<int> assignment = clusterByDistance(embeddings.vectors, maxDistance);
  std::vector<std::vector<std::int64_t>> groups;
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    const auto cluster = static_cast<std::size_t>(assignment[i]);
    if (cluster >= groups.size()) groups.resize(cluster + 1);
    groups[cluster].push_back(embeddings.sampleIds[i]);
  }
  for (auto& group : groups) std::sort(group.begin(), group.end());
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return a.size() > b.size();
    return a.front() < b.front();
  });
  return groups;
}

}  // namespace winnow::review
