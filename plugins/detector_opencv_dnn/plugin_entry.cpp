// res10 SSD face detector through cv::dnn: mean-subtracted BGR 300x300 blob, DetectionOutput rows
// (image, class, confidence, x1, y1, x2, y2) in relative coordinates. Res10Ssd is the SDK's typed
// detector capability; the plugin's identity comes from its manifest (winnow_plugin_manifest.h).
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "winnow/sdk/detector_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

class Res10Ssd {
 public:
  Res10Ssd(const winnow::sdk::Params& params, const winnow_host_api* /*host*/) {
    std::string model = params.text("model", "");
    if (model.empty()) model = std::string(WINNOW_RES10_DEFAULT_DIR) + "/opencv_face_detector_uint8.pb";
    std::string config = params.text("config", "");
    if (config.empty()) config = (std::filesystem::path(model).parent_path() / "opencv_face_detector.pbtxt").string();
    for (const std::string& file : {model, config}) {
      if (!std::filesystem::is_regular_file(file)) {
        throw std::invalid_argument("res10_ssd: model file " + file + " not found");
      }
    }
    net_ = cv::dnn::readNetFromTensorflow(model, config);
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    inputSize_ = static_cast<int>(params.integer("input_size", inputSize_));
    minConfidence_ = static_cast<float>(params.number("min_confidence", minConfidence_));
    minFaceFraction_ = params.number("min_face_fraction", minFaceFraction_);
    if (const std::int64_t threads = params.integer("threads", 0); threads > 0) {
      cv::setNumThreads(static_cast<int>(threads));
    }
  }

  std::vector<winnow::sdk::FaceBox> detect(const winnow_image_view& input) {
    const cv::Mat image(input.height, input.width, CV_8UC(input.channels), const_cast<uint8_t*>(input.data),
                        static_cast<size_t>(input.stride_bytes));
    cv::Mat bgr;
    switch (input.channels) {
      case 1: cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR); break;
      case 4: cv::cvtColor(image, bgr, cv::COLOR_RGBA2BGR); break;
      default: cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR); break;
    }
    const cv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0, cv::Size(inputSize_, inputSize_),
                                                cv::Scalar(104.0, 177.0, 123.0), false, false);
    net_.setInput(blob);
    const cv::Mat result = net_.forward();  // [1, 1, N, 7]
    const cv::Mat rows(result.size[2], result.size[3], CV_32F, const_cast<float*>(result.ptr<float>()));
    const double minSide = minFaceFraction_ * std::min(input.width, input.height);
    std::vector<winnow::sdk::FaceBox> boxes;
    for (int i = 0; i < rows.rows; ++i) {
      const float confidence = rows.at<float>(i, 2);
      if (confidence < minConfidence_) {
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
      const float x1 = std::clamp(rows.at<float>(i, 3), 0.0F, 1.0F) * static_cast<float>(input.width);
      const float y1 = std::clamp(rows.at<float>(i, 4), 0.0F, 1.0F) * static_cast<float>(input.height);
      const float x2 = std::clamp(rows.at<float>(i, 5), 0.0F, 1.0F) * static_cast<float>(input.width);
      const float y2 = std::clamp(rows.at<float>(i, 6), 0.0F, 1.0F) * static_cast<float>(input.height);
      if (x2 <= x1 || y2 <= y1 || std::min(x2 - x1, y2 - y1) < minSide) {
        continue;
      }
      boxes.push_back({x1, y1, x2 - x1, y2 - y1, confidence, {}});
    }
    return boxes;
  }

 private:
  cv::dnn::Net net_;
  int inputSize_ = 300;
  float minConfidence_ = 0.5F;
  double minFaceFraction_ = 0.0;
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
