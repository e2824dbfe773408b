// The one reader of a training run folder (the files of sdk/include/winnow/sdk/run_folder.hpp):
// what `winnow train` draws its PNGs from and what the workbench's Training panel shows.
// Tolerant: missing files or keys leave parts empty rather than failing, and `problems` says what
// is missing, one line each.
//
// Accepted forms (first key found wins):
//   metrics.json: [ {...}, ... ] or {"epochs": [ {...}, ... ]}; per epoch "epoch",
//                 "train_loss", "val_loss", "train_accuracy"|"train_acc", "val_accuracy"|"val_acc"
//                 (null: not measured, e.g. without a val split)
//   report.json:  each of these at the top or under "test" (torch_classifier writes
//                 {"test": {"class_names", "confusion_matrix", "accuracy", "macro_avg", ...}}):
//                 "class_names"|"classes"; "confusion_matrix" (rows: true class, columns:
//                 predicted); "accuracy"; "macro_avg": {"f1"}; "predictions"|"test_predictions":
//                 [{"sample_id", "true"|"label"|"true_index", "predicted"|"predicted_index"}] with
//                 class names or indices (optional: without them a confusion cell cannot open its
//                 samples)
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow::training {

struct RunFolderEpoch {
  int epoch = 0;
  std::optional<double> trainLoss, valLoss, trainAccuracy, valAccuracy;
};

struct RunFolderPrediction {
  std::int64_t sampleId = 0;
  int trueClass = -1;  // index into classNames
  int predictedClass = -1;
};

struct RunFolder {
  std::filesystem::path folder;
  bool hasMetrics = false;  // metrics.json read, with a list of epochs
  bool hasReport = false;   // report.json read
  std::vector<RunFolderEpoch> epochs;
  std::vector<std::string> classNames;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  std::optional<double> testAccuracy, testMacroF1;
  std::vector<RunFolderPrediction> predictions;
  std::vector<std::string> problems;  // one line per missing or unreadable part
};

// Fails only when the folder does not exist; otherwise reads what is there.
Result<RunFolder> readRunFolder(const std::filesystem::path& folder);

// True when the folder holds metrics.json or report.json.
bool looksLikeRunFolder(const std::filesystem::path& folder);

}  // namespace winnow::training
