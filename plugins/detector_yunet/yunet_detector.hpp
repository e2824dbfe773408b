// YuNet through cv::FaceDetectorYN (OpenCV 4.6 objdetect, 2022mar model). Not thread-safe: one
// instance per thread (the host makes one per detection thread).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include <array>
#include <string>
#include <vector>

namespace winnow::yunet {

struct YunetOptions {
  std::string modelPath;       // ONNX file (must exist)
  float scoreThreshold = 0.6F;
  float nmsThreshold = 0.3F;
  int topK = 5000;
  int maxInputSide = 640;      // longer side the network sees; 0 = as given
  // Longer side of a second, coarse pass for faces too large for the first (0 = none); it runs
  // only when the first pass sees more than 1.5 times this.
  int coarseInputSide = 320;
  double minFaceFraction = 0.0;
};

struct YunetFace {
  float x = 0, y = 0, width = 0, height = 0;  // pixels of the image given to detect()
  float score = 0;
  // Right eye, left eye, nose tip, right mouth corner, left mouth corner (the subject's right,
  // i.e. the image's left for a frontal face), as x, y pairs in the same pixels.
  std::array<float, 10> landmarks{};
};

// Where the model shipped with the plugin lies: models/face_detection_yunet_2022mar.onnx beside
// the plugin library (build tree and install tree alike); empty when the library path is unknown.
std::string defaultModelPath();

class YunetDetector {
 public:
  explicit YunetDetector(const YunetOptions& options);  // throws cv::Exception on a bad model

  // Faces in a BGR 8-bit image, highest score first. Images larger than maxInputSide are reduced
  // for the network and the faces mapped back; boxes are clipped to the image, landmarks are not.
  std::vector<YunetFace> detect(const cv::Mat& bgr);

 private:
  // One pass with the image reduced to at most longerSide (0: as given), in bgr's pixels, unclipped.
  std::vector<YunetFace> detectAt(const cv::Mat& bgr, int longerSide);

  YunetOptions options_;
  cv::Ptr<cv::FaceDetectorYN> net_;
};

}  // namespace winnow::yunet
