// Res10SsdDetector: OpenCV's res10 SSD face detector (TensorFlow graph, uint8) through cv::dnn:
// mean-subtracted BGR blob, DetectionOutput rows (image, class, confidence, x1, y1, x2, y2) in
// relative coordinates. Not thread-safe: one instance per thread (the host makes one per
// detection thread).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace winnow::detector_opencv_dnn {

struct Res10SsdOptions {
  std::string modelPath;   // opencv_face_detector_uint8.pb (must exist)
  std::string configPath;  // opencv_face_detector.pbtxt (must exist)
  int inputSize = 300;     // side of the square blob the network sees
  float minConfidence = 0.5F;
  double minFaceFraction = 0.0;  // faces whose shorter side is below this share of the image's go
};

struct Res10Face {
  float x = 0, y = 0, width = 0, height = 0;  // pixels of the image given to detect(), clipped to it
  float score = 0;                            // the network's confidence, 0..1
};

class Res10SsdDetector {
 public:
  explicit Res10SsdDetector(const Res10SsdOptions& options);  // throws cv::Exception on a bad model

  // Faces in a BGR 8-bit image, in the network's order.
  std::vector<Res10Face> detect(const cv::Mat& bgr);

 private:
  Res10SsdOptions options_;
  cv::dnn::Net net_;
};

}  // namespace winnow::detector_opencv_dnn
