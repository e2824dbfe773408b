// Cross-validated one-feature classifiers: how well does a single property predict the label?
// Numeric features: per-class histograms over quantile bins learned on the training folds (a
// one-dimensional naive Bayes with uniform class priors, so it also catches non-monotonic
// relations). Categorical features: per-value class frequencies learned on the training folds.
// Both are Laplace-smoothed; unseen values score every class equally. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace winnow::audit {

struct CrossValidatedScore {
  double auc = 0.5;               // macro one-vs-rest ROC AUC of the out-of-fold class scores
  double balancedAccuracy = 0.0;  // mean per-class recall of the out-of-fold argmax
  std::int64_t samples = 0;
};

// Fold index (0..folds-1) per sample, stratified by label, deterministic for a seed
// (Fisher-Yates with std::mt19937_64, identical on every platform).
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::uint64_t seed);

// labels are 0..classCount-1. scores[i][c] is sample i's score for class c.
double macroOneVsRestAuc(const std::vector<std::vector<double>>& scores,
                         const std::vector<int>& labels, int classCount);
double balancedAccuracy(const std::vector<std::vector<double>>& scores,
                        const std::vector<int>& labels, int classCount);

CrossValidatedScore crossValidateNumeric(const std::vector<double>& values,
                                         const std::vector<int>& labels, int classCount,
                                         int folds, std::uint64_t seed, int bins);
CrossValidatedScore crossValidateCategorical(const std::vector<std::string>& values,
                                             const std::vector<int>& labels, int classCount,
                                             int folds, std::uint64_t seed);

}  // namespace winnow::audit
