// A training run folder as the training panel reads it. Read-only and tolerant: the training
// module writes metrics.json (per-epoch losses and accuracies) and report.json (class names,
// confusion matrix, per-sample test predictions); missing files or keys leave parts empty
// rather than failing, and the panel says what is missing.
//
// Accepted forms (first key found wins):
//   metrics.json: [ {...}, ... ] or {"epochs": [ {...}, ... ]}; per epoch "epoch",
//                 "train_loss", "val_loss", "train_accuracy"|"train_acc", "val_accuracy"|"val_acc"
//   report.json:  each of these at the top or under "test" (the training module writes
//                 {"test": {"class_names", "confusion_matrix", "accuracy", ...}}):
//                 "class_names"|"classes"; "confusion_matrix" (rows: true class, columns:
//                 predicted); "predictions"|"test_predictions": [{"sample_id",
//                 "true"|"label"|"true_index", "predicted"|"predicted_index"}] with class names
//                 or indices (optional: without them a confusion cell cannot open its samples)
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow::workbench {

struct EpochMetrics {
  int epoch = 0;
  std::optional<double> trainLoss, valLoss, trainAccuracy, valAccuracy;
};

struct SamplePrediction {
  std::int64_t sampleId = 0;
  int trueClass = -1;       // index into classNames
  int predictedClass = -1;
};

struct TrainingRun {
  std::filesystem::path folder;
  std::vector<EpochMetrics> epochs;
  std::vector<std::string> classNames;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  std::vector<SamplePrediction> predictions;
  std::vector<std::string> problems;  // one line per missing or unreadable part
};

// Fails only when the folder does not exist; otherwise reads what is there.
Result<TrainingRun> loadTrainingRun(const std::filesystem::path& folder);

// Run folders (those holding metrics.json or report.json) directly under <project>/runs, sorted.
std::vector<std::filesystem::path> listTrainingRuns(const std::filesystem::path& projectDir);

// Sample ids whose true class is row and predicted class is column, ascending.
std::vector<std::int64_t> samplesInCell(const TrainingRun& run, int trueClass, int predictedClass);

}  // namespace winnow::workbench
