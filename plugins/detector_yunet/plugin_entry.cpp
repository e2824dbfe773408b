// Capability table of winnow.detector.yunet: "yunet", a detector with 5 landmarks per face. The
// detection itself is in yunet_detector.cpp.
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"
#include "yunet_detector.hpp"

namespace {

using winnow::yunet::YunetDetector;

winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                     winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    winnow::yunet::YunetOptions options;
    options.modelPath = params.value("model", std::string());
    if (options.modelPath.empty()) options.modelPath = winnow::yunet::defaultModelPath();
    if (!std::filesystem::is_regular_file(options.modelPath)) {
      winnow::sdk::reportError(error, "yunet: model file '" + options.modelPath +
                                          "' not found (it is installed beside the plugin in models/; "
                                          "set the parameter 'model' to use another copy)");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    options.scoreThreshold = params.value("score_threshold", 0.6F);
    options.nmsThreshold = params.value("nms_threshold", 0.3F);
    options.topK = params.value("top_k", 5000);
    options.maxInputSide = params.value("max_input_side", 640);
    options.coarseInputSide = params.value("coarse_input_side", 320);
    options.minFaceFraction = params.value("min_face_fraction", 0.0);
    if (const int threads = params.value("threads", 0); threads > 0) cv::setNumThreads(threads);
    *out = new YunetDetector(options);
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<YunetDetector*>(instance); }

winnow_status detect(void* raw, const winnow_image_view* input, winnow_box_sink output,
                     winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if (!winnow::sdk::isValidView(input) || output.put == nullptr) {
      winnow::sdk::reportError(error, "yunet: invalid input image");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    const cv::Mat image(input->height, input->width, CV_8UC(input->channels),
                        const_cast<uint8_t*>(input->data), static_cast<size_t>(input->stride_bytes));
    cv::Mat bgr;
    switch (input->channels) {
      case 1: cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR); break;
      case 4: cv::cvtColor(image, bgr, cv::COLOR_RGBA2BGR); break;
      default: cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR); break;
    }
    for (const auto& face : static_cast<YunetDetector*>(raw)->detect(bgr)) {
      winnow_face_box box{};
      box.struct_size = sizeof(winnow_face_box);
      box.x = face.x;
      box.y = face.y;
      box.width = face.width;
      box.height = face.height;
      box.score = face.score;
      box.landmark_count = 5;
      box.landmarks = face.landmarks.data();
      output.put(output.context, &box);
    }
    return WINNOW_STATUS_OK;
  });
}

const winnow_detector_ops kOps = {sizeof(winnow_detector_ops), detect};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, "yunet", create, destroy, &kOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, 1,
                                  "winnow.detector.yunet", "0.1.0", 1, kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
