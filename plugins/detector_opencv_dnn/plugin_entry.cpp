// res10 SSD face detector through cv::dnn: mean-subtracted BGR 300x300 blob, DetectionOutput rows
// (image, class, confidence, x1, y1, x2, y2) in relative coordinates.
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

struct Res10 {
  cv::dnn::Net net;
  int inputSize = 300;
  float minConfidence = 0.5F;
  double minFaceFraction = 0.0;
};

winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                     winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    std::string model = params.value("model", std::string());
    if (model.empty()) {
      model = std::string(WINNOW_RES10_DEFAULT_DIR) + "/opencv_face_detector_uint8.pb";
    }
    std::string config = params.value("config", std::string());
    if (config.empty()) {
      config = (std::filesystem::path(model).parent_path() / "opencv_face_detector.pbtxt").string();
    }
    for (const std::string& file : {model, config}) {
      if (!std::filesystem::is_regular_file(file)) {
        winnow::sdk::reportError(error, "res10_ssd: model file " + file + " not found");
        return WINNOW_STATUS_INVALID_ARGUMENT;
      }
    }
    auto instance = std::make_unique<Res10>();
    instance->net = cv::dnn::readNetFromTensorflow(model, config);
    instance->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    instance->inputSize = params.value("input_size", 300);
    instance->minConfidence = params.value("min_confidence", 0.5F);
    instance->minFaceFraction = params.value("min_face_fraction", 0.0);
    if (const int threads = params.value("threads", 0); threads > 0) {
      cv::setNumThreads(threads);
    }
    *out = instance.release();
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<Res10*>(instance); }

winnow_status detect(void* raw, const winnow_image_view* input, winnow_box_sink output,
                     winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if (!winnow::sdk::isValidView(input) || output.put == nullptr) {
      winnow::sdk::reportError(error, "res10_ssd: invalid input image");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    auto& self = *static_cast<Res10*>(raw);
    const cv::Mat image(input->height, input->width, CV_8UC(input->channels),
                        const_cast<uint8_t*>(input->data), static_cast<size_t>(input->stride_bytes));
    cv::Mat bgr;
    switch (input->channels) {
      case 1: cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR); break;
      case 4: cv::cvtColor(image, bgr, cv::COLOR_RGBA2BGR); break;
      default: cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR); break;
    }
    const cv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0, cv::Size(self.inputSize, self.inputSize),
                                                cv::Scalar(104.0, 177.0, 123.0), false, false);
    self.net.setInput(blob);
    const cv::Mat result = self.net.forward();  // [1, 1, N, 7]
    const cv::Mat rows(result.size[2], result.size[3], CV_32F, const_cast<float*>(result.ptr<float>()));
    const double minSide = self.minFaceFraction * std::min(input->width, input->height);
    for (int i = 0; i < rows.rows; ++i) {
      const float confidence = rows.at<float>(i, 2);
      if (confidence < self.minConfidence) {
        continue;
      }
      // OpenCV 4.6 runs this graph with some rows far outside the frame (e.g. x2 = 1.2 for a 600 px
      // portrait, beside the true face): those are not faces. Slight overhang is clipped.
      bool outside = false;
      for (int c = 3; c <= 6; ++c) {
        outside = outside || rows.at<float>(i, c) < -0.1F || rows.at<float>(i, c) > 1.1F;
      }
      if (outside) {
        continue;
      }
      const float x1 = std::clamp(rows.at<float>(i, 3), 0.0F, 1.0F) * static_cast<float>(input->width);
      const float y1 = std::clamp(rows.at<float>(i, 4), 0.0F, 1.0F) * static_cast<float>(input->height);
      const float x2 = std::clamp(rows.at<float>(i, 5), 0.0F, 1.0F) * static_cast<float>(input->width);
      const float y2 = std::clamp(rows.at<float>(i, 6), 0.0F, 1.0F) * static_cast<float>(input->height);
      if (x2 <= x1 || y2 <= y1 || std::min(x2 - x1, y2 - y1) < minSide) {
        continue;
      }
      winnow_face_box box{};
      box.struct_size = sizeof(winnow_face_box);
      box.x = x1;
      box.y = y1;
      box.width = x2 - x1;
      box.height = y2 - y1;
      box.score = confidence;
      output.put(output.context, &box);
    }
    return WINNOW_STATUS_OK;
  });
}

const winnow_detector_ops kOps = {sizeof(winnow_detector_ops), detect};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, "res10_ssd", create, destroy, &kOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, 1,
                                  "winnow.detector.opencv_dnn", "0.1.0", 1, kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
