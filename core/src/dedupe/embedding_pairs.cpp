#include "winnow/dedupe/embedding_pairs.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <opencv2/core.hpp>

#include "winnow/dedupe/hamming_index.hpp"

namespace winnow::dedupe {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Rows = unit vectors (zero vectors stay zero).
cv::Mat normalisedRows(const std::vector<std::vector<float>>& vectors, int dimension) {
  cv::Mat rows(static_cast<int>(vectors.size()), dimension, CV_32F, cv::Scalar(0));
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    double norm = 0.0;
    for (float v : vectors[i]) norm += static_cast<double>(v) * v;
    norm = std::sqrt(norm);
    if (norm <= 0.0) continue;
    float* row = rows.ptr<float>(static_cast<int>(i));
    for (int k = 0; k < dimension; ++k) {
      row[k] = static_cast<float>(vectors[i][static_cast<std::size_t>(k)] / norm);
    }
  }
  return rows;
}

std::vector<EmbeddingPair> exactPairs(const cv::Mat& rows, double minCosine) {
  std::vector<EmbeddingPair> pairs;
  constexpr int kBlock = 512;
  for (int start = 0; start < rows.rows; start += kBlock) {
    const int count = std::min(kBlock, rows.rows - start);
    cv::Mat similarities;
    cv::gemm(rows.rowRange(start, start + count), rows, 1.0, cv::noArray(), 0.0, similarities,
             cv::GEMM_2_T);
    for (int r = 0; r < count; ++r) {
      const float* row = similarities.ptr<float>(r);
      for (int c = start + r + 1; c < rows.rows; ++c) {
        if (row[c] >= minCosine) {
          pairs.push_back({static_cast<std::uint32_t>(start + r), static_cast<std::uint32_t>(c),
                           static_cast<double>(row[c])});
        }
      }
    }
  }
  return pairs;
}

std::vector<EmbeddingPair> approximatePairs(const cv::Mat& rows, double minCosine) {
  std::mt19937_64 random(0x5eedu);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  cv::Mat planes(64, rows.cols, CV_32F);
  for (int r = 0; r < planes.rows; ++r) {
    for (int c = 0; c < planes.cols; ++c) planes.at<float>(r, c) = gaussian(random);
  }
  cv::Mat projections;
  cv::gemm(rows, planes, 1.0, cv::noArray(), 0.0, projections, cv::GEMM_2_T);
  std::vector<std::uint64_t> signatures(static_cast<std::size_t>(rows.rows));
  for (int i = 0; i < rows.rows; ++i) {
    std::uint64_t bits = 0;
    for (int b = 0; b < 64; ++b) {
      if (projections.at<float>(i, b) > 0.0f) bits |= 1ull << b;
    }
    signatures[static_cast<std::size_t>(i)] = bits;
  }
  // A pair at angle theta differs in each bit with probability theta / pi.
  const double theta = std::acos(std::clamp(minCosine, -1.0, 1.0));
  const double p = theta / kPi;
  const double mean = 64.0 * p;
  const double deviation = std::sqrt(64.0 * p * (1.0 - p));
  const int radius = std::min(64, static_cast<int>(std::ceil(mean + 3.1 * deviation)));
  const HammingIndex index(std::move(signatures));
  std::vector<EmbeddingPair> pairs;
  for (const HammingPair& candidate : index.radiusPairs(radius)) {
    const double cosine = rows.row(static_cast<int>(candidate.a)).dot(rows.row(static_cast<int>(candidate.b)));
    if (cosine >= minCosine) pairs.push_back({candidate.a, candidate.b, cosine});
  }
  return pairs;
}

}  // namespace

std::vector<EmbeddingPair> cosinePairs(const std::vector<std::vector<float>>& vectors,
                                       double minCosine, bool forceApproximate) {
  if (vectors.size() < 2 || vectors.front().empty()) return {};
  const int dimension = static_cast<int>(vectors.front().size());
  for (const auto& v : vectors) {
    if (static_cast<int>(v.size()) != dimension) return {};
  }
  const cv::Mat rows = normalisedRows(vectors, dimension);
  std::vector<EmbeddingPair> pairs = forceApproximate || vectors.size() > kExactEmbeddingLimit
                                         ? approximatePairs(rows, minCosine)
                                         : exactPairs(rows, minCosine);
  std::sort(pairs.begin(), pairs.end(), [](const EmbeddingPair& l, const EmbeddingPair& r) {
    return l.a != r.a ? l.a < r.a : l.b < r.b;
  });
  return pairs;
}

}  // namespace winnow::dedupe
