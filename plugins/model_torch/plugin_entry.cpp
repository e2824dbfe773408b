// Entry file: the torch_classifier model capability over ml/torch_training; the SDK's trampolines
// (winnow/sdk/model_capability.hpp) make the C table and map exceptions onto statuses.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "winnow/sdk/model_capability.hpp"
#include "winnow/training/trainer.hpp"
#include "winnow_plugin_manifest.h"

namespace {

namespace tr = winnow::training;

std::string defaultFaceModelDir() {
  const char* env = std::getenv("WINNOW_FACEAPI_MODELS");
  return env != nullptr && *env != '\0' ? env : WINNOW_FACEAPI_DEFAULT_MODEL_DIR;
}

tr::TrainHooks hooksFor(const winnow::sdk::ProgressSink& progress) {
  tr::TrainHooks hooks;
  hooks.cancelled = [&progress] { return progress.cancelled(); };
  hooks.log = [&progress](const std::string& line) { progress.line(line); };
  hooks.progress = [&progress](std::int64_t done, std::int64_t total, const std::string& stage) {
    progress.report(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total), stage);
  };
  return hooks;
}

// Runs a long library call; the library's own cancel exception becomes the SDK's (CANCELLED).
template <class F>
nlohmann::json cancellable(F&& body) {
  try {
    return body();
  } catch (const tr::TrainingCancelled&) {
    throw winnow::sdk::Cancelled();
  }
}

// Trains and evaluates on winnow HDF5 datasets; classifies after loadModel. Not thread-safe.
class TorchClassifier {
 public:
  static constexpr const char* kName = "torch_classifier";

  TorchClassifier(const winnow::sdk::Params& params, const winnow_host_api* /*host*/)
      : config_(tr::parseTrainConfig(params.json())) {}

  nlohmann::json train(const winnow::sdk::TrainRequest& request, const winnow::sdk::ProgressSink& progress) {
    tr::TrainRequest trainRequest;
    trainRequest.dataset = request.dataset;
    trainRequest.runDir = request.runDir;
    trainRequest.resume = request.resume;
    trainRequest.defaultFaceModelDir = defaultFaceModelDir();
    return cancellable([&] { return tr::trainClassifier(config_, trainRequest, hooksFor(progress)); });
  }

  nlohmann::json evaluate(const winnow::sdk::EvaluateRequest& request, const winnow::sdk::ProgressSink& progress) {
    tr::EvaluateRequest evaluateRequest;
    evaluateRequest.model = request.model;
    evaluateRequest.dataset = request.dataset;
    evaluateRequest.outputDir = request.outputDir;
    evaluateRequest.split = request.split;
    evaluateRequest.device = config_.device;
    evaluateRequest.batchSize = config_.batchSize;
    return cancellable([&] { return tr::evaluateClassifier(evaluateRequest, hooksFor(progress)); });
  }

  nlohmann::json loadModel(const std::string& modelPath) {
    predictor_ = std::make_unique<tr::Predictor>(modelPath, config_.device);
    const tr::ModelFile& model = predictor_->model();
    return {{"class_names", model.classNames},
            {"architecture", model.spec.toJson()},
            {"preprocessing", model.preprocessing},
            {"training", model.training},
            {"temperature", model.temperature}};
  }

  std::vector<std::vector<float>> classify(const std::vector<winnow_image_view>& images) {
    if (!predictor_) throw std::invalid_argument(std::string(kName) + ": classify before load_model");
    std::vector<std::vector<float>> probabilities;
    probabilities.reserve(images.size());
    for (const winnow_image_view& view : images) {
      // Packed copy: rows may be padded.
      torch::Tensor image = torch::empty({view.height, view.width, view.channels}, torch::kUInt8);
      const auto rowBytes = static_cast<std::size_t>(view.width) * static_cast<std::size_t>(view.channels);
      for (int32_t y = 0; y < view.height; ++y) {
        std::memcpy(image.data_ptr<std::uint8_t>() + static_cast<std::size_t>(y) * rowBytes,
                    view.data + y * view.stride_bytes, rowBytes);
      }
      probabilities.push_back(predictor_->probabilities(image));
    }
    return probabilities;
  }

 private:
  tr::TrainConfig config_;
  std::unique_ptr<tr::Predictor> predictor_;  // set by loadModel
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::modelCapability<TorchClassifier>(WINNOW_MANIFEST_CAPABILITY_0_ID),
};
const winnow_plugin_info kInfo =
    winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION, WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                                winnow_error_sink /*error*/) {
  return &kInfo;
}
