#include "winnow/dedupe/embedding_pairs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace winnow::dedupe {
namespace {

// 3,000 random 64-d vectors, every 10th followed by a slightly perturbed copy (cosine ~0.99).
std::vector<std::vector<float>> makeVectors(std::size_t& plantedOut) {
  std::mt19937 random(3);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  std::vector<std::vector<float>> vectors;
  plantedOut = 0;
  while (vectors.size() < 3000) {
    std::vector<float> v(64);
    for (float& x : v) x = gaussian(random);
    vectors.push_back(v);
    if (vectors.size() % 10 == 1) {
      for (float& x : v) x += 0.1f * gaussian(random);
      vectors.push_back(v);
      ++plantedOut;
    }
  }
  return vectors;
}

TEST(EmbeddingPairs, ExactMatchesBruteForceAndApproximateFindsPlanted) {
  std::size_t planted = 0;
  const auto vectors = makeVectors(planted);
  std::size_t brute = 0;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    for (std::size_t j = i + 1; j < vectors.size(); ++j) {
      double dot = 0, ni = 0, nj = 0;
      for (std::size_t k = 0; k < 64; ++k) {
        dot += double(vectors[i][k]) * vectors[j][k];
        ni += double(vectors[i][k]) * vectors[i][k];
        nj += double(vectors[j][k]) * vectors[j][k];
      }
      if (dot / std::sqrt(ni * nj) >= 0.95) ++brute;
    }
  }
  EXPECT_EQ(brute, planted);
  const auto exact = cosinePairs(vectors, 0.95);
  EXPECT_EQ(exact.size(), brute);
  for (const auto& pair : exact) {
    EXPECT_EQ(pair.b, pair.a + 1);
    EXPECT_GE(pair.cosine, 0.95);
  }
  const auto approximate = cosinePairs(vectors, 0.95, true);
  EXPECT_EQ(approximate.size(), exact.size());
}

TEST(EmbeddingPairs, ZeroAndMismatchedVectorsNeverPair) {
  EXPECT_TRUE(cosinePairs({{0, 0}, {0, 0}}, 0.5).empty());
  EXPECT_TRUE(cosinePairs({{1, 0}, {1, 0, 0}}, 0.5).empty());
  EXPECT_EQ(cosinePairs({{1, 0}, {2, 0.01f}}, 0.99).size(), 1u);
}

}  // namespace
}  // namespace winnow::dedupe
