// Training, evaluation and prediction as core operations over a model plugin's level-4 ops
// (default capability: torch_classifier). The plugin does the numerical work on HDF5 datasets;
// core adds what needs the project machinery and OpenCV: learning-curve and confusion-matrix PNGs,
// evaluation on a plain class-folder tree (ingested and exported to a temporary dataset the way the
// model's training data was made, face crops included), and prediction on image files (decoded with
// EXIF orientation, the face detected and cropped first when the model was trained on face crops).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::training {

// params (schemas/steps/train.schema.json): dataset, run_dir, resume, model, model_params.
// Returns the plugin's run summary plus the PNGs written.
Result<nlohmann::json> trainModel(plugin::PluginHost& host, const nlohmann::json& params, job::JobContext& job);

// params (schemas/steps/evaluate.schema.json): model, data (a winnow .h5 dataset or a folder of
// class folders), output_dir, split, map (folder class renames), model_params.
Result<nlohmann::json> evaluateModel(plugin::PluginHost& host, const nlohmann::json& params, job::JobContext& job);

// One result per file, in order: {file, class, probability, probabilities{class: p}, face} or
// {file, error}; bad files never stop the others.
Result<nlohmann::json> predictFiles(plugin::PluginHost& host, const std::filesystem::path& modelPath,
                                    const std::vector<std::filesystem::path>& files, const nlohmann::json& modelParams,
                                    job::JobContext& job);

// Text of a classification report ("test" of a train or evaluate result): accuracy with its 95%
// Wilson interval, macro/weighted F1, per-class precision/recall/F1/support, absent classes.
std::string formatTestReport(const nlohmann::json& test);
// Baselines, source check, calibration and "WARNING: ..." lines of a train or evaluate result
// (the same sentences as its "warnings" array).
std::string formatReportNotes(const nlohmann::json& summary);

// learning_curves.png (train vs val loss and accuracy per epoch, from metrics.json) and
// confusion_matrix.png (from report.json) in runDir; returns the files written.
Result<std::vector<std::filesystem::path>> writeRunPlots(const std::filesystem::path& runDir);
// A confusion-matrix heatmap (rows = true class) with counts and row-normalised colours.
Status writeConfusionMatrixPng(const std::filesystem::path& path, const std::vector<std::string>& classNames,
                               const std::vector<std::vector<std::int64_t>>& confusion, const std::string& title);

}  // namespace winnow::training
