#include "winnow/workbench/training_run.hpp"

#include <algorithm>
#include <system_error>

namespace winnow::workbench {

namespace fs = std::filesystem;

std::vector<fs::path> listTrainingRuns(const fs::path& projectDir) {
  std::vector<fs::path> runs;
  std::error_code ec;
  for (fs::directory_iterator it(projectDir / "runs", ec), end; !ec && it != end; it.increment(ec)) {
    if (training::looksLikeRunFolder(it->path())) runs.push_back(it->path());
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

std::vector<std::int64_t> samplesInCell(const TrainingRun& run, int trueClass, int predictedClass) {
  std::vector<std::int64_t> ids;
  for (const SamplePrediction& prediction : run.predictions) {
    if (prediction.trueClass == trueClass && prediction.predictedClass == predictedClass) ids.push_back(prediction.sampleId);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace winnow::workbench
