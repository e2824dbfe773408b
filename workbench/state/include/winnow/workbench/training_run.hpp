// A training run folder as the Training panel reads it: core's one run-folder reader
// (winnow/training/run_folder.hpp: tolerant, with the problems it met), plus the panel's own
// questions (which runs a project has, which samples a confusion cell holds).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "winnow/training/run_folder.hpp"
#include "winnow/util/result.hpp"

namespace winnow::workbench {

using EpochMetrics = training::RunFolderEpoch;
using SamplePrediction = training::RunFolderPrediction;
using TrainingRun = training::RunFolder;

// Fails only when the folder does not exist; otherwise reads what is there.
inline Result<TrainingRun> loadTrainingRun(const std::filesystem::path& folder) { return training::readRunFolder(folder); }

// Run folders (those holding metrics.json or report.json) directly under <project>/runs, sorted.
std::vector<std::filesystem::path> listTrainingRuns(const std::filesystem::path& projectDir);

// Sample ids whose true class is row and predicted class is column, ascending.
std::vector<std::int64_t> samplesInCell(const TrainingRun& run, int trueClass, int predictedClass);

}  // namespace winnow::workbench
