#include "haar_detector.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace haar {

HaarDetector::HaarDetector(HaarParams params) : params_(std::move(params)) {
  if (!cascade_.load(params_.cascadePath)) {
    throw std::runtime_error("cannot load Haar cascade '" + params_.cascadePath + "'");
  }
}

std::vector<Face> HaarDetector::detectUpright(const cv::Mat& grey, double minSide) {
  std::vector<cv::Rect> boxes;
  std::vector<int> neighbours;
  const int minSize = std::max(12, static_cast<int>(minSide));
  cascade_.detectMultiScale(grey, boxes, neighbours, params_.scaleFactor, params_.minNeighbors,
                            0, cv::Size(minSize, minSize));
  std::vector<Face> faces;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    Face face;
    face.box = cv::Rect2f(boxes[i]);
    // Neighbour count (how many overlapping windows voted) mapped to 0..1: minNeighbors gives
    // 0.5, four times as many approaches 1.
    const double votes = i < neighbours.size() ? neighbours[i] : params_.minNeighbors;
    face.score = static_cast<float>(1.0 - std::exp(-votes * std::log(2.0) / params_.minNeighbors));
    faces.push_back(face);
  }
  return faces;
}

std::vector<Face> HaarDetector::detect(const cv::Mat& image) {
  cv::Mat grey;
  if (image.channels() == 1) {
    grey = image;
  } else if (image.channels() == 4) {
    cv::cvtColor(image, grey, cv::COLOR_RGBA2GRAY);
  } else {
    cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
  }
  const double scale =
      std::min(1.0, static_cast<double>(params_.maxSide) / std::max(grey.cols, grey.rows));
  if (scale < 1.0) {
    cv::resize(grey, grey, cv::Size(), scale, scale, cv::INTER_AREA);
  }
  cv::equalizeHist(grey, grey);
  const double minSide = params_.minFaceFraction * std::min(grey.cols, grey.rows);

  std::vector<Face> faces = detectUpright(grey, minSide);
  // Rotation sweep, only when nothing was found upright: +step, -step, +2 step, ...
  const cv::Point2f center(grey.cols / 2.0F, grey.rows / 2.0F);
  for (double magnitude = params_.rotationStepDegrees;
       faces.empty() && params_.rotationMaxDegrees > 0 && magnitude <= params_.rotationMaxDegrees + 1e-6;
       magnitude += params_.rotationStepDegrees) {
    for (double angle : {magnitude, -magnitude}) {
      const cv::Mat rotation = cv::getRotationMatrix2D(center, angle, 1.0);
      cv::Mat rotated;
      cv::warpAffine(grey, rotated, rotation, grey.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      cv::Mat inverse;
      cv::invertAffineTransform(rotation, inverse);
      for (Face face : detectUpright(rotated, minSide)) {
        // Map the rotated box's corners back and take their bounding box.
        std::vector<cv::Point2f> corners = {face.box.tl(), {face.box.x + face.box.width, face.box.y},
                                            face.box.br(), {face.box.x, face.box.y + face.box.height}};
        cv::transform(corners, corners, inverse);
        const cv::Rect2f back = cv::boundingRect(corners);
        // Keep the face's own size (the bounding box of a rotated square is larger).
        const cv::Point2f c(back.x + back.width / 2, back.y + back.height / 2);
        face.box = cv::Rect2f(c.x - face.box.width / 2, c.y - face.box.height / 2, face.box.width,
                              face.box.height);
        face.angleDegrees = static_cast<float>(angle);
        faces.push_back(face);
      }
      if (!faces.empty()) break;
    }
  }
  std::vector<Face> kept;
  for (Face& face : faces) {
    if (face.score < params_.minScore) continue;
    face.box = cv::Rect2f(face.box.x / scale, face.box.y / scale, face.box.width / scale,
                          face.box.height / scale);
    kept.push_back(face);
  }
  std::sort(kept.begin(), kept.end(), [](const Face& a, const Face& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.box.area() > b.box.area();
  });
  return kept;
}

}  // namespace haar
