// Haar cascade face detection with a rotation sweep. Thread safety: one HaarDetector per thread
// (cv::CascadeClassifier is not safe to share).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include <string>
#include <vector>

namespace haar {

struct HaarParams {
  std::string cascadePath;
  double scaleFactor = 1.1;
  int minNeighbors = 5;
  double minFaceFraction = 0.08;
  int maxSide = 640;
  double rotationStepDegrees = 15.0;
  double rotationMaxDegrees = 45.0;
  double minScore = 0.0;
};

struct Face {
  cv::Rect2f box;       // axis-aligned, in the input image's pixels
  float score = 0.0F;   // 0..1: detection strength from the cascade's neighbour count
  float angleDegrees = 0.0F;  // rotation at which it was found (0 = upright)
};

class HaarDetector {
 public:
  explicit HaarDetector(HaarParams params);  // throws std::runtime_error if the cascade won't load
  // grey or colour 8-bit input; boxes in input coordinates, sorted by score then size.
  std::vector<Face> detect(const cv::Mat& image);

 private:
  std::vector<Face> detectUpright(const cv::Mat& grey, double minSide);
  HaarParams params_;
  cv::CascadeClassifier cascade_;
};

}  // namespace haar
