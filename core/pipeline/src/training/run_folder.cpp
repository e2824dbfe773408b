#include "winnow/training/run_folder.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <system_error>

#include <nlohmann/json.hpp>

#include "winnow/sdk/run_folder.hpp"

namespace winnow::training {

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

// The first of `keys` at the top of the report, else under its "test" object.
const json* reportKey(const json& report, const json* test, std::initializer_list<const char*> keys) {
  const json* value = firstKey(report, keys);
  return value != nullptr || test == nullptr ? value : firstKey(*test, keys);
}

std::optional<double> number(const json* value) {
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

void readMetrics(const json& metrics, RunFolder& run) {
  const json* epochs = metrics.is_array() ? &metrics : firstKey(metrics, {"epochs"});
  if (!epochs || !epochs->is_array()) {
    run.problems.push_back(std::string(sdk::run_folder::kMetricsJson) + ": no list of epochs");
    return;
  }
  run.hasMetrics = true;
  for (const json& entry : *epochs) {
    RunFolderEpoch epoch;
    epoch.epoch = static_cast<int>(number(firstKey(entry, {"epoch"})).value_or(static_cast<double>(run.epochs.size() + 1)));
    epoch.trainLoss = number(firstKey(entry, {"train_loss"}));
    epoch.valLoss = number(firstKey(entry, {"val_loss"}));
    epoch.trainAccuracy = number(firstKey(entry, {"train_accuracy", "train_acc"}));
    epoch.valAccuracy = number(firstKey(entry, {"val_accuracy", "val_acc"}));
    run.epochs.push_back(epoch);
  }
}

void readReport(const json& report, RunFolder& run) {
  run.hasReport = true;
  const std::string file = sdk::run_folder::kReportJson;
  const json* test = firstKey(report, {"test"});
  if (const json* names = reportKey(report, test, {"class_names", "classes"}); names && names->is_array()) {
    for (const json& name : *names) run.classNames.push_back(name.is_string() ? name.get<std::string>() : name.dump());
  }
  if (const json* matrix = reportKey(report, test, {"confusion_matrix"}); matrix && matrix->is_array()) {
    for (const json& row : *matrix) {
      std::vector<std::int64_t> counts;
      if (row.is_array()) {
        for (const json& cell : row) counts.push_back(cell.is_number() ? cell.get<std::int64_t>() : 0);
      }
      run.confusion.push_back(std::move(counts));
    }
  } else {
    run.problems.push_back(file + ": no confusion_matrix");
  }
  run.testAccuracy = number(reportKey(report, test, {"accuracy"}));
  if (const json* macro = reportKey(report, test, {"macro_avg"})) run.testMacroF1 = number(firstKey(*macro, {"f1"}));
  const json* predictions = reportKey(report, test, {"predictions", "test_predictions"});
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
    run.problems.push_back(file + ": no per-sample predictions (confusion cells cannot open samples)");
  }
}

}  // namespace

Result<RunFolder> readRunFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return makeError(ErrorCode::NotFound, folder.string() + ": no such run folder");
  }
  RunFolder run;
  run.folder = folder;
  if (auto metrics = readJson(folder / sdk::run_folder::kMetricsJson, run.problems)) readMetrics(*metrics, run);
  if (auto report = readJson(folder / sdk::run_folder::kReportJson, run.problems)) readReport(*report, run);
  return run;
}

bool looksLikeRunFolder(const fs::path& folder) {
  std::error_code ec;
  return fs::is_directory(folder, ec) &&
         (fs::exists(folder / sdk::run_folder::kMetricsJson, ec) || fs::exists(folder / sdk::run_folder::kReportJson, ec));
}

}  // namespace winnow::training
