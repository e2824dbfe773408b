#include <algorithm>
#include <cmath>

#include "winnow/plot/charts.hpp"
#include "winnow/sdk/run_folder.hpp"
#include "winnow/training/model_training.hpp"
#include "winnow/training/run_folder.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

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
  auto run = readRunFolder(runDir);
  if (!run) return run.error();
  if (!run->hasMetrics) {
    return makeError(ErrorCode::Io, (runDir / sdk::run_folder::kMetricsJson).string() + ": cannot read (" +
                                        run->problems.front() + ")");
  }
  std::vector<double> epochs, trainLoss, valLoss, trainAccuracy, valAccuracy;
  for (const RunFolderEpoch& epoch : run->epochs) {
    epochs.push_back(epoch.epoch);
    trainLoss.push_back(epoch.trainLoss.value_or(0.0));
    trainAccuracy.push_back(epoch.trainAccuracy.value_or(0.0));
    // null without a val split: the panel then shows the train curve only.
    if (epoch.valLoss) valLoss.push_back(*epoch.valLoss);
    if (epoch.valAccuracy) valAccuracy.push_back(*epoch.valAccuracy);
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
  const fs::path curvesPath = runDir / sdk::run_folder::kLearningCurvesPng;
  if (Status status = plot::writeLineChartPng(curvesPath, {panel("loss", trainLoss, valLoss, false),
                                                           panel("accuracy", trainAccuracy, valAccuracy, true)});
      !status) {
    return status.error();
  }
  written.push_back(curvesPath);

  if (run->hasReport && !run->confusion.empty()) {
    const fs::path matrixPath = runDir / sdk::run_folder::kConfusionMatrixPng;
    const std::string title = "test confusion matrix (accuracy " + fixed(run->testAccuracy.value_or(0.0), 4) +
                              ", macro F1 " + fixed(run->testMacroF1.value_or(0.0), 4) + ")";
    if (Status status = writeConfusionMatrixPng(matrixPath, run->classNames, run->confusion, title); !status) {
      return status.error();
    }
    written.push_back(matrixPath);
  }
  return written;
}

}  // namespace winnow::training
