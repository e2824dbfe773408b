// The cross-validated one-feature classifiers on synthetic features with known answers.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "winnow/audit/one_feature_classifier.hpp"

namespace winnow::audit {
namespace {

std::vector<int> alternatingLabels(int count, int classes) {
  std::vector<int> labels;
  for (int i = 0; i < count; ++i) labels.push_back(i % classes);
  return labels;
}

TEST(OneFeatureClassifier, StratifiedFoldsAreBalancedAndSeeded) {
  const auto labels = alternatingLabels(100, 2);
  const auto folds = stratifiedFolds(labels, 5, 7);
  std::map<std::pair<int, int>, int> counts;  // (fold, label) -> count
  for (std::size_t i = 0; i < labels.size(); ++i) ++counts[{folds[i], labels[i]}];
  for (const auto& [key, count] : counts) EXPECT_EQ(count, 10);
  EXPECT_EQ(stratifiedFolds(labels, 5, 7), folds);
  EXPECT_NE(stratifiedFolds(labels, 5, 8), folds);
}

TEST(OneFeatureClassifier, AucOfKnownScores) {
  const std::vector<int> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(macroOneVsRestAuc({{0.9, 0.1}, {0.8, 0.2}, {0.3, 0.7}, {0.1, 0.9}}, labels, 2), 1.0);
  EXPECT_DOUBLE_EQ(macroOneVsRestAuc({{0.1, 0.9}, {0.2, 0.8}, {0.7, 0.3}, {0.9, 0.1}}, labels, 2), 0.0);
  EXPECT_DOUBLE_EQ(macroOneVsRestAuc({{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}}, labels, 2), 0.5);
}

TEST(OneFeatureClassifier, SeparableNumericFeatureScoresHigh) {
  std::mt19937_64 random(1);
  std::normal_distribution<double> noise(0.0, 1.0);
  const auto labels = alternatingLabels(200, 2);
  std::vector<double> separable;
  std::vector<double> useless;
  std::vector<double> middle;  // class 1 in the middle of class 0: not monotonic
  for (int label : labels) {
    separable.push_back(label * 10.0 + noise(random));
    useless.push_back(noise(random));
    middle.push_back(label ? noise(random) * 0.3 : (noise(random) > 0 ? 3.0 : -3.0) + noise(random) * 0.3);
  }
  const auto high = crossValidateNumeric(separable, labels, 2, 5, 42, 10);
  EXPECT_GT(high.auc, 0.97);
  EXPECT_GT(high.balancedAccuracy, 0.95);
  EXPECT_EQ(high.samples, 200);
  const auto low = crossValidateNumeric(useless, labels, 2, 5, 42, 10);
  EXPECT_LT(low.auc, 0.65);
  EXPECT_GT(crossValidateNumeric(middle, labels, 2, 5, 42, 10).auc, 0.9);
  const auto constant = crossValidateNumeric(std::vector<double>(200, 1.0), labels, 2, 5, 42, 10);
  EXPECT_DOUBLE_EQ(constant.auc, 0.5);
  EXPECT_DOUBLE_EQ(constant.balancedAccuracy, 0.5);
}

TEST(OneFeatureClassifier, CategoricalFeatureOfThreeClasses) {
  const auto labels = alternatingLabels(150, 3);
  std::vector<std::string> perfect;
  std::vector<std::string> same;
  for (int label : labels) {
    perfect.push_back("source-" + std::to_string(label));
    same.push_back("one-source");
  }
  const auto high = crossValidateCategorical(perfect, labels, 3, 5, 42);
  EXPECT_DOUBLE_EQ(high.auc, 1.0);
  EXPECT_DOUBLE_EQ(high.balancedAccuracy, 1.0);
  EXPECT_DOUBLE_EQ(crossValidateCategorical(same, labels, 3, 5, 42).auc, 0.5);
}

}  // namespace
}  // namespace winnow::audit
