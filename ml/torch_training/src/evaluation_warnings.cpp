#include "winnow/training/evaluation_warnings.hpp"

#include <cstdio>

namespace winnow::training {

namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c, d);
  return text;
}

}  // namespace

std::vector<std::string> evaluationWarnings(const EvaluationFacts& facts) {
  std::vector<std::string> warnings;
  const MajorityBaseline* strongest = nullptr;
  for (const auto& baseline : facts.majorityBaselines) {
    if (strongest == nullptr || baseline.accuracy > strongest->accuracy) strongest = &baseline;
  }
  if (strongest != nullptr && facts.count > 0 && facts.accuracyInterval.low <= strongest->accuracy) {
    warnings.push_back(format("accuracy %.4f (95%% interval %.4f to %.4f, %.0f images) is not clearly above always answering",
                              facts.accuracy, facts.accuracyInterval.low, facts.accuracyInterval.high,
                              static_cast<double>(facts.count)) +
                       " '" + strongest->className + "' (" + format("%.4f", strongest->accuracy) + ", " + strongest->what +
                       "): on these images the model has not shown it does better than a constant answer");
  }
  if (facts.otherSource && facts.ownTestAccuracy && facts.otherSourceAccuracy &&
      *facts.ownTestAccuracy - *facts.otherSourceAccuracy > kCrossSourceDropLimit) {
    warnings.push_back(format("accuracy %.4f on data from another source (", *facts.otherSourceAccuracy) + facts.otherSourceWhat +
                       format(") is %.1f points below the model's own test accuracy %.4f: what it learnt does not carry over "
                              "to this source (check how each source was made: `winnow audit`, `winnow report`)",
                              100.0 * (*facts.ownTestAccuracy - *facts.otherSourceAccuracy), *facts.ownTestAccuracy));
  }
  if (facts.untrainedProbeAccuracy && *facts.untrainedProbeAccuracy >= facts.accuracy - kProbeCloseLimit) {
    const bool above = *facts.untrainedProbeAccuracy > facts.accuracy;
    warnings.push_back(format("a linear probe on an untrained network's features reaches %.4f, ", *facts.untrainedProbeAccuracy) +
                       (above ? std::string("above") : format("within %.0f points of", 100.0 * kProbeCloseLimit)) +
                       format(" the trained model (%.4f): the labels are readable from low-level picture statistics "
                              "(framing, size, sharpness, compression), a shortcut sign; run `winnow audit` on the project",
                              facts.accuracy));
  }
  return warnings;
}

}  // namespace winnow::training
