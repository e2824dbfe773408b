// Text renderings of train/evaluate results, shared by the CLI and the pipeline runner.
#include <cstdio>
#include <sstream>

#include "winnow/training/model_training.hpp"

namespace winnow::training {

namespace {

std::string formatNumber(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string numberOr(const nlohmann::json& value, int decimals = 4) {
  return value.is_number() ? formatNumber(value.get<double>(), decimals) : std::string("n/a");
}

}  // namespace

std::string formatTestReport(const nlohmann::json& test) {
  std::ostringstream out;
  out << "  accuracy " << formatNumber(test["accuracy"].get<double>(), 4);
  if (test.contains("accuracy_ci95")) {
    out << " (" << test.value("correct", 0) << " of " << test["count"] << ", 95% interval "
              << formatNumber(test["accuracy_ci95"]["low"].get<double>(), 4) << " to "
              << formatNumber(test["accuracy_ci95"]["high"].get<double>(), 4) << ", Wilson)";
  }
  out << ", macro F1 " << formatNumber(test["macro_avg"]["f1"].get<double>(), 4) << ", weighted F1 "
            << formatNumber(test["weighted_avg"]["f1"].get<double>(), 4) << " on " << test["count"] << " images\n";
  for (const auto& c : test["per_class"]) {
    out << "    " << c["class"].get<std::string>() << ": precision " << formatNumber(c["precision"].get<double>(), 3)
              << ", recall " << formatNumber(c["recall"].get<double>(), 3) << ", F1 " << formatNumber(c["f1"].get<double>(), 3)
              << ", support " << c["support"] << (c["support"].get<std::int64_t>() == 0 ? " (absent)" : "") << "\n";
  }
  if (test.contains("classes_absent") && !test["classes_absent"].empty()) {
    out << "  macro F1 over the " << test["macro_avg"].value("classes", 0) << " classes present; absent from these images:";
    for (const auto& name : test["classes_absent"]) out << " " << name.get<std::string>();
    out << "\n";
  }
  return out.str();
}

// Baselines, calibration and warnings of a train or evaluate summary; warnings as "WARNING: ..."
// lines (the same sentences as the --json "warnings" array).
std::string formatReportNotes(const nlohmann::json& summary) {
  std::ostringstream out;
  const nlohmann::json baselines = summary.value("baselines", nlohmann::json::object());  // items() must not outlive it
  for (const auto& [name, baseline] : baselines.items()) {
    out << "  baseline " << name;
    if (baseline.value("class", nlohmann::json()).is_string()) out << " '" << baseline["class"].get<std::string>() << "'";
    out << ": accuracy " << numberOr(baseline["accuracy"]);
    if (baseline.contains("what")) out << " (" << baseline["what"].get<std::string>() << ")";
    out << "\n";
  }
  if (summary.contains("source_check")) {
    const auto& check = summary["source_check"];
    out << "  source: ";
    if (check.value("other_source", false)) {
      out << check.value("rows_from_other_sources", 0) << " rows from data the model was not trained on";
      if (check.contains("other_sources") && !check["other_sources"].empty()) out << " (" << check["other_sources"].dump() << ")";
      out << ", accuracy on them " << numberOr(check["accuracy_on_other_sources"]) << " vs the model's own test accuracy "
                << numberOr(check["model_test_accuracy"]) << "\n";
    } else {
      out << "the model's training sources (model test accuracy " << numberOr(check["model_test_accuracy"]) << ")\n";
    }
    if (check.value("rows_in_model_train_split", 0) > 0) {
      out << "  note: " << check["rows_in_model_train_split"] << " of these rows are in the model's train split: "
                << "the score on them is not a test\n";
    }
  }
  if (summary.contains("calibration")) {
    const auto& calibration = summary["calibration"];
    out << "  calibration: ";
    if (calibration.value("fitted", false)) {
      out << "temperature " << formatNumber(calibration["temperature"].get<double>(), 3) << " (fitted on the "
                << calibration.value("fitted_on", std::string("val")) << " split)";
    } else {
      out << "none, temperature 1 (" << calibration.value("reason", std::string("not fitted")) << ")";
    }
    for (const char* split : {"val", "test", "evaluated"}) {
      if (!calibration.contains(split)) continue;
      const auto& entry = calibration[split];
      out << "\n    " << split << ": ECE (15 bins) " << numberOr(entry["before"]["ece"]);
      if (entry.contains("after")) out << " -> " << numberOr(entry["after"]["ece"]);
      out << ", median probability of correct predictions " << numberOr(entry["before"]["median_correct_probability"]);
      if (entry.contains("after")) out << " -> " << numberOr(entry["after"]["median_correct_probability"]);
    }
    out << "\n";
  }
  for (const auto& warning : summary.value("warnings", nlohmann::json::array())) {
    out << "WARNING: " << warning.get<std::string>() << "\n";
  }
  for (const auto& warning : summary.value("model_training_warnings", nlohmann::json::array())) {
    out << "  note: the model's training report warned: " << warning.get<std::string>() << "\n";
  }
  return out.str();
}

}  // namespace winnow::training
