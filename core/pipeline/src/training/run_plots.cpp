#include <algorithm>
#include <cmath>
#include <fstream>

#include "winnow/plot/charts.hpp"
#include "winnow/training/model_training.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

Result<nlohmann::json> readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return makeError(ErrorCode::Io, path.string() + ": cannot read");
  nlohmann::json document = nlohmann::json::parse(in, nullptr, false);
  if (document.is_discarded()) return makeError(ErrorCode::Decode, path.string() + ": not JSON");
  return document;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

Status writeConfusionMatrixPng(const fs::path& path, const std::vector<std::string>& classNames,
                               const std::vector<std::vector<std::int64_t>>& confusion, const std::string& title) {
  return plot::writeConfusionMatrixPng(path, classNames, confusion, title);
}

Result<std::vector<fs::path>> writeRunPlots(const fs::path& runDir) {
  std::vector<fs::path> written;
  auto metrics = readJson(runDir / "metrics.json");
  if (!metrics) return metrics.error();
  std::vector<double> epochs, trainLoss, valLoss, trainAccuracy, valAccuracy;
  for (const auto& m : (*metrics)["epochs"]) {
    epochs.push_back(m.at("epoch").get<double>());
    trainLoss.push_back(m.at("train_loss").get<double>());
    trainAccuracy.push_back(m.at("train_accuracy").get<double>());
    // null without a val split: the panel then shows the train curve only.
    if (!m.at("val_loss").is_null()) valLoss.push_back(m.at("val_loss").get<double>());
    if (!m.at("val_accuracy").is_null()) valAccuracy.push_back(m.at("val_accuracy").get<double>());
  }
  // Train and val in the same colours in both panels; epochs on whole-number ticks.
  auto panel = [&](const std::string& title, const std::vector<double>& train, const std::vector<double>& val,
                   bool unitRange) {
    plot::LinePanel p;
    p.title = title;
    p.xLabel = "epoch";
    p.integerX = true;
    p.series.push_back({"train", epochs, train, plot::paletteColour(0), true});
    if (!val.empty()) p.series.push_back({"val", std::vector<double>(epochs.begin(), epochs.begin() + static_cast<std::ptrdiff_t>(std::min(val.size(), epochs.size()))), val, plot::paletteColour(1), true});
    if (unitRange) {
      p.yMin = 0.0;
      p.yMax = 1.0;
    }
    return p;
  };
  const fs::path curvesPath = runDir / "learning_curves.png";
  if (Status status = plot::writeLineChartPng(curvesPath, {panel("loss", trainLoss, valLoss, false),
                                                           panel("accuracy", trainAccuracy, valAccuracy, true)});
      !status) {
    return status.error();
  }
  written.push_back(curvesPath);

  auto report = readJson(runDir / "report.json");
  if (report && report->contains("test")) {
    const auto& test = (*report)["test"];
    const fs::path matrixPath = runDir / "confusion_matrix.png";
    const std::string title = "test confusion matrix (accuracy " + fixed(test.value("accuracy", 0.0), 4) + ", macro F1 " +
                              fixed(test["macro_avg"].value("f1", 0.0), 4) + ")";
    if (Status status = writeConfusionMatrixPng(matrixPath, test.at("class_names").get<std::vector<std::string>>(),
                                                test.at("confusion_matrix").get<std::vector<std::vector<std::int64_t>>>(), title);
        !status) {
      return status.error();
    }
    written.push_back(matrixPath);
  }
  return written;
}

}  // namespace winnow::training
