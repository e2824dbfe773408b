#include "winnow/workbench/training_run.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace winnow::workbench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<json> readJson(const fs::path& file, std::vector<std::string>& problems) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    problems.push_back(file.filename().string() + ": not in the run folder");
    return std::nullopt;
  }
  std::ifstream in(file);
  json document = json::parse(in, nullptr, false);
  if (document.is_discarded()) {
    problems.push_back(file.filename().string() + ": not valid JSON");
    return std::nullopt;
  }
  return document;
}

const json* firstKey(const json& object, std::initializer_list<const char*> keys) {
  if (!object.is_object()) return nullptr;
  for (const char* key : keys) {
    auto found = object.find(key);
    if (found != object.end() && !found->is_null()) return &*found;
  }
  return nullptr;
}

std::optional<double> number(const json& object, std::initializer_list<const char*> keys) {
  const json* value = firstKey(object, keys);
  if (value && value->is_number()) return value->get<double>();
  return std::nullopt;
}

int classOf(const json& value, const std::vector<std::string>& names) {
  if (value.is_number_integer()) {
    const int index = value.get<int>();
    return index >= 0 && static_cast<std::size_t>(index) < names.size() ? index : -1;
  }
  if (value.is_string()) {
    auto found = std::find(names.begin(), names.end(), value.get<std::string>());
    return found == names.end() ? -1 : static_cast<int>(found - names.begin());
  }
  return -1;
}

}  // namespace

Result<TrainingRun> loadTrainingRun(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return makeError(ErrorCode::NotFound, folder.string() + ": no such run folder");
  }
  TrainingRun run;
  run.folder = folder;
  if (auto metrics = readJson(folder / "metrics.json", run.problems)) {
    const json* epochs = metrics->is_array() ? &*metrics : firstKey(*metrics, {"epochs"});
    if (epochs && epochs->is_array()) {
      for (const json& entry : *epochs) {
        EpochMetrics epoch;
        epoch.epoch = static_cast<int>(number(entry, {"epoch"}).value_or(static_cast<double>(run.epochs.size() + 1)));
        epoch.trainLoss = number(entry, {"train_loss"});
        epoch.valLoss = number(entry, {"val_loss"});
        epoch.trainAccuracy = number(entry, {"train_accuracy", "train_acc"});
        epoch.valAccuracy = number(entry, {"val_accuracy", "val_acc"});
        run.epochs.push_back(epoch);
      }
    } else {
      run.problems.push_back("metrics.json: no list of epochs");
    }
  }
  if (auto report = readJson(folder / "report.json", run.problems)) {
    const json* test = firstKey(*report, {"test"});
    const json* names = firstKey(*report, {"class_names", "classes"});
    if (!names && test) names = firstKey(*test, {"class_names", "classes"});
    if (names && names->is_array()) {
      for (const json& name : *names) run.classNames.push_back(name.is_string() ? name.get<std::string>() : name.dump());
    }
    const json* matrix = firstKey(*report, {"confusion_matrix"});
    if (!matrix && test) matrix = firstKey(*test, {"confusion_matrix"});
    if (matrix && matrix->is_array()) {
      for (const json& row : *matrix) {
        std::vector<std::int64_t> counts;
        if (row.is_array()) {
          for (const json& cell : row) counts.push_back(cell.is_number() ? cell.get<std::int64_t>() : 0);
        }
        run.confusion.push_back(std::move(counts));
      }
    } else {
      run.problems.push_back("report.json: no confusion_matrix");
    }
    const json* predictions = firstKey(*report, {"predictions", "test_predictions"});
    if (!predictions && test) predictions = firstKey(*test, {"predictions", "test_predictions"});
    if (predictions && predictions->is_array()) {
      for (const json& entry : *predictions) {
        const json* id = firstKey(entry, {"sample_id"});
        const json* truth = firstKey(entry, {"true", "label", "true_index"});
        const json* predicted = firstKey(entry, {"predicted", "predicted_index"});
        if (!id || !id->is_number_integer() || !truth || !predicted) continue;
        run.predictions.push_back({id->get<std::int64_t>(), classOf(*truth, run.classNames),
                                   classOf(*predicted, run.classNames)});
      }
    } else {
      run.problems.push_back("report.json: no per-sample predictions (confusion cells cannot open samples)");
    }
  }
  return run;
}

std::vector<fs::path> listTrainingRuns(const fs::path& projectDir) {
  std::vector<fs::path> runs;
  std::error_code ec;
  for (fs::directory_iterator it(projectDir / "runs", ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code inner;
    if (it->is_directory(inner) &&
        (fs::exists(it->path() / "metrics.json", inner) || fs::exists(it->path() / "report.json", inner))) {
      runs.push_back(it->path());
    }
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
