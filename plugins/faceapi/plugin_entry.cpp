// Entry file of winnow.faceapi: FaceDetector (face_detector.cpp) as two detector capabilities and
// faceDescriptors (face_descriptors.cpp) as a model capability, over the LibTorch ports in
// faceapi_nets; the SDK's trampolines (winnow/sdk/detector_capability.hpp, model_capability.hpp)
// make the C table and map exceptions onto statuses.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "face_descriptors.hpp"
#include "face_detector.hpp"
#include "winnow/faceapi/nets.hpp"
#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/model_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

namespace fa = winnow::faceapi;
namespace fp = winnow::faceapi_plugin;
using winnow::sdk::FaceBox;
using winnow::sdk::Params;

std::filesystem::path modelDirFrom(const Params& params) {
  std::string dir = params.text("model_dir", "");
  if (dir.empty()) {
    const char* env = std::getenv("WINNOW_FACEAPI_MODELS");
    dir = env != nullptr && *env != '\0' ? env : WINNOW_FACEAPI_DEFAULT_MODEL_DIR;
  }
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error("face-api model folder " + dir +
                             " not found (set model_dir or WINNOW_FACEAPI_MODELS; scripts/setup.sh installs it)");
  }
  return dir;
}

void applyThreads(const Params& params) {
  const auto threads = static_cast<int>(params.integer("threads", 0));
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

torch::Device deviceFrom(const Params& params) { return fa::parseDevice(params.text("device", "auto")); }

// "faceapi_ssd": SSD-MobileNetV1 boxes, with landmarks unless "landmarks" is false.
fp::FaceDetector ssdDetectorFrom(const Params& params) {
  applyThreads(params);
  const fa::ModelDir models{modelDirFrom(params)};
  const torch::Device device = deviceFrom(params);
  auto ssd = std::make_unique<fa::SsdMobilenetV1>(models.ssd(), device);
  std::unique_ptr<fa::FaceLandmark68Net> landmarkNet;
  if (params.boolean("landmarks", true)) {
    landmarkNet = std::make_unique<fa::FaceLandmark68Net>(models.landmarks(), device);
  }
  fp::FaceDetectorOptions options;
  options.minConfidence = static_cast<float>(params.number("min_confidence", options.minConfidence));
  options.maxResults = static_cast<int>(params.integer("max_results", options.maxResults));
  options.iouThreshold = static_cast<float>(params.number("iou_threshold", options.iouThreshold));
  options.minFaceFraction = params.number("min_face_fraction", options.minFaceFraction);
  return fp::FaceDetector(std::move(ssd), std::move(landmarkNet), options);
}

// "faceapi_whole_face": the picture is one face crop; its landmarks.
fp::FaceDetector wholeFaceDetectorFrom(const Params& params) {
  applyThreads(params);
  const fa::ModelDir models{modelDirFrom(params)};
  return fp::FaceDetector(nullptr, std::make_unique<fa::FaceLandmark68Net>(models.landmarks(), deviceFrom(params)),
                          fp::FaceDetectorOptions{});
}

// Both detector capabilities word their refusals "faceapi_ssd: ...".
class FaceApiDetector {
 public:
  static constexpr const char* kName = "faceapi_ssd";

  std::vector<FaceBox> detect(const winnow_image_view& input) { return detector_.detect(input); }

 protected:
  explicit FaceApiDetector(fp::FaceDetector detector) : detector_(std::move(detector)) {}

 private:
  fp::FaceDetector detector_;
};

class SsdDetector : public FaceApiDetector {
 public:
  SsdDetector(const Params& params, const winnow_host_api* /*host*/) : FaceApiDetector(ssdDetectorFrom(params)) {}
};

class WholeFaceDetector : public FaceApiDetector {
 public:
  WholeFaceDetector(const Params& params, const winnow_host_api* /*host*/)
      : FaceApiDetector(wholeFaceDetectorFrom(params)) {}
};

class FaceDescriptors {
 public:
  static constexpr const char* kName = "faceapi_recognition";

  FaceDescriptors(const Params& params, const winnow_host_api* /*host*/) {
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    net_ = std::make_unique<fa::FaceRecognitionNet>(models.recognition(), deviceFrom(params));
  }

  std::uint32_t embeddingDim() const { return fp::kFaceDescriptorDim; }

  std::vector<std::vector<float>> embed(const std::vector<winnow_image_view>& images) {
    return fp::faceDescriptors(*net_, images);
  }

 private:
  std::unique_ptr<fa::FaceRecognitionNet> net_;
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::detectorCapability<SsdDetector>(WINNOW_MANIFEST_CAPABILITY_0_ID),
    winnow::sdk::detectorCapability<WholeFaceDetector>(WINNOW_MANIFEST_CAPABILITY_1_ID),
    winnow::sdk::modelCapability<FaceDescriptors>(WINNOW_MANIFEST_CAPABILITY_2_ID),
};
const winnow_plugin_info kInfo =
    winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION, WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
