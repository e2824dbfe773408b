#include "winnow/training/classification_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace winnow::training {

ProportionInterval wilsonInterval(std::int64_t successes, std::int64_t trials, double z) {
  if (trials <= 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::clamp(centre - half, 0.0, 1.0), std::clamp(centre + half, 0.0, 1.0)};
}

ClassificationReport scoreClassification(const std::vector<std::int64_t>& truth,
                                         const std::vector<std::int64_t>& predicted,
                                         const std::vector<std::string>& classNames) {
  if (truth.size() != predicted.size()) throw std::invalid_argument("truth and predictions differ in length");
  const std::size_t k = classNames.size();
  ClassificationReport report;
  report.classNames = classNames;
  report.count = static_cast<std::int64_t>(truth.size());
  report.confusion.assign(k, std::vector<std::int64_t>(k, 0));
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto t = truth[i], p = predicted[i];
    if (t < 0 || p < 0 || static_cast<std::size_t>(t) >= k || static_cast<std::size_t>(p) >= k) {
      throw std::invalid_argument("class index outside [0, " + std::to_string(k) + ")");
    }
    ++report.confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
    if (t == p) ++correct;
  }
  report.correct = correct;
  report.accuracy = truth.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(truth.size());
  report.accuracyInterval = wilsonInterval(correct, report.count);
  report.perClass.resize(k);
  std::size_t present = 0;
  for (std::size_t c = 0; c < k; ++c) {
    std::int64_t support = 0;
    for (std::size_t p = 0; p < k; ++p) support += report.confusion[c][p];
    if (support > 0) {
      ++present;
    } else {
      report.absentClasses.push_back(classNames[c]);
    }
  }
  for (std::size_t c = 0; c < k; ++c) {
    std::int64_t predictedAs = 0;
    for (std::size_t t = 0; t < k; ++t) predictedAs += report.confusion[t][c];
    ClassScores& scores = report.perClass[c];
    for (std::size_t p = 0; p < k; ++p) scores.support += report.confusion[c][p];
    const auto hits = static_cast<double>(report.confusion[c][c]);
    scores.precision = predictedAs > 0 ? hits / static_cast<double>(predictedAs) : 0.0;
    scores.recall = scores.support > 0 ? hits / static_cast<double>(scores.support) : 0.0;
    scores.f1 = scores.precision + scores.recall > 0
                    ? 2 * scores.precision * scores.recall / (scores.precision + scores.recall)
                    : 0.0;
    if (scores.support > 0) {
      report.macro.precision += scores.precision / static_cast<double>(present);
      report.macro.recall += scores.recall / static_cast<double>(present);
      report.macro.f1 += scores.f1 / static_cast<double>(present);
    }
    if (report.count > 0) {
      const double share = static_cast<double>(scores.support) / static_cast<double>(report.count);
      report.weighted.precision += scores.precision * share;
      report.weighted.recall += scores.recall * share;
      report.weighted.f1 += scores.f1 * share;
    }
  }
  report.macro.support = report.weighted.support = report.count;
  return report;
}

nlohmann::json ClassificationReport::toJson() const {
  auto scores = [](const ClassScores& s) {
    return nlohmann::json{{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
  };
  nlohmann::json perClassJson = nlohmann::json::array();
  for (std::size_t c = 0; c < perClass.size(); ++c) {
    nlohmann::json entry = scores(perClass[c]);
    entry["class"] = classNames[c];
    perClassJson.push_back(entry);
  }
  nlohmann::json macroJson = scores(macro);
  macroJson["classes"] = static_cast<std::int64_t>(classNames.size() - absentClasses.size());
  macroJson["over"] = "classes present in the scored set (support > 0)";
  return {{"count", count},
          {"correct", correct},
          {"accuracy", accuracy},
          {"accuracy_ci95", {{"low", accuracyInterval.low}, {"high", accuracyInterval.high}, {"method", "wilson"}}},
          {"per_class", perClassJson},
          {"macro_avg", macroJson},
          {"weighted_avg", scores(weighted)},
          {"classes_absent", absentClasses},
          {"class_names", classNames},
          {"confusion_matrix", confusion}};
}

std::string ClassificationReport::toText() const {
  std::size_t width = 12;
  for (const auto& name : classNames) width = std::max(width, name.size());
  std::string text;
  char line[512];
  std::snprintf(line, sizeof line, "%*s %9s %9s %9s %9s\n\n", static_cast<int>(width), "", "precision", "recall", "f1-score", "support");
  text += line;
  for (std::size_t c = 0; c < perClass.size(); ++c) {
    std::snprintf(line, sizeof line, "%*s %9.4f %9.4f %9.4f %9lld%s\n", static_cast<int>(width), classNames[c].c_str(),
                  perClass[c].precision, perClass[c].recall, perClass[c].f1, static_cast<long long>(perClass[c].support),
                  perClass[c].support == 0 ? "  (absent: not in the macro average)" : "");
    text += line;
  }
  std::snprintf(line, sizeof line, "\n%*s %9s %9s %9.4f %9lld\n", static_cast<int>(width), "accuracy", "", "", accuracy,
                static_cast<long long>(count));
  text += line;
  for (const auto& [name, s] : {std::pair<const char*, const ClassScores&>{"macro avg", macro}, {"weighted avg", weighted}}) {
    std::snprintf(line, sizeof line, "%*s %9.4f %9.4f %9.4f %9lld\n", static_cast<int>(width), name, s.precision,
                  s.recall, s.f1, static_cast<long long>(s.support));
    text += line;
  }
  std::snprintf(line, sizeof line, "\naccuracy %.4f (%lld of %lld), 95%% interval (Wilson) %.4f to %.4f\n", accuracy,
                static_cast<long long>(correct), static_cast<long long>(count), accuracyInterval.low, accuracyInterval.high);
  text += line;
  if (!absentClasses.empty()) {
    text += "macro average over the " + std::to_string(classNames.size() - absentClasses.size()) + " classes present; absent:";
    for (const auto& name : absentClasses) text += " " + name;
    text += "\n";
  }
  return text;
}

}  // namespace winnow::training
