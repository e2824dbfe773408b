// The run folder a model plugin's train writes (its "run_dir"), its names declared once: the
// torch_classifier plugin (ml/torch_training) writes them; winnow reads them through one reader
// (core/pipeline training/run_folder.hpp: the learning-curve and confusion-matrix PNGs, the
// workbench's Training panel). A third-party model plugin that writes these files gets the same plots
// and panel. Header-only and C++17.
//
//   metrics.json  {"epochs": [{"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"
//                  (null without a val split), ...}], "best_epoch", "early_stopping_metric"}
//   report.json   {"test": {"class_names", "confusion_matrix" (rows: true class, columns: predicted),
//                  "accuracy", "macro_avg": {"f1", ...}, "predictions": [{"sample_id", "true",
//                  "predicted"}, ...]}, ...}
#pragma once

namespace winnow::sdk::run_folder {

inline constexpr const char* kMetricsJson = "metrics.json";
inline constexpr const char* kMetricsCsv = "metrics.csv";
inline constexpr const char* kReportJson = "report.json";
inline constexpr const char* kModelFile = "model.h5";
inline constexpr const char* kLearningCurvesPng = "learning_curves.png";
inline constexpr const char* kConfusionMatrixPng = "confusion_matrix.png";

}  // namespace winnow::sdk::run_folder
