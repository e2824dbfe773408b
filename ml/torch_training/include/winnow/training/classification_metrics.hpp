// Classification metrics from true and predicted class indices: accuracy with its 95% Wilson
// score interval, per-class precision, recall, F1 and support, macro and support-weighted
// averages, and the confusion matrix (rows = true class, columns = predicted).
//
// The macro average is taken over the classes PRESENT in the scored set (support > 0); classes
// without support are named in absentClasses and stay out of it (a class with no rows has no
// recall to average: counting it as F1 0 would report "accuracy 1.0, macro F1 0.8" for a perfect
// run). A present class that is never predicted has precision 0 (scikit-learn's zero_division=0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::training {

// A two-sided interval for a proportion, both ends in [0, 1].
struct ProportionInterval {
  double low = 0, high = 0;
};

// Wilson score interval for `successes` out of `trials` at normal quantile z (1.96 = 95%). Chosen
// over the normal approximation because test sets of 5 to 30 images are common: it stays inside
// [0, 1] and is not of width 0 at 0 or n successes. trials == 0 gives [0, 1].
ProportionInterval wilsonInterval(std::int64_t successes, std::int64_t trials, double z = 1.959963984540054);

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;
};

struct ClassificationReport {
  std::vector<std::string> classNames;
  std::int64_t count = 0;
  std::int64_t correct = 0;
  double accuracy = 0;
  ProportionInterval accuracyInterval;      // 95% Wilson interval of accuracy
  std::vector<ClassScores> perClass;
  ClassScores macro, weighted;              // macro: over the present classes only
  std::vector<std::string> absentClasses;   // classes with support 0, in class order
  std::vector<std::vector<std::int64_t>> confusion;

  nlohmann::json toJson() const;
  // scikit-learn's classification_report layout, for people.
  std::string toText() const;
};

// truth and predicted have equal length; values in [0, classNames.size()).
ClassificationReport scoreClassification(const std::vector<std::int64_t>& truth,
                                         const std::vector<std::int64_t>& predicted,
                                         const std::vector<std::string>& classNames);

}  // namespace winnow::training
