// Scale benchmark of HammingIndex::radiusPairs: N random 64-bit codes with P planted near pairs at
// distances 1..8; finds all pairs within distance 8 and checks that every planted pair is found.
// usage: hamming_scale [codes=1000000] [planted=10000] [max_distance=8] [threads=2] [seed=42]
// Exit status 1 when recall of planted pairs is below 100%.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <unordered_set>
#include <vector>

#include "winnow/dedupe/hamming_index.hpp"

int main(int argc, char** argv) {
  auto arg = [&](int index, long long fallback) {
    return argc > index ? std::atoll(argv[index]) : fallback;
  };
  const std::size_t n = static_cast<std::size_t>(arg(1, 1'000'000));
  const std::size_t planted = static_cast<std::size_t>(arg(2, 10'000));
  const int maxDistance = static_cast<int>(arg(3, 8));
  const unsigned threads = static_cast<unsigned>(arg(4, 2));
  const auto seed = static_cast<std::uint64_t>(arg(5, 42));
  if (planted * 2 > n || maxDistance < 1) {
    std::fprintf(stderr, "hamming_scale: need planted * 2 <= codes and max_distance >= 1\n");
    return 2;
  }

  std::mt19937_64 random(seed);
  std::vector<std::uint64_t> codes(n);
  for (auto& code : codes) code = random();
  // Planted pair k joins slots order[2k] and order[2k+1] at distance 1 + k % maxDistance.
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::shuffle(order.begin(), order.end(), random);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> plantedPairs;
  for (std::size_t k = 0; k < planted; ++k) {
    const std::uint32_t a = order[2 * k];
    const std::uint32_t b = order[2 * k + 1];
    const int distance = 1 + static_cast<int>(k % static_cast<std::size_t>(maxDistance));
    std::uint64_t mask = 0;
    while (__builtin_popcountll(mask) < distance) mask |= 1ull << (random() % 64);
    codes[b] = codes[a] ^ mask;
    plantedPairs.emplace_back(std::min(a, b), std::max(a, b));
  }

  const auto start = std::chrono::steady_clock::now();
  const winnow::dedupe::HammingIndex index(codes);
  const auto built = std::chrono::steady_clock::now();
  const auto pairs = index.radiusPairs(maxDistance, threads);
  const auto end = std::chrono::steady_clock::now();

  std::unordered_set<std::uint64_t> foundKeys;
  foundKeys.reserve(pairs.size() * 2);
  for (const auto& pair : pairs) foundKeys.insert((std::uint64_t{pair.a} << 32) | pair.b);
  std::size_t recalled = 0;
  for (const auto& [a, b] : plantedPairs) recalled += foundKeys.count((std::uint64_t{a} << 32) | b);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double buildS = std::chrono::duration<double>(built - start).count();
  const double searchS = std::chrono::duration<double>(end - built).count();
  std::printf("codes=%zu planted=%zu max_distance=%d threads=%u\n", n, planted, maxDistance, threads);
  std::printf("index_build_s=%.3f search_s=%.3f total_s=%.3f\n", buildS, searchS, buildS + searchS);
  std::printf("peak_rss_mb=%.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("pairs_found=%zu planted_recall=%.4f (%zu/%zu)\n", pairs.size(),
              planted ? static_cast<double>(recalled) / static_cast<double>(planted) : 1.0, recalled,
              planted);
  return recalled == planted ? 0 : 1;
}
