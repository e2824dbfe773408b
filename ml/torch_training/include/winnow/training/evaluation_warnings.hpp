// The checks that make an evaluation speak up: each turns a reassuring-looking number into a
// warning when it does not mean what it seems to. Pure functions of the numbers, so they are
// tested on constructed inputs; trainer.cpp (training report) and evaluateClassifier fill the facts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "winnow/training/classification_metrics.hpp"

namespace winnow::training {

// A model more than this far (accuracy, 0..1) below its own test accuracy on another source's
// data has not carried over to that source.
inline constexpr double kCrossSourceDropLimit = 0.10;
// An untrained network's linear probe within this distance of the trained model means the labels
// are readable from low-level image statistics (how the pictures were made).
inline constexpr double kProbeCloseLimit = 0.05;

// A constant answer ("always say <className>") scored on the same rows as the model.
struct MajorityBaseline {
  std::string className;
  double accuracy = 0;
  std::string what;  // e.g. "the majority class of the training data"
};

struct EvaluationFacts {
  double accuracy = 0;
  std::int64_t count = 0;
  ProportionInterval accuracyInterval;             // 95% Wilson interval of accuracy
  std::vector<MajorityBaseline> majorityBaselines;  // each scored on the same rows
  // Cross-source check (evaluate only): set when the rows come from data the model was not
  // trained on; otherSourceAccuracy is the accuracy on those rows, ownTestAccuracy the accuracy
  // the model scored on its own test split.
  bool otherSource = false;
  std::string otherSourceWhat;                      // e.g. "sources not in the training data: ciplab"
  std::optional<double> otherSourceAccuracy;
  std::optional<double> ownTestAccuracy;
  // Linear probe on an untrained network's features, scored on the same rows.
  std::optional<double> untrainedProbeAccuracy;
};

// One sentence per warning (without a "WARNING:" prefix), in a fixed order: majority baseline,
// cross-source drop, untrained-probe closeness.
//  - majority: the interval's lower end is not above the best majority baseline's accuracy;
//  - cross-source: otherSource and ownTestAccuracy - otherSourceAccuracy > kCrossSourceDropLimit;
//  - probe: untrainedProbeAccuracy >= accuracy - kProbeCloseLimit (points to `winnow audit`).
std::vector<std::string> evaluationWarnings(const EvaluationFacts& facts);

}  // namespace winnow::training
