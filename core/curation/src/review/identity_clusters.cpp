#include "winnow/review/identity_clusters.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "winnow/store/embedding_queries.hpp"
#include "winnow/store/review_queries.hpp"

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
  return store::embeddingExtractors(store, store::ExtractorOrder::MostEmbeddingsFirst);
}

Result<StoredEmbeddings> loadEmbeddings(store::ProjectStore& store, const std::string& extractor,
                                        bool unlabelledOnly) {
  const store::EmbeddingQuery query{
      extractor, unlabelledOnly ? store::EmbeddedSamples::NotRejectedUnlabelled : store::EmbeddedSamples::NotRejected,
      store::EmbeddingOrder::BySampleId};
  auto rows = store::readEmbeddings(store, query);
  if (!rows) return rows.error();
  StoredEmbeddings stored;
  stored.extractor = extractor;
  for (store::EmbeddingRow& row : rows->rows) {
    if (!stored.vectors.empty() && stored.vectors.front().size() != row.values.size()) continue;
    stored.sampleIds.push_back(row.sampleId);
    stored.vectors.push_back(std::move(row.values));
  }
  return stored;
}

namespace {

std::vector<int> leaderClusters(const std::vector<std::vector<float>>& vectors, double maxDistance,
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

// Average-linkage agglomeration by the nearest-neighbour chain (Murtagh): reciprocal nearest
// neighbours are merged, Lance-Williams update of the mean pairwise distance. Average linkage is
// reducible (a merged group is never closer to a third one than the nearer of its parts), so a
// group whose nearest neighbour is farther than maxDistance can never merge again and is retired;
// the result equals the classic "merge the closest pair while <= maxDistance". Ties go to the
// lowest index, so the result does not depend on anything but the input order.
std::vector<int> averageLinkageClusters(const std::vector<std::vector<float>>& vectors, double maxDistance) {
  const std::size_t n = vectors.size();
  // Condensed upper triangle: pair (i<j) at i*(2n-i-1)/2 + (j-i-1).
  std::vector<float> distances(n * (n - 1) / 2);
  auto at = [n](std::size_t i, std::size_t j) {
    if (i > j) std::swap(i, j);
    return i * (2 * n - i - 1) / 2 + (j - i - 1);
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      distances[at(i, j)] = static_cast<float>(std::sqrt(squaredDistance(vectors[i], vectors[j])));
    }
  }
  std::vector<std::size_t> size(n, 1);
  std::vector<char> open(n, 1);       // still able to merge
  std::vector<std::size_t> parent(n);  // union-find over the original points
  for (std::size_t i = 0; i < n; ++i) parent[i] = i;
  std::size_t openCount = n;
  std::vector<std::size_t> chain;
  std::size_t nextStart = 0;
  while (openCount > 1) {
    if (chain.empty()) {
      while (!open[nextStart]) ++nextStart;
      chain.push_back(nextStart);
    }
    const std::size_t a = chain.back();
    std::size_t best = n;
    double bestDistance = std::numeric_limits<double>::infinity();
    if (chain.size() >= 2) {  // prefer the previous link on ties, which guarantees termination
      best = chain[chain.size() - 2];
      bestDistance = distances[at(a, best)];
    }
    for (std::size_t b = 0; b < n; ++b) {
      if (b == a || !open[b]) continue;
      const double d = distances[at(a, b)];
      if (d < bestDistance) {
        bestDistance = d;
        best = b;
      }
    }
    if (best == n || bestDistance > maxDistance) {
      open[a] = 0;  // nothing within reach, now or after any later merge
      --openCount;
      chain.pop_back();  // (only ever the chain's first link: a later link is within reach of its predecessor)
      continue;
    }
    if (chain.size() >= 2 && best == chain[chain.size() - 2]) {
      chain.pop_back();
      chain.pop_back();
      const std::size_t keep = std::min(a, best);
      const std::size_t gone = std::max(a, best);
      const double na = static_cast<double>(size[keep]);
      const double nb = static_cast<double>(size[gone]);
      for (std::size_t k = 0; k < n; ++k) {
        if (k == keep || k == gone || !open[k]) continue;
        distances[at(keep, k)] =
            static_cast<float>((na * distances[at(keep, k)] + nb * distances[at(gone, k)]) / (na + nb));
      }
      size[keep] += size[gone];
      open[gone] = 0;
      --openCount;
      parent[gone] = keep;
      continue;
    }
    chain.push_back(best);
  }
  std::vector<int> assignment(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t root = i;
    while (parent[root] != root) root = parent[root];
    assignment[i] = static_cast<int>(root);
  }
  renumber(assignment);
  return assignment;
}

// Chinese whispers (Biemann 2006; dlib's chinese_whispers): every face starts as its own label;
// in each round, visited in a seeded random order, a face takes the label carried by most of its
// neighbours (edges: distance below maxDistance, weight 1; ties: the smallest label).
std::vector<int> chineseWhispersClusters(const std::vector<std::vector<float>>& vectors, double maxDistance,
                                         int iterations, std::uint32_t seed) {
  const std::size_t n = vectors.size();
  const double limit = maxDistance * maxDistance;
  std::vector<std::vector<std::size_t>> neighbours(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (squaredDistance(vectors[i], vectors[j]) < limit) {
        neighbours[i].push_back(j);
        neighbours[j].push_back(i);
      }
    }
  }
  std::vector<int> label(n);
  for (std::size_t i = 0; i < n; ++i) label[i] = static_cast<int>(i);
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937 random(seed);
  std::map<int, int> votes;
  for (int round = 0; round < iterations; ++round) {
    for (std::size_t i = n; i > 1; --i) {  // Fisher-Yates with our own draw: portable across libstdc++ versions
      const std::size_t j = static_cast<std::size_t>(random() % i);
      std::swap(order[i - 1], order[j]);
    }
    bool changed = false;
    for (std::size_t node : order) {
      if (neighbours[node].empty()) continue;
      votes.clear();
      for (std::size_t other : neighbours[node]) ++votes[label[other]];
      int bestLabel = label[node];
      int bestVotes = 0;
      for (const auto& [candidate, count] : votes) {
        if (count > bestVotes) {
          bestVotes = count;
          bestLabel = candidate;
        }
      }
      changed = changed || bestLabel != label[node];
      label[node] = bestLabel;
    }
    if (!changed) break;
  }
  renumber(label);
  return label;
}

}  // namespace

const char* identityClusteringName(IdentityClustering method) {
  switch (method) {
    case IdentityClustering::AverageLinkage: return "average_linkage";
    case IdentityClustering::ChineseWhispers: return "chinese_whispers";
    case IdentityClustering::Leader: return "leader";
    case IdentityClustering::Invalid: break;
  }
  return "invalid";
}

IdentityClustering parseIdentityClustering(const std::string& name) {
  for (IdentityClustering method :
       {IdentityClustering::AverageLinkage, IdentityClustering::ChineseWhispers, IdentityClustering::Leader}) {
    if (name == identityClusteringName(method)) return method;
  }
  return IdentityClustering::Invalid;
}

std::vector<std::string> identityClusteringNames() {
  return {"average_linkage", "chinese_whispers", "leader"};
}

std::vector<int> clusterIdentities(const std::vector<std::vector<float>>& vectors, const IdentityClusterOptions& options) {
  if (vectors.empty()) return {};
  switch (options.method) {
    case IdentityClustering::ChineseWhispers:
      return chineseWhispersClusters(vectors, options.maxDistance, options.iterations, options.seed);
    case IdentityClustering::Leader:
      return leaderClusters(vectors, options.maxDistance, options.refinementPasses);
    case IdentityClustering::AverageLinkage:
    case IdentityClustering::Invalid:
      break;
  }
  return averageLinkageClusters(vectors, options.maxDistance);
}

std::vector<int> clusterByDistance(const std::vector<std::vector<float>>& vectors, double maxDistance,
                                   int refinementPasses) {
  IdentityClusterOptions options;
  options.maxDistance = maxDistance;
  options.refinementPasses = refinementPasses;
  return clusterIdentities(vectors, options);
}

std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings,
                                                       const IdentityClusterOptions& options) {
  const std::vector<int> assignment = clusterIdentities(embeddings.vectors, options);
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

std::vector<std::vector<std::int64_t>> groupByIdentity(const StoredEmbeddings& embeddings, double maxDistance) {
  IdentityClusterOptions options;
  options.maxDistance = maxDistance;
  return groupByIdentity(embeddings, options);
}

}  // namespace winnow::review
