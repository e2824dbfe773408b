#include "winnow/dedupe/hamming_index.hpp"

#include <gtest/gtest.h>

#include <random>

namespace winnow::dedupe {
namespace {

// 5,000 codes: random ones plus families of near copies (1..12 bits flipped), so that every
// distance up to the radius occurs many times.
std::vector<std::uint64_t> makeCodes(std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::uint64_t> codes;
  while (codes.size() < 5000) {
    const std::uint64_t base = random();
    codes.push_back(base);
    const int copies = static_cast<int>(random() % 4);
    for (int c = 0; c < copies; ++c) {
      std::uint64_t code = base;
      const int flips = 1 + static_cast<int>(random() % 12);
      for (int f = 0; f < flips; ++f) code ^= 1ull << (random() % 64);
      codes.push_back(code);
    }
  }
  return codes;
}

TEST(HammingIndex, RadiusPairsEqualBruteForce) {
  const std::vector<std::uint64_t> codes = makeCodes(7);
  const HammingIndex index(codes);
  for (int radius : {0, 1, 3, 5, 8, 10, 13}) {
    std::vector<HammingPair> expected;
    for (std::uint32_t i = 0; i < codes.size(); ++i) {
      for (std::uint32_t j = i + 1; j < codes.size(); ++j) {
        const int d = __builtin_popcountll(codes[i] ^ codes[j]);
        if (d <= radius) expected.push_back({i, j, d});
      }
    }
    const std::vector<HammingPair> found = index.radiusPairs(radius, 2);
    ASSERT_EQ(found.size(), expected.size()) << "radius " << radius;
    for (std::size_t k = 0; k < found.size(); ++k) {
      EXPECT_EQ(found[k].a, expected[k].a);
      EXPECT_EQ(found[k].b, expected[k].b);
      EXPECT_EQ(found[k].distance, expected[k].distance);
    }
    if (radius >= 8) {
      EXPECT_GT(found.size(), 1000u);  // the test exercises real work
    }
  }
}

TEST(HammingIndex, QueryEqualsBruteForce) {
  const std::vector<std::uint64_t> codes = makeCodes(11);
  const HammingIndex index(codes);
  for (std::size_t q = 0; q < 200; ++q) {
    const std::uint64_t probe = codes[q * 13] ^ (1ull << (q % 64));
    for (int radius : {2, 8}) {
      std::vector<HammingMatch> expected;
      for (std::uint32_t i = 0; i < codes.size(); ++i) {
        const int d = __builtin_popcountll(codes[i] ^ probe);
        if (d <= radius) expected.push_back({i, d});
      }
      const auto found = index.query(probe, radius);
      ASSERT_EQ(found.size(), expected.size());
      for (std::size_t k = 0; k < found.size(); ++k) EXPECT_EQ(found[k].index, expected[k].index);
    }
  }
}

TEST(HammingIndex, SubstringRadiiSatisfyPigeonhole) {
  for (int d = 0; d <= 20; ++d) {
    const auto radii = substringRadii(d);
    int sum = 0;
    for (int r : radii) sum += r + 1;
    EXPECT_GT(sum, d);
  }
  EXPECT_EQ(substringRadii(8), (std::vector<int>{2, 1, 1, 1}));
  EXPECT_EQ(neighbourMasks16(2).size(), 136u);
}

TEST(HammingIndex, EmptyAndSingle) {
  EXPECT_TRUE(HammingIndex({}).radiusPairs(8).empty());
  EXPECT_TRUE(HammingIndex({42}).radiusPairs(8).empty());
  const auto pairs = HammingIndex({5, 5}).radiusPairs(0);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].distance, 0);
}

}  // namespace
}  // namespace winnow::dedupe
