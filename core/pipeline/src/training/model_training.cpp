#include "winnow/training/model_training.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "winnow/config/schema_files.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/plugin/model_trainer.hpp"
#include "winnow/sdk/run_folder.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

Result<plugin::ModelTrainer> makeTrainer(plugin::PluginHost& host, const nlohmann::json& params) {
  auto instance = host.create(params.at("model").get<std::string>(), params.value("model_params", nlohmann::json::object()));
  if (!instance) return instance.error();
  return plugin::ModelTrainer::wrap(std::move(*instance));
}

// `begun` names the stage on show ("" before the first report: then there is nothing to finish,
// as on the ranks of a data-parallel run other than rank 0, which report no progress).
plugin::ModelProgress progressFor(job::JobContext& job, const std::shared_ptr<std::string>& begun) {
  plugin::ModelProgress progress;
  progress.report = [&job, begun](std::uint64_t done, std::uint64_t total, const std::string& stage) {
    const std::string task = stage.substr(0, stage.find(' '));
    if (*begun != task) {
      if (!begun->empty()) job.finish();
      job.begin(task == "epoch" ? "train" : task, static_cast<std::int64_t>(total));
      *begun = task;
    }
    job.advance(static_cast<std::int64_t>(done) - job.done());
  };
  progress.line = [&job](const std::string& line) { job.info(line); };
  return progress;
}

// A folder of class folders -> a winnow HDF5 dataset made the way `model` was trained: same image
// size and fit, and the same face-crop recipe when there is one.
Result<fs::path> datasetFromFolder(plugin::PluginHost& host, const fs::path& folder, const nlohmann::json& map,
                                   const nlohmann::json& description, const fs::path& workDir, job::JobContext& job) {
  const fs::path projectDir = workDir / "project";
  std::error_code ec;
  fs::remove_all(projectDir, ec);
  auto store = store::ProjectStore::create(projectDir);
  if (!store) return store.error();
  // The ingest step as `winnow ingest` runs it (its options built in one place, defaults from its schema).
  nlohmann::json ingestParams = {{"path", folder.string()}, {"map", map}};
  if (!folder.filename().empty()) ingestParams["source"] = folder.filename().string();
  pipeline::StepRunOptions ingestOptions;
  ingestOptions.store = store->get();
  auto ingested = pipeline::runStep("ingest", ingestParams, job, ingestOptions);
  if (!ingested) return ingested.error();
  if (ingested->cancelled()) return makeError(ErrorCode::Cancelled, "cancelled");
  const nlohmann::json& preprocessing = description.at("preprocessing");
  exporting::ExportOptions exportOptions;
  exportOptions.capabilityId = "hdf5";
  exportOptions.params = {{"image_size", preprocessing.value("dataset_image_size", 128)},
                          {"fit", preprocessing.value("fit", std::string("letterbox"))}};
  exportOptions.output = workDir / "dataset.h5";
  const nlohmann::json& faceCrops = preprocessing.contains("face_crops") ? preprocessing["face_crops"] : nlohmann::json();
  if (faceCrops.is_object()) {
    const std::string detector = faceCrops.at("detector").get<std::string>();
    auto detected = faces::runDetect(**store, host, {{"detector", detector}, {"threads", 1}}, job);
    if (!detected) return detected.error();
    nlohmann::json cropParams = faceCrops.value("params", nlohmann::json::object());
    cropParams["detector"] = detector;
    auto cropped = faces::runCrops(**store, cropParams, job);
    if (!cropped) return cropped.error();
    exportOptions.faceCropsDetector = detector;
  }
  auto exported = exporting::exportDataset(**store, host, exportOptions, job);
  if (!exported) return exported.error();
  if (exported->cancelled) return makeError(ErrorCode::Cancelled, "cancelled");
  return exportOptions.output;
}

}  // namespace

Result<nlohmann::json> trainModel(plugin::PluginHost& host, const nlohmann::json& rawParams, job::JobContext& job) {
  auto params = config::resolveStepSchemaParams("train", rawParams);
  if (!params) return params.error();
  auto trainer = makeTrainer(host, *params);
  if (!trainer) return trainer.error();
  const fs::path runDir = (*params)["run_dir"].get<std::string>();
  const nlohmann::json request = {{"dataset", (*params)["dataset"]}, {"run_dir", runDir.string()}, {"resume", (*params)["resume"]}};
  const auto begun = std::make_shared<std::string>();
  auto summary = trainer->train(request, progressFor(job, begun));
  if (!begun->empty()) job.finish();
  if (!summary) return summary.error();
  // In a data-parallel run only rank 0 writes the run folder.
  if (summary->contains("distributed") && !(*summary)["distributed"].value("writes_run_folder", true)) return summary;
  auto plots = writeRunPlots(runDir);
  if (!plots) return plots.error();
  nlohmann::json pngs = nlohmann::json::array();
  for (const auto& path : *plots) pngs.push_back(path.string());
  (*summary)["plots"] = pngs;
  return summary;
}

Result<nlohmann::json> evaluateModel(plugin::PluginHost& host, const nlohmann::json& rawParams, job::JobContext& job) {
  auto params = config::resolveStepSchemaParams("evaluate", rawParams);
  if (!params) return params.error();
  auto trainer = makeTrainer(host, *params);
  if (!trainer) return trainer.error();
  const fs::path model = (*params)["model_file"].get<std::string>();
  auto description = trainer->loadModel(model.string());
  if (!description) return description.error();
  const fs::path data = (*params)["data"].get<std::string>();
  std::string outputDir = (*params)["output_dir"].get<std::string>();
  fs::path dataset = data;
  std::error_code ec;
  if (fs::is_directory(data, ec)) {
    fs::path workDir = outputDir.empty() ? fs::temp_directory_path() / ("winnow-evaluate-" + std::to_string(::getpid()))
                                         : fs::path(outputDir) / "dataset";
    fs::create_directories(workDir, ec);
    auto made = datasetFromFolder(host, data, (*params)["map"], *description, workDir, job);
    if (!made) return made.error();
    dataset = *made;
  }
  const nlohmann::json request = {{"model", model.string()},
                                  {"dataset", dataset.string()},
                                  {"output_dir", outputDir},
                                  {"split", (*params)["split"]}};
  const auto begun = std::make_shared<std::string>();
  auto report = trainer->evaluate(request, progressFor(job, begun));
  if (!begun->empty()) job.finish();
  if (!report) return report.error();
  (*report)["data"] = data.string();
  if (!outputDir.empty()) {
    const auto& test = (*report)["test"];
    const fs::path png = fs::path(outputDir) / sdk::run_folder::kConfusionMatrixPng;
    char title[160];
    std::snprintf(title, sizeof title, "%s (accuracy %.4f, macro F1 %.4f)", data.filename().c_str(), test.value("accuracy", 0.0),
                  test["macro_avg"].value("f1", 0.0));
    if (Status status = writeConfusionMatrixPng(png, test.at("class_names").get<std::vector<std::string>>(),
                                                test.at("confusion_matrix").get<std::vector<std::vector<std::int64_t>>>(), title);
        !status) {
      return status.error();
    }
    (*report)["plots"] = {png.string()};
  }
  return report;
}

Result<nlohmann::json> predictFiles(plugin::PluginHost& host, const fs::path& modelPath, const std::vector<fs::path>& files,
                                    const nlohmann::json& modelParams, job::JobContext& job) {
  auto trainer = makeTrainer(host, {{"model", "torch_classifier"}, {"model_params", modelParams}});
  if (!trainer) return trainer.error();
  auto description = trainer->loadModel(modelPath.string());
  if (!description) return description.error();
  const auto classNames = (*description)["class_names"].get<std::vector<std::string>>();
  const nlohmann::json& preprocessing = (*description)["preprocessing"];
  const nlohmann::json faceCrops = preprocessing.contains("face_crops") ? preprocessing["face_crops"] : nlohmann::json();
  // One detector for all files (face models): made once, its weights loaded once.
  std::optional<plugin::Detector> detector;
  if (faceCrops.is_object()) {
    auto made = host.createDetector(faceCrops.at("detector").get<std::string>(), nlohmann::json::object());
    if (!made) return made.error();
    detector.emplace(std::move(*made));
  }
  nlohmann::json results = nlohmann::json::array();
  job.begin("predict", static_cast<std::int64_t>(files.size()));
  for (const fs::path& file : files) {
    if (job.cancelled()) break;
    nlohmann::json entry = {{"file", file.string()}};
    auto fail = [&](const std::string& message) {
      entry["error"] = message;
      job.warn(message);
    };
    auto bytes = image::readFileBytes(file);
    auto decoded = bytes ? image::decodeImage(*bytes, file, image::ColorMode::Rgb) : Result<image::DecodedImage>(bytes.error());
    if (!decoded) {
      fail(decoded.error().message);
    } else {
      Image input = decoded->image;
      bool usable = true;
      if (faceCrops.is_object()) {
        const nlohmann::json cropParams = faceCrops.value("params", nlohmann::json::object());
        auto found = faces::detectFacesInFile(*detector, file, faceCrops.at("detector").get<std::string>(),
                                              cropParams.value("max_decode_side", 1600));
        if (!found) {
          fail(found.error().message);
          usable = false;
        } else {
          const nlohmann::json* best = nullptr;
          for (const auto& face : (*found)["faces"]) {
            if (face["score"].get<double>() < cropParams.value("min_score", 0.0)) continue;
            if (best == nullptr || face["width"].get<double>() * face["height"].get<double>() >
                                       (*best)["width"].get<double>() * (*best)["height"].get<double>()) {
              best = &face;
            }
          }
          if (best == nullptr) {
            fail(file.string() + ": no face found (the model was trained on face crops)");
            usable = false;
          } else {
            plugin::FaceBox box;
            box.x = (*best)["x"].get<float>();
            box.y = (*best)["y"].get<float>();
            box.width = (*best)["width"].get<float>();
            box.height = (*best)["height"].get<float>();
            box.score = (*best)["score"].get<float>();
            box.landmarks = (*best)["landmarks"].get<std::vector<float>>();
            const int size = cropParams.value("size", 224);
            const faces::CropGeometry geometry = faces::cropGeometry(box, cropParams.value("margin", 0.2), cropParams.value("square", true),
                                                                     cropParams.value("align", true),
                                                                     cropParams.value("box", std::string("detector")) == "landmarks");
            input = faces::cutCrop(decoded->image, geometry, size, size, cropParams.value("border", std::string("replicate")) == "replicate");
            entry["face"] = *best;
          }
        }
      }
      if (usable) {
        auto probabilities = trainer->classify({input});
        if (!probabilities) {
          fail(file.string() + ": " + probabilities.error().message);
        } else {
          const std::vector<float>& p = (*probabilities)[0];
          const auto top = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
          entry["class"] = classNames[top];
          entry["probability"] = p[top];
          nlohmann::json all = nlohmann::json::object();
          for (std::size_t c = 0; c < classNames.size(); ++c) all[classNames[c]] = p[c];
          entry["probabilities"] = all;
        }
      }
    }
    results.push_back(entry);
    job.advance();
  }
  job.finish();
  const nlohmann::json& training = (*description).value("training", nlohmann::json::object());
  const bool calibrated = training.contains("calibration") && training["calibration"].value("fitted", false);
  return nlohmann::json{{"model", modelPath.string()},
                        {"class_names", classNames},
                        {"results", results},
                        {"temperature", (*description).value("temperature", 1.0)},
                        {"calibrated", calibrated},
                        {"probability_meaning",
                         calibrated ? "softmax(logits / temperature), temperature fitted on the training run's validation split: "
                                      "among pictures like that split's, predictions given probability p were right about p of the "
                                      "time; not a measure of being right on pictures from another source"
                                    : "uncalibrated softmax (the model file has no fitted temperature): not a frequency of being right"},
                        {"cancelled", job.cancelled()}};
}

}  // namespace winnow::training
