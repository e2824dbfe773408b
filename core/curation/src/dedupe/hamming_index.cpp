#include "winnow/dedupe/hamming_index.hpp"

#include <algorithm>
#include <thread>

#include "winnow/job/parallel_for.hpp"

namespace winnow::dedupe {

namespace {

// The hardware instruction when the CPU has it (every x86-64 CPU since 2008 does); the builtin
// alone compiles to a table-based fallback without -mpopcnt, about 3x slower here.
#if defined(__x86_64__)
const bool kHasPopcnt = __builtin_cpu_supports("popcnt");
#endif

inline int popcount64(std::uint64_t x) { return __builtin_popcountll(x); }

// Calls onMatch(i, j) for every i in [begin, end) and j in [otherBegin, otherEnd) whose codes are
// within maxDistance. Compiled twice: with the popcnt instruction and without.
template <typename OnMatch>
#if defined(__x86_64__)
__attribute__((target("popcnt")))
#endif
void scanBucketsHw(const std::uint64_t* codes, std::uint32_t begin, std::uint32_t end,
                   std::uint32_t otherBegin, std::uint32_t otherEnd, int maxDistance,
                   const OnMatch& onMatch) {
  for (std::uint32_t i = begin; i < end; ++i) {
    const std::uint64_t x = codes[i];
    for (std::uint32_t j = otherBegin; j < otherEnd; ++j) {
      if (__builtin_popcountll(x ^ codes[j]) <= maxDistance) onMatch(i, j);
    }
  }
}

template <typename OnMatch>
void scanBucketsSw(const std::uint64_t* codes, std::uint32_t begin, std::uint32_t end,
                   std::uint32_t otherBegin, std::uint32_t otherEnd, int maxDistance,
                   const OnMatch& onMatch) {
  for (std::uint32_t i = begin; i < end; ++i) {
    const std::uint64_t x = codes[i];
    for (std::uint32_t j = otherBegin; j < otherEnd; ++j) {
      if (__builtin_popcountll(x ^ codes[j]) <= maxDistance) onMatch(i, j);
    }
  }
}

template <typename OnMatch>
void scanBuckets(const std::uint64_t* codes, std::uint32_t begin, std::uint32_t end,
                 std::uint32_t otherBegin, std::uint32_t otherEnd, int maxDistance,
                 const OnMatch& onMatch) {
#if defined(__x86_64__)
  if (kHasPopcnt) {
    scanBucketsHw(codes, begin, end, otherBegin, otherEnd, maxDistance, onMatch);
    return;
  }
#endif
  scanBucketsSw(codes, begin, end, otherBegin, otherEnd, maxDistance, onMatch);
}

}  // namespace

std::vector<std::uint32_t> neighbourMasks16(int radius) {
  radius = std::clamp(radius, 0, 16);
  std::vector<std::uint32_t> masks;
  for (int bitsSet = 1; bitsSet <= radius; ++bitsSet) {
    for (std::uint32_t mask = 1; mask <= 0xFFFFu; ++mask) {
      if (__builtin_popcount(mask) == bitsSet) masks.push_back(mask);
    }
  }
  return masks;
}

HammingIndex::HammingIndex(std::vector<std::uint64_t> codes) : codes_(std::move(codes)) {
  const std::size_t n = codes_.size();
  tables_.resize(kParts);
  for (int part = 0; part < kParts; ++part) {
    PartTable& table = tables_[static_cast<std::size_t>(part)];
    table.offsets.assign(65537, 0);
    for (std::uint64_t code : codes_) ++table.offsets[partKey(code, part) + 1];
    for (std::size_t k = 1; k < table.offsets.size(); ++k) table.offsets[k] += table.offsets[k - 1];
    std::vector<std::uint32_t> cursor(table.offsets.begin(), table.offsets.end() - 1);
    table.codes.resize(n);
    table.ids.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t slot = cursor[partKey(codes_[i], part)]++;
      table.codes[slot] = codes_[i];
      table.ids[slot] = static_cast<std::uint32_t>(i);
    }
  }
}

std::vector<int> substringRadii(int maxDistance) {
  maxDistance = std::clamp(maxDistance, 0, 64);
  const int parts = HammingIndex::kParts;
  const int sum = std::max(0, maxDistance - parts + 1);  // then sum(t_i + 1) = sum + parts > d
  std::vector<int> radii(static_cast<std::size_t>(parts));
  for (int i = 0; i < parts; ++i) {
    radii[static_cast<std::size_t>(i)] =
        std::min(HammingIndex::kPartBits, sum / parts + (i < sum % parts ? 1 : 0));
  }
  return radii;
}

bool HammingIndex::foundEarlier(std::uint64_t x, std::uint64_t y, int part, const int* radii) {
  for (int earlier = 0; earlier < part; ++earlier) {
    if (popcount64(partKey(x, earlier) ^ partKey(y, earlier)) <= radii[earlier]) return true;
  }
  return false;
}

std::vector<HammingPair> HammingIndex::radiusPairs(int maxDistance, unsigned threads) const {
  maxDistance = std::clamp(maxDistance, 0, 64);
  const std::vector<int> radii = substringRadii(maxDistance);
  const std::vector<std::uint32_t> masks = neighbourMasks16(radii[0]);
  std::vector<std::size_t> maskCount(radii.size());
  for (std::size_t part = 0; part < radii.size(); ++part) {
    maskCount[part] = static_cast<std::size_t>(
        std::count_if(masks.begin(), masks.end(), [&](std::uint32_t mask) {
          return popcount64(mask) <= radii[part];
        }));
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  // Work unit: (part, chunk of 256 bucket keys); each thread keeps its own pair list.
  constexpr std::uint32_t kChunk = 256;
  const std::uint32_t chunksPerPart = 65536 / kChunk;
  const std::uint32_t totalUnits = chunksPerPart * kParts;
  std::vector<std::vector<HammingPair>> found(threads);

  auto emit = [maxDistance, &radii](std::vector<HammingPair>& out, int part, std::uint64_t x,
                                    std::uint32_t xi, std::uint64_t y, std::uint32_t yi) {
    const int distance = popcount64(x ^ y);
    if (distance > maxDistance || foundEarlier(x, y, part, radii.data())) return;
    out.push_back(xi < yi ? HammingPair{xi, yi, distance} : HammingPair{yi, xi, distance});
  };

  auto work = [&](std::size_t unitIndex, std::size_t worker) {
    std::vector<HammingPair>& out = found[worker];
    const auto unit = static_cast<std::uint32_t>(unitIndex);
    const int part = static_cast<int>(unit / chunksPerPart);
    const PartTable& table = tables_[static_cast<std::size_t>(part)];
    const std::uint32_t firstKey = (unit % chunksPerPart) * kChunk;
    for (std::uint32_t key = firstKey; key < firstKey + kChunk; ++key) {
      const std::uint32_t begin = table.offsets[key];
      const std::uint32_t end = table.offsets[key + 1];
      if (begin == end) continue;
      // Pairs inside the bucket.
      for (std::uint32_t i = begin; i < end; ++i) {
        const std::uint64_t x = table.codes[i];
        for (std::uint32_t j = i + 1; j < end; ++j) {
          if (popcount64(x ^ table.codes[j]) <= maxDistance) {
            emit(out, part, x, table.ids[i], table.codes[j], table.ids[j]);
          }
        }
      }
      // Pairs with each neighbouring bucket of larger key (each bucket pair visited once).
      const std::size_t partMasks = maskCount[static_cast<std::size_t>(part)];
      for (std::size_t m = 0; m < partMasks; ++m) {
        const std::uint32_t other = key ^ masks[m];
        if (other < key) continue;
        scanBuckets(table.codes.data(), begin, end, table.offsets[other],
                    table.offsets[other + 1], maxDistance, [&](std::uint32_t i, std::uint32_t j) {
                      emit(out, part, table.codes[i], table.ids[i], table.codes[j], table.ids[j]);
                    });
      }
    }
  };
  job::parallelFor(totalUnits, static_cast<int>(threads), work);

  std::vector<HammingPair> pairs;
  std::size_t total = 0;
  for (const auto& list : found) total += list.size();
  pairs.reserve(total);
  for (const auto& list : found) pairs.insert(pairs.end(), list.begin(), list.end());
  std::sort(pairs.begin(), pairs.end(), [](const HammingPair& l, const HammingPair& r) {
    return l.a != r.a ? l.a < r.a : l.b < r.b;
  });
  return pairs;
}

std::vector<HammingMatch> HammingIndex::query(std::uint64_t code, int maxDistance) const {
  maxDistance = std::clamp(maxDistance, 0, 64);
  const std::vector<int> radii = substringRadii(maxDistance);
  std::vector<HammingMatch> matches;
  for (int part = 0; part < kParts; ++part) {
    const PartTable& table = tables_[static_cast<std::size_t>(part)];
    const std::uint32_t key = partKey(code, part);
    std::vector<std::uint32_t> masks = neighbourMasks16(radii[static_cast<std::size_t>(part)]);
    masks.insert(masks.begin(), 0u);
    for (std::uint32_t mask : masks) {
      const std::uint32_t probe = key ^ mask;
      for (std::uint32_t i = table.offsets[probe]; i < table.offsets[probe + 1]; ++i) {
        const int distance = popcount64(code ^ table.codes[i]);
        if (distance <= maxDistance && !foundEarlier(code, table.codes[i], part, radii.data())) {
          matches.push_back({table.ids[i], distance});
        }
      }
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const HammingMatch& l, const HammingMatch& r) { return l.index < r.index; });
  return matches;
}

}  // namespace winnow::dedupe
