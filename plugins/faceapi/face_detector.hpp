// FaceDetector: faces with face-api's networks: SSD-MobileNetV1 boxes, or the whole picture as one
// face (for sets that are face crops already), with face-api's 68 landmarks when the landmark net
// is loaded. Not thread-safe: one instance per thread (the host makes one per detection thread).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "winnow/faceapi/nets.hpp"
#include "winnow/sdk/detector_capability.hpp"

namespace winnow::faceapi_plugin {

struct FaceDetectorOptions {
  float minConfidence = 0.5F;    // SSD score threshold
  int maxResults = 100;          // SSD boxes kept after non-maximum suppression
  float iouThreshold = 0.5F;     // SSD non-maximum suppression
  double minFaceFraction = 0.0;  // boxes whose shorter side is below this share of the picture's go
};

class FaceDetector {
 public:
  // ssd null: the picture is one face crop; landmarkNet null: no landmarks. The SSD options apply
  // only with an SSD.
  FaceDetector(std::unique_ptr<faceapi::SsdMobilenetV1> ssd, std::unique_ptr<faceapi::FaceLandmark68Net> landmarkNet,
               const FaceDetectorOptions& options);

  // Faces in a valid view (grey, RGB or RGBA), boxes clipped to the picture (face-api lets the
  // bottom/right run into its square padding); 68 (x, y) landmarks per face in the picture's
  // pixels when the landmark net is loaded.
  std::vector<sdk::FaceBox> detect(const winnow_image_view& input);

 private:
  // face-api's extractFaceTensors: each box floored and clipped to the image, landmarks in the
  // image's pixels.
  void addLandmarks(const std::vector<std::uint8_t>& rgb, const winnow_image_view& input,
                    std::vector<sdk::FaceBox>& boxes) const;

  std::unique_ptr<faceapi::SsdMobilenetV1> ssd_;
  std::unique_ptr<faceapi::FaceLandmark68Net> landmarkNet_;
  FaceDetectorOptions options_;
};

}  // namespace winnow::faceapi_plugin
