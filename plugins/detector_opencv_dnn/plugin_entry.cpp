// Entry file of winnow.detector.opencv_dnn: Res10SsdDetector (res10_ssd_detector.cpp) as the SDK's
// typed detector capability; the plugin's identity comes from its manifest
// (winnow_plugin_manifest.h).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "res10_ssd_detector.hpp"
#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/opencv_view.hpp"
#include "winnow_plugin_manifest.h"

namespace {

namespace dnn = winnow::detector_opencv_dnn;

// The model files default to WINNOW_RES10_DEFAULT_DIR, the config to the model's folder; both must
// exist.
dnn::Res10SsdOptions res10Options(const winnow::sdk::Params& params) {
  dnn::Res10SsdOptions options;
  options.modelPath = params.text("model", "");
  if (options.modelPath.empty()) {
    options.modelPath = std::string(WINNOW_RES10_DEFAULT_DIR) + "/opencv_face_detector_uint8.pb";
  }
  options.configPath = params.text("config", "");
  if (options.configPath.empty()) {
    const std::filesystem::path modelFolder = std::filesystem::path(options.modelPath).parent_path();
    options.configPath = (modelFolder / "opencv_face_detector.pbtxt").string();
  }
  for (const std::string& file : {options.modelPath, options.configPath}) {
    if (!std::filesystem::is_regular_file(file)) {
      throw std::invalid_argument("res10_ssd: model file " + file + " not found");
    }
  }
  options.inputSize = static_cast<int>(params.integer("input_size", options.inputSize));
  options.minConfidence = static_cast<float>(params.number("min_confidence", options.minConfidence));
  options.minFaceFraction = params.number("min_face_fraction", options.minFaceFraction);
  if (const std::int64_t threads = params.integer("threads", 0); threads > 0) {
    cv::setNumThreads(static_cast<int>(threads));
  }
  return options;
}

class Res10Ssd {
 public:
  Res10Ssd(const winnow::sdk::Params& params, const winnow_host_api* /*host*/) : detector_(res10Options(params)) {}

  std::vector<winnow::sdk::FaceBox> detect(const winnow_image_view& input) {
    const cv::Mat bgr = winnow::sdk::bgrFromView(input);
    std::vector<winnow::sdk::FaceBox> boxes;
    for (const dnn::Res10Face& face : detector_.detect(bgr)) {
      boxes.push_back({face.x, face.y, face.width, face.height, face.score, {}});
    }
    return boxes;
  }

 private:
  dnn::Res10SsdDetector detector_;
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::detectorCapability<Res10Ssd>(WINNOW_MANIFEST_CAPABILITY_0_ID)};
const winnow_plugin_info kInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                         WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                              winnow_error_sink /*error*/) {
  return &kInfo;
}
