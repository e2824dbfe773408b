// Scale benchmark of embedding neighbours through FAISS, the way winnow uses it:
//  1. kNN (k neighbours) of every one of N d-dimensional unit vectors with the inverted-file index
//     (IndexIVFFlat, winnow's ivfSettingsFor(N) lists), time and peak memory, and recall@k against
//     exact search (IndexFlatIP) on a sample of queries, for several probe counts;
//  2. winnow's own cosinePairs (the near-duplicate search of `winnow dupes --embeddings`) on the
//     first P vectors, inverted file against exact, pair recall.
// Vectors: clustered like face descriptors (N / 20 identities; views spread around their identity
// with within-identity cosine 1 / (1 + spread^2)) and every tenth a near-duplicate of the one
// before (cosine about 0.97), seeded. usage:
//   embedding_scale [N=1000000] [d=128] [k=10] [sample=1000] [pairs_n=20000] [spread=0.5] [seed=7]
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

#include "winnow/dedupe/embedding_pairs.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
double peakMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::vector<float> clusteredUnitVectors(std::size_t n, std::size_t d, float spread, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<float> gaussian(0.0F, 1.0F);
  const std::size_t identities = std::max<std::size_t>(1, n / 20);
  std::vector<float> centres(identities * d);
  for (float& x : centres) x = gaussian(random);
  std::vector<float> rows(n * d);
  auto normalise = [&](std::size_t i) {
    double norm = 0;
    for (std::size_t k = 0; k < d; ++k) norm += static_cast<double>(rows[i * d + k]) * rows[i * d + k];
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (std::size_t k = 0; k < d; ++k) rows[i * d + k] *= scale;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 10 == 1) {
      // A near-duplicate of the previous vector (another shot of the same moment): cosine ~0.97.
      for (std::size_t k = 0; k < d; ++k) rows[i * d + k] = rows[(i - 1) * d + k] + 0.02F * gaussian(random);
    } else {
      // A view of an identity: within-identity cosine 1 / (1 + spread^2) (0.8 at 0.5, like face-api
      // descriptors of one person; 0.5 at 1.0, where neighbourhoods overlap).
      const std::size_t identity = random() % identities;
      for (std::size_t k = 0; k < d; ++k) rows[i * d + k] = centres[identity * d + k] + spread * gaussian(random);
    }
    normalise(i);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  auto arg = [&](int index, long long fallback) { return argc > index ? std::atoll(argv[index]) : fallback; };
  const auto n = static_cast<std::size_t>(arg(1, 1'000'000));
  const auto d = static_cast<std::size_t>(arg(2, 128));
  const auto k = static_cast<faiss::Index::idx_t>(arg(3, 10));
  const auto sample = static_cast<std::size_t>(std::min<long long>(arg(4, 1000), static_cast<long long>(n)));
  const auto pairsN = static_cast<std::size_t>(std::min<long long>(arg(5, 20'000), static_cast<long long>(n)));
  const float spread = argc > 6 ? static_cast<float>(std::atof(argv[6])) : 0.5F;
  const auto seed = static_cast<unsigned>(arg(7, 7));

  auto started = Clock::now();
  const std::vector<float> rows = clusteredUnitVectors(n, d, spread, seed);
  std::printf("vectors: %zu x %zu (%.0f MB), spread %.2f (within-identity cosine %.2f), generated in %.1f s\n", n, d,
              rows.size() * 4.0 / 1e6, static_cast<double>(spread), 1.0 / (1.0 + static_cast<double>(spread * spread)), since(started));

  const winnow::dedupe::IvfSettings settings = winnow::dedupe::ivfSettingsFor(n);
  faiss::IndexFlatIP quantizer(static_cast<int>(d));
  faiss::IndexIVFFlat ivf(&quantizer, static_cast<int>(d), settings.lists, faiss::METRIC_INNER_PRODUCT);
  ivf.cp.seed = 1234;
  started = Clock::now();
  const auto trainCount = std::min<std::size_t>(n, 64 * settings.lists);
  ivf.train(static_cast<faiss::Index::idx_t>(trainCount), rows.data());
  const double trainSeconds = since(started);
  started = Clock::now();
  ivf.add(static_cast<faiss::Index::idx_t>(n), rows.data());
  std::printf("IVF index: %zu lists, trained on %zu vectors in %.1f s, %zu added in %.1f s, peak RSS %.0f MB\n", settings.lists,
              trainCount, trainSeconds, n, since(started), peakMegabytes());

  // Exact neighbours of a sample of queries (spread over the set).
  std::vector<float> queries(sample * d);
  for (std::size_t q = 0; q < sample; ++q) {
    const std::size_t row = q * (n / sample);
    std::copy(rows.begin() + static_cast<std::ptrdiff_t>(row * d), rows.begin() + static_cast<std::ptrdiff_t>((row + 1) * d),
              queries.begin() + static_cast<std::ptrdiff_t>(q * d));
  }
  faiss::IndexFlatIP flat(static_cast<int>(d));
  flat.add(static_cast<faiss::Index::idx_t>(n), rows.data());
  std::vector<float> exactScores(sample * static_cast<std::size_t>(k));
  std::vector<faiss::Index::idx_t> exactIds(sample * static_cast<std::size_t>(k));
  started = Clock::now();
  flat.search(static_cast<faiss::Index::idx_t>(sample), queries.data(), k, exactScores.data(), exactIds.data());
  const double exactSeconds = since(started);
  std::printf("exact search (IndexFlatIP) of %zu queries: %.1f s (%.1f ms/query; all %zu would take %.0f s)\n", sample,
              exactSeconds, 1000.0 * exactSeconds / static_cast<double>(sample), n,
              exactSeconds / static_cast<double>(sample) * static_cast<double>(n));

  for (std::size_t probes : {std::size_t(8), std::size_t(16), settings.probes, std::size_t(64)}) {
    if (probes > settings.lists) continue;
    ivf.nprobe = probes;
    std::vector<float> scores(sample * static_cast<std::size_t>(k));
    std::vector<faiss::Index::idx_t> ids(sample * static_cast<std::size_t>(k));
    ivf.search(static_cast<faiss::Index::idx_t>(sample), queries.data(), k, scores.data(), ids.data());
    std::size_t hits = 0;
    for (std::size_t q = 0; q < sample; ++q) {
      const std::set<faiss::Index::idx_t> truth(exactIds.begin() + static_cast<std::ptrdiff_t>(q * k),
                                               exactIds.begin() + static_cast<std::ptrdiff_t>((q + 1) * k));
      for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) hits += truth.count(ids[q * static_cast<std::size_t>(k) + j]);
    }
    std::printf("  %zu of %zu lists probed: recall@%lld %.4f\n", probes, settings.lists, static_cast<long long>(k),
                static_cast<double>(hits) / static_cast<double>(sample * static_cast<std::size_t>(k)));
  }

  // The k neighbours of the first Q vectors (Q = min(N, 100000): the rate is per query, so it
  // extrapolates to all N), at winnow's probe count.
  ivf.nprobe = settings.probes;
  const std::size_t timed = std::min<std::size_t>(n, 100'000);
  std::vector<float> scores(timed * static_cast<std::size_t>(k));
  std::vector<faiss::Index::idx_t> ids(timed * static_cast<std::size_t>(k));
  started = Clock::now();
  ivf.search(static_cast<faiss::Index::idx_t>(timed), rows.data(), k, scores.data(), ids.data());
  const double searchSeconds = since(started);
  std::printf("kNN (k=%lld, %zu probes) of %zu of the %zu vectors: %.1f s (%.0f queries/s; all %zu: %.0f s), peak RSS %.0f MB\n",
              static_cast<long long>(k), settings.probes, timed, n, searchSeconds, static_cast<double>(timed) / searchSeconds, n,
              searchSeconds / static_cast<double>(timed) * static_cast<double>(n), peakMegabytes());

  if (pairsN < 2) return 0;
  // winnow's near-duplicate pairs (cosine >= 0.9) on the first pairsN vectors.
  std::vector<std::vector<float>> subset(pairsN, std::vector<float>(d));
  for (std::size_t i = 0; i < pairsN; ++i) std::copy(rows.begin() + static_cast<std::ptrdiff_t>(i * d),
                                                     rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * d), subset[i].begin());
  started = Clock::now();
  const auto exactPairs = winnow::dedupe::cosinePairs(subset, 0.9, false);
  const double exactPairSeconds = since(started);
  started = Clock::now();
  const auto approximatePairs = winnow::dedupe::cosinePairs(subset, 0.9, true);
  const double approximatePairSeconds = since(started);
  std::set<std::pair<std::uint32_t, std::uint32_t>> truth;
  for (const auto& pair : exactPairs) truth.insert({pair.a, pair.b});
  std::size_t found = 0;
  for (const auto& pair : approximatePairs) found += truth.count({pair.a, pair.b});
  std::printf("cosinePairs >= 0.9 on %zu vectors: exact %zu pairs in %.1f s; inverted file %zu pairs in %.1f s, recall %.4f\n",
              pairsN, exactPairs.size(), exactPairSeconds, approximatePairs.size(), approximatePairSeconds,
              exactPairs.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(exactPairs.size()));
  return 0;
}
