// Entry file: the torch_classifier model capability over ml/torch_training.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"
#include "winnow/training/trainer.hpp"

namespace {

namespace tr = winnow::training;

struct ClassifierInstance {
  nlohmann::json params;
  tr::TrainConfig config;
  const winnow_host_api* host = nullptr;
  std::unique_ptr<tr::Predictor> predictor;
};

std::string defaultFaceModelDir() {
  const char* env = std::getenv("WINNOW_FACEAPI_MODELS");
  return env != nullptr && *env != '\0' ? env : WINNOW_FACEAPI_DEFAULT_MODEL_DIR;
}

tr::TrainHooks hooksFor(const ClassifierInstance& instance, winnow_progress_sink progress) {
  tr::TrainHooks hooks;
  const winnow_host_api* host = instance.host;
  hooks.cancelled = [host] { return host != nullptr && host->is_cancelled != nullptr && host->is_cancelled(host->context) != 0; };
  hooks.log = [progress](const std::string& line) {
    if (progress.line != nullptr) progress.line(progress.context, line.c_str());
  };
  hooks.progress = [progress](std::int64_t done, std::int64_t total, const std::string& stage) {
    if (progress.report != nullptr) {
      progress.report(progress.context, static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total), stage.c_str());
    }
  };
  return hooks;
}

// Runs a long call through the SDK's one exception-to-status mapping; the library's own cancel
// exception becomes the SDK's.
template <class F>
winnow_status guardLong(winnow_error_sink error, F&& body) {
  return winnow::sdk::guardCall(error, [&]() -> winnow_status {
    try {
      return body();
    } catch (const tr::TrainingCancelled&) {
      throw winnow::sdk::Cancelled();
    }
  });
}

winnow_status create(const char* paramsJson, const winnow_host_api* host, void** out, winnow_error_sink error) {
  *out = nullptr;
  return guardLong(error, [&] {
    auto instance = std::make_unique<ClassifierInstance>();
    instance->params = nlohmann::json::parse(paramsJson != nullptr ? paramsJson : "{}");
    instance->config = tr::parseTrainConfig(instance->params);
    instance->host = host;
    *out = instance.release();
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* raw) { delete static_cast<ClassifierInstance*>(raw); }

uint32_t embeddingDim(void* /*raw*/) { return 0; }

winnow_status train(void* raw, const char* requestJson, winnow_progress_sink progress, winnow_text_sink result,
                    winnow_error_sink error) {
  return guardLong(error, [&] {
    auto& instance = *static_cast<ClassifierInstance*>(raw);
    const nlohmann::json request = nlohmann::json::parse(requestJson != nullptr ? requestJson : "{}");
    tr::TrainRequest trainRequest;
    trainRequest.dataset = request.at("dataset").get<std::string>();
    trainRequest.runDir = request.at("run_dir").get<std::string>();
    trainRequest.resume = request.value("resume", false);
    trainRequest.defaultFaceModelDir = defaultFaceModelDir();
    const nlohmann::json summary = tr::trainClassifier(instance.config, trainRequest, hooksFor(instance, progress));
    if (result.put != nullptr) result.put(result.context, summary.dump().c_str());
    return WINNOW_STATUS_OK;
  });
}

winnow_status evaluate(void* raw, const char* requestJson, winnow_progress_sink progress, winnow_text_sink result,
                       winnow_error_sink error) {
  return guardLong(error, [&] {
    auto& instance = *static_cast<ClassifierInstance*>(raw);
    const nlohmann::json request = nlohmann::json::parse(requestJson != nullptr ? requestJson : "{}");
    tr::EvaluateRequest evaluateRequest;
    evaluateRequest.model = request.at("model").get<std::string>();
    evaluateRequest.dataset = request.at("dataset").get<std::string>();
    evaluateRequest.outputDir = request.value("output_dir", std::string());
    evaluateRequest.split = request.value("split", std::string("all"));
    evaluateRequest.device = instance.config.device;
    evaluateRequest.batchSize = instance.config.batchSize;
    const nlohmann::json report = tr::evaluateClassifier(evaluateRequest, hooksFor(instance, progress));
    if (result.put != nullptr) result.put(result.context, report.dump().c_str());
    return WINNOW_STATUS_OK;
  });
}

winnow_status loadModel(void* raw, const char* modelPath, winnow_text_sink description, winnow_error_sink error) {
  return guardLong(error, [&] {
    auto& instance = *static_cast<ClassifierInstance*>(raw);
    instance.predictor = std::make_unique<tr::Predictor>(modelPath != nullptr ? modelPath : "", instance.config.device);
    const tr::ModelFile& model = instance.predictor->model();
    const nlohmann::json text = {{"class_names", model.classNames},
                                 {"architecture", model.spec.toJson()},
                                 {"preprocessing", model.preprocessing},
                                 {"training", model.training},
                                 {"temperature", model.temperature}};
    if (description.put != nullptr) description.put(description.context, text.dump().c_str());
    return WINNOW_STATUS_OK;
  });
}

winnow_status classify(void* raw, const winnow_image_view* images, uint32_t count, float* out, uint64_t outCount,
                       winnow_error_sink error) {
  return guardLong(error, [&] {
    auto& instance = *static_cast<ClassifierInstance*>(raw);
    if (!instance.predictor) {
      winnow::sdk::reportError(error, "torch_classifier: classify before load_model");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    const auto classes = static_cast<std::uint64_t>(instance.predictor->model().classNames.size());
    if (count > 0 && (images == nullptr || out == nullptr || outCount < classes * count)) {
      winnow::sdk::reportError(error, "torch_classifier: no images or an output buffer too small");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    for (uint32_t i = 0; i < count; ++i) {
      const winnow_image_view& view = images[i];
      if (!winnow::sdk::isValidView(&view)) {
        winnow::sdk::reportError(error, "torch_classifier: invalid image " + std::to_string(i));
        return WINNOW_STATUS_INVALID_ARGUMENT;
      }
      // Packed copy: rows may be padded.
      torch::Tensor image = torch::empty({view.height, view.width, view.channels}, torch::kUInt8);
      const auto rowBytes = static_cast<std::size_t>(view.width) * static_cast<std::size_t>(view.channels);
      for (int32_t y = 0; y < view.height; ++y) {
        std::memcpy(image.data_ptr<std::uint8_t>() + static_cast<std::size_t>(y) * rowBytes, view.data + y * view.stride_bytes, rowBytes);
      }
      const std::vector<float> p = instance.predictor->probabilities(image);
      std::memcpy(out + static_cast<std::size_t>(i) * classes, p.data(), sizeof(float) * classes);
    }
    return WINNOW_STATUS_OK;
  });
}

const winnow_model_ops kModelOps = {sizeof(winnow_model_ops), embeddingDim, nullptr, train, evaluate, loadModel, classify};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_MODEL, "torch_classifier", create, destroy, &kModelOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, 4,
                                  "winnow.model.torch", "0.1.0", 1, kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                                winnow_error_sink /*error*/) {
  return &kInfo;
}
