// Entry file of winnow.detector.yunet: YunetDetector (yunet_detector.cpp) as the SDK's typed
// detector capability, 5 landmarks per face; the plugin's identity comes from its manifest
// (winnow_plugin_manifest.h).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/opencv_view.hpp"
#include "winnow_plugin_manifest.h"
#include "yunet_detector.hpp"

namespace {

winnow::yunet::YunetOptions yunetOptions(const winnow::sdk::Params& params) {
  winnow::yunet::YunetOptions options;
  options.modelPath = params.text("model", "");
  if (options.modelPath.empty()) options.modelPath = winnow::yunet::defaultModelPath();
  if (!std::filesystem::is_regular_file(options.modelPath)) {
    throw std::invalid_argument("yunet: model file '" + options.modelPath +
                                "' not found (it is installed beside the plugin in models/; "
                                "set the parameter 'model' to use another copy)");
  }
  options.scoreThreshold = static_cast<float>(params.number("score_threshold", options.scoreThreshold));
  options.nmsThreshold = static_cast<float>(params.number("nms_threshold", options.nmsThreshold));
  options.topK = static_cast<int>(params.integer("top_k", options.topK));
  options.maxInputSide = static_cast<int>(params.integer("max_input_side", options.maxInputSide));
  options.coarseInputSide = static_cast<int>(params.integer("coarse_input_side", options.coarseInputSide));
  options.minFaceFraction = params.number("min_face_fraction", options.minFaceFraction);
  if (const std::int64_t threads = params.integer("threads", 0); threads > 0) {
    cv::setNumThreads(static_cast<int>(threads));
  }
  return options;
}

class Yunet {
 public:
  Yunet(const winnow::sdk::Params& params, const winnow_host_api* /*host*/) : detector_(yunetOptions(params)) {}

  std::vector<winnow::sdk::FaceBox> detect(const winnow_image_view& input) {
    const cv::Mat bgr = winnow::sdk::bgrFromView(input);
    std::vector<winnow::sdk::FaceBox> boxes;
    for (const winnow::yunet::YunetFace& face : detector_.detect(bgr)) {
      boxes.push_back({face.x, face.y, face.width, face.height, face.score,
                       std::vector<float>(face.landmarks.begin(), face.landmarks.end())});
    }
    return boxes;
  }

 private:
  winnow::yunet::YunetDetector detector_;
};

const winnow_capability kCapabilities[] = {winnow::sdk::detectorCapability<Yunet>(WINNOW_MANIFEST_CAPABILITY_0_ID)};
const winnow_plugin_info kInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                         WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                              winnow_error_sink /*error*/) {
  return &kInfo;
}
