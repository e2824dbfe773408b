#include "winnow/audit/one_feature_classifier.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

namespace winnow::audit {

std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::uint64_t seed) {
  std::vector<int> fold(labels.size(), 0);
  if (folds < 2) return fold;
  std::map<int, std::vector<std::size_t>> byClass;
  for (std::size_t i = 0; i < labels.size(); ++i) byClass[labels[i]].push_back(i);
  std::mt19937_64 random(seed);
  int offset = 0;  // rotates the first fold per class so small classes spread over folds
  for (auto& [label, members] : byClass) {
    for (std::size_t i = members.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(random() % i);
      std::swap(members[i - 1], members[j]);
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
      fold[members[i]] = static_cast<int>((i + static_cast<std::size_t>(offset)) %
                                          static_cast<std::size_t>(folds));
    }
    offset += static_cast<int>(members.size() % static_cast<std::size_t>(folds));
  }
  return fold;
}

double macroOneVsRestAuc(const std::vector<std::vector<double>>& scores,
                         const std::vector<int>& labels, int classCount) {
  double sum = 0.0;
  int counted = 0;
  std::vector<std::size_t> order(labels.size());
  for (int c = 0; c < classCount; ++c) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a][c] < scores[b][c]; });
    double positives = 0.0;
    double rankSum = 0.0;
    for (std::size_t start = 0; start < order.size();) {
      std::size_t end = start;
      while (end < order.size() && scores[order[end]][c] == scores[order[start]][c]) ++end;
      const double midRank = (static_cast<double>(start) + static_cast<double>(end) + 1.0) / 2.0;
      for (std::size_t k = start; k < end; ++k) {
        if (labels[order[k]] == c) {
          positives += 1.0;
          rankSum += midRank;
        }
      }
      start = end;
    }
    const double negatives = static_cast<double>(labels.size()) - positives;
    if (positives == 0.0 || negatives == 0.0) continue;
    sum += (rankSum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
    ++counted;
  }
  return counted > 0 ? sum / counted : 0.5;
}

double balancedAccuracy(const std::vector<std::vector<double>>& scores,
                        const std::vector<int>& labels, int classCount) {
  std::vector<double> hits(static_cast<std::size_t>(classCount), 0.0);
  std::vector<double> totals(static_cast<std::size_t>(classCount), 0.0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto best = std::max_element(scores[i].begin(), scores[i].end()) - scores[i].begin();
    totals[static_cast<std::size_t>(labels[i])] += 1.0;
    if (best == labels[i]) hits[static_cast<std::size_t>(labels[i])] += 1.0;
  }
  double sum = 0.0;
  int counted = 0;
  for (int c = 0; c < classCount; ++c) {
    if (totals[static_cast<std::size_t>(c)] == 0.0) continue;
    sum += hits[static_cast<std::size_t>(c)] / totals[static_cast<std::size_t>(c)];
    ++counted;
  }
  return counted > 0 ? sum / counted : 0.0;
}

namespace {

// Out-of-fold class scores from "bin" ids: binOf(trainIndices, i) maps sample i to a bin learned
// from the training samples (-1 = unseen). Scores are P(bin | class), smoothed, normalised over
// classes (uniform class prior).
template <typename BinLearner>
CrossValidatedScore crossValidateBins(std::size_t count, const std::vector<int>& labels,
                                      int classCount, int folds, std::uint64_t seed,
                                      BinLearner learnBins) {
  CrossValidatedScore result;
  result.samples = static_cast<std::int64_t>(count);
  if (count == 0 || classCount < 2) return result;
  const std::vector<int> fold = stratifiedFolds(labels, folds, seed);
  std::vector<std::vector<double>> scores(count, std::vector<double>(static_cast<std::size_t>(classCount),
                                                                     1.0 / classCount));
  for (int f = 0; f < std::max(folds, 1); ++f) {
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
    for (std::size_t i = 0; i < count; ++i) (fold[i] == f ? test : train).push_back(i);
    if (test.empty() || train.empty()) continue;
    std::vector<int> bins(count, -1);
    const int binCount = learnBins(train, test, bins);
    if (binCount <= 0) continue;
    std::vector<std::vector<double>> binCounts(static_cast<std::size_t>(classCount),
                                               std::vector<double>(static_cast<std::size_t>(binCount), 0.0));
    std::vector<double> classTotals(static_cast<std::size_t>(classCount), 0.0);
    for (std::size_t i : train) {
      binCounts[static_cast<std::size_t>(labels[i])][static_cast<std::size_t>(bins[i])] += 1.0;
      classTotals[static_cast<std::size_t>(labels[i])] += 1.0;
    }
    for (std::size_t i : test) {
      if (bins[i] < 0) continue;
      double total = 0.0;
      for (int c = 0; c < classCount; ++c) {
        const double likelihood =
            (binCounts[static_cast<std::size_t>(c)][static_cast<std::size_t>(bins[i])] + 1.0) /
            (classTotals[static_cast<std::size_t>(c)] + binCount);
        scores[i][static_cast<std::size_t>(c)] = likelihood;
        total += likelihood;
      }
      for (double& score : scores[i]) score /= total;
    }
  }
  result.auc = macroOneVsRestAuc(scores, labels, classCount);
  result.balancedAccuracy = balancedAccuracy(scores, labels, classCount);
  return result;
}

}  // namespace

CrossValidatedScore crossValidateNumeric(const std::vector<double>& values,
                                         const std::vector<int>& labels, int classCount,
                                         int folds, std::uint64_t seed, int bins) {
  const int binTarget = std::max(2, bins);
  return crossValidateBins(
      values.size(), labels, classCount, folds, seed,
      [&](const std::vector<std::size_t>& train, const std::vector<std::size_t>& test,
          std::vector<int>& binOf) {
        std::vector<double> sorted;
        sorted.reserve(train.size());
        for (std::size_t i : train) sorted.push_back(values[i]);
        std::sort(sorted.begin(), sorted.end());
        // Upper edges of equal-count bins; duplicates collapse (ties stay in one bin).
        std::vector<double> edges;
        for (int b = 1; b < binTarget; ++b) {
          const double edge = sorted[sorted.size() * static_cast<std::size_t>(b) /
                                     static_cast<std::size_t>(binTarget)];
          if (edges.empty() || edge > edges.back()) edges.push_back(edge);
        }
        auto assign = [&](std::size_t i) {
          binOf[i] = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), values[i]) -
                                      edges.begin());
        };
        for (std::size_t i : train) assign(i);
        for (std::size_t i : test) assign(i);
        return static_cast<int>(edges.size()) + 1;
      });
}

CrossValidatedScore crossValidateCategorical(const std::vector<std::string>& values,
                                             const std::vector<int>& labels, int classCount,
                                             int folds, std::uint64_t seed) {
  return crossValidateBins(
      values.size(), labels, classCount, folds, seed,
      [&](const std::vector<std::size_t>& train, const std::vector<std::size_t>& test,
          std::vector<int>& binOf) {
        std::map<std::string, int> ids;
        for (std::size_t i : train) {
          auto inserted = ids.emplace(values[i], static_cast<int>(ids.size()));
          binOf[i] = inserted.first->second;
        }
        for (std::size_t i : test) {
          auto found = ids.find(values[i]);
          binOf[i] = found == ids.end() ? -1 : found->second;
        }
        return static_cast<int>(ids.size());
      });
}

}  // namespace winnow::audit
