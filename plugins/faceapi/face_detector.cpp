#include "face_detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "packed_rgb.hpp"

namespace winnow::faceapi_plugin {

namespace fa = winnow::faceapi;
using sdk::FaceBox;

FaceDetector::FaceDetector(std::unique_ptr<fa::SsdMobilenetV1> ssd, std::unique_ptr<fa::FaceLandmark68Net> landmarkNet,
                           const FaceDetectorOptions& options)
    : ssd_(std::move(ssd)), landmarkNet_(std::move(landmarkNet)), options_(options) {}

std::vector<FaceBox> FaceDetector::detect(const winnow_image_view& input) {
  const std::vector<std::uint8_t> rgb = packedRgb(input);
  const fa::RgbImage image{rgb.data(), input.width, input.height, static_cast<std::int64_t>(input.width) * 3};
  std::vector<fa::Detection> faces;
  if (ssd_) {
    faces = ssd_->detect(image, options_.minConfidence, options_.maxResults, options_.iouThreshold);
  } else {  // the image is one face crop already
    faces.push_back(fa::Detection{0.0F, 0.0F, static_cast<float>(input.width), static_cast<float>(input.height), 1.0F});
  }
  const double minSide = options_.minFaceFraction * std::min(input.width, input.height);
  std::vector<FaceBox> kept;
  for (const fa::Detection& d : faces) {
    FaceBox box;
    box.x = d.x;
    box.y = d.y;
    box.width = std::min(d.x + d.width, static_cast<float>(input.width)) - d.x;
    box.height = std::min(d.y + d.height, static_cast<float>(input.height)) - d.y;
    box.score = d.score;
    if (box.width > 0 && box.height > 0 && std::min(box.width, box.height) >= minSide) {
      kept.push_back(std::move(box));
    }
  }
  if (landmarkNet_ && !kept.empty()) addLandmarks(rgb, input, kept);
  return kept;
}

void FaceDetector::addLandmarks(const std::vector<std::uint8_t>& rgb, const winnow_image_view& input,
                                std::vector<FaceBox>& boxes) const {
  std::vector<fa::RgbImage> crops;
  std::vector<std::pair<int, int>> origins;
  std::vector<size_t> owners;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const int x = static_cast<int>(std::floor(std::max(boxes[i].x, 0.0F)));
    const int y = static_cast<int>(std::floor(std::max(boxes[i].y, 0.0F)));
    const int right = static_cast<int>(std::floor(boxes[i].x + boxes[i].width));
    const int bottom = static_cast<int>(std::floor(boxes[i].y + boxes[i].height));
    const int w = std::min(right, input.width) - x;
    const int h = std::min(bottom, input.height) - y;
    if (w <= 0 || h <= 0) {
      continue;
    }
    crops.push_back(fa::RgbImage{rgb.data() + (static_cast<size_t>(y) * input.width + x) * 3, w, h,
                                 static_cast<std::int64_t>(input.width) * 3});
    origins.emplace_back(x, y);
    owners.push_back(i);
  }
  const auto points = landmarkNet_->landmarks(crops);
  for (size_t c = 0; c < points.size(); ++c) {
    std::vector<float>& out = boxes[owners[c]].landmarks;
    out.resize(136);
    for (size_t p = 0; p < 68; ++p) {
      out[2 * p] = points[c][2 * p] + static_cast<float>(origins[c].first);
      out[2 * p + 1] = points[c][2 * p + 1] + static_cast<float>(origins[c].second);
    }
  }
}

}  // namespace winnow::faceapi_plugin
