// Classification metrics from true and predicted class indices: accuracy, per-class precision,
// recall, F1 and support, macro and support-weighted averages, and the confusion matrix
// (rows = true class, columns = predicted). Classes without support or predictions count as 0 in
// the averages' terms the way scikit-learn's zero_division=0 does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::training {

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;
};

struct ClassificationReport {
  std::vector<std::string> classNames;
  std::int64_t count = 0;
  double accuracy = 0;
  std::vector<ClassScores> perClass;
  ClassScores macro, weighted;
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
