#include "res10_ssd_detector.hpp"

#include <algorithm>

namespace winnow::detector_opencv_dnn {

Res10SsdDetector::Res10SsdDetector(const Res10SsdOptions& options) : options_(options) {
  net_ = cv::dnn::readNetFromTensorflow(options_.modelPath, options_.configPath);
  net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
}

std::vector<Res10Face> Res10SsdDetector::detect(const cv::Mat& bgr) {
  const cv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0, cv::Size(options_.inputSize, options_.inputSize),
                                              cv::Scalar(104.0, 177.0, 123.0), false, false);
  net_.setInput(blob);
  const cv::Mat result = net_.forward();  // [1, 1, N, 7]
  const cv::Mat rows(result.size[2], result.size[3], CV_32F, const_cast<float*>(result.ptr<float>()));
  const double minSide = options_.minFaceFraction * std::min(bgr.cols, bgr.rows);
  std::vector<Res10Face> faces;
  for (int i = 0; i < rows.rows; ++i) {
    const float confidence = rows.at<float>(i, 2);
    if (confidence < options_.minConfidence) {
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
    const float x1 = std::clamp(rows.at<float>(i, 3), 0.0F, 1.0F) * static_cast<float>(bgr.cols);
    const float y1 = std::clamp(rows.at<float>(i, 4), 0.0F, 1.0F) * static_cast<float>(bgr.rows);
    const float x2 = std::clamp(rows.at<float>(i, 5), 0.0F, 1.0F) * static_cast<float>(bgr.cols);
    const float y2 = std::clamp(rows.at<float>(i, 6), 0.0F, 1.0F) * static_cast<float>(bgr.rows);
    if (x2 <= x1 || y2 <= y1 || std::min(x2 - x1, y2 - y1) < minSide) {
      continue;
    }
    faces.push_back({x1, y1, x2 - x1, y2 - y1, confidence});
  }
  return faces;
}

}  // namespace winnow::detector_opencv_dnn
