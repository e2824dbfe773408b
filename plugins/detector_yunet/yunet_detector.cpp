#include "yunet_detector.hpp"

#include <dlfcn.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace winnow::yunet {

std::string defaultModelPath() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&defaultModelPath), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  const std::filesystem::path library = std::filesystem::absolute(info.dli_fname);
  return (library.parent_path() / "models" / "face_detection_yunet_2022mar.onnx").string();
}

YunetDetector::YunetDetector(const YunetOptions& options) : options_(options) {
  // The input size given here is replaced per image by setInputSize.
  net_ = cv::FaceDetectorYN::create(options_.modelPath, "", cv::Size(320, 320), options_.scoreThreshold,
                                    options_.nmsThreshold, options_.topK);
}

std::vector<YunetFace> YunetDetector::detectAt(const cv::Mat& bgr, int longerSide) {
  std::vector<YunetFace> faces;
  cv::Mat input = bgr;
  const int longer = std::max(bgr.cols, bgr.rows);
  if (longerSide > 0 && longer > longerSide) {
    const double scale = static_cast<double>(longerSide) / longer;
    cv::resize(bgr, input,
               cv::Size(std::max(16, static_cast<int>(std::lround(bgr.cols * scale))),
                        std::max(16, static_cast<int>(std::lround(bgr.rows * scale)))),
               0, 0, cv::INTER_AREA);
  }
  const double backX = static_cast<double>(bgr.cols) / input.cols;
  const double backY = static_cast<double>(bgr.rows) / input.rows;
  // The network's stride-2 stages need 64 pixels a side (measured with OpenCV 4.6: 100x60 and
  // 64x48 fail inside a pooling layer, which prints its error; 96x72 and 64x64 work): a smaller
  // picture is padded below/right with black, which moves no coordinate.
  constexpr int kMinimumSide = 64;
  if (input.cols < kMinimumSide || input.rows < kMinimumSide) {
    cv::Mat padded;
    cv::copyMakeBorder(input, padded, 0, std::max(0, kMinimumSide - input.rows), 0, std::max(0, kMinimumSide - input.cols),
                       cv::BORDER_CONSTANT, cv::Scalar::all(0));
    input = padded;
  }
  net_->setInputSize(input.size());
  cv::Mat rows;  // N x 15: x, y, w, h, 5 landmark pairs, score
  net_->detect(input, rows);
  for (int i = 0; i < rows.rows; ++i) {
    const float* r = rows.ptr<float>(i);
    YunetFace face;
    face.x = static_cast<float>(r[0] * backX);
    face.y = static_cast<float>(r[1] * backY);
    face.width = static_cast<float>(r[2] * backX);
    face.height = static_cast<float>(r[3] * backY);
    face.score = std::clamp(r[14], 0.0F, 1.0F);
    for (int k = 0; k < 5; ++k) {
      face.landmarks[2 * k] = static_cast<float>(r[4 + 2 * k] * backX);
      face.landmarks[2 * k + 1] = static_cast<float>(r[5 + 2 * k] * backY);
    }
    faces.push_back(face);
  }
  return faces;
}

namespace {

double overlap(const YunetFace& a, const YunetFace& b) {
  const double w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0.0;
}

}  // namespace

std::vector<YunetFace> YunetDetector::detect(const cv::Mat& bgr) {
  // No face fits in a few pixels, and the network's strided heads need some extent.
  if (bgr.cols < 16 || bgr.rows < 16) return {};
  const int longer = std::max(bgr.cols, bgr.rows);
  const int fineSide = options_.maxInputSide > 0 ? std::min(longer, options_.maxInputSide) : longer;
  std::vector<YunetFace> faces = detectAt(bgr, fineSide);
  // YuNet's largest anchors are 256 px: a face much larger than that in the network's input comes
  // out as several partial boxes (a close-up portrait seen at 640 px). A coarse pass sees such
  // faces whole; a coarse face too large for the fine pass replaces the fine boxes inside it, and
  // a fine face replaces the coarse one it matches (finer boxes and landmarks).
  if (options_.coarseInputSide > 0 && fineSide > options_.coarseInputSide * 3 / 2) {
    const double fineScale = static_cast<double>(fineSide) / longer;
    std::vector<bool> dropFine(faces.size(), false);
    std::vector<YunetFace> kept;
    for (const YunetFace& coarse : detectAt(bgr, options_.coarseInputSide)) {
      const bool tooLargeForFine = std::min(coarse.width, coarse.height) * fineScale > 224.0;
      bool matched = false;
      for (std::size_t i = 0; i < faces.size(); ++i) {
        const double common = overlap(coarse, faces[i]);
        const double fineArea = static_cast<double>(faces[i].width) * faces[i].height;
        const double coarseArea = static_cast<double>(coarse.width) * coarse.height;
        if (tooLargeForFine && common > 0.5 * fineArea) dropFine[i] = true;
        if (common > 0.3 * (fineArea + coarseArea - common)) matched = true;
      }
      if (tooLargeForFine || !matched) kept.push_back(coarse);
    }
    for (std::size_t i = 0; i < faces.size(); ++i) {
      if (!dropFine[i]) kept.push_back(faces[i]);
    }
    faces = std::move(kept);
  }
  // Clip boxes to the image (landmarks stay where the network put them) and apply the size floor.
  const double minSide = options_.minFaceFraction * std::min(bgr.cols, bgr.rows);
  std::vector<YunetFace> out;
  for (YunetFace face : faces) {
    const float x1 = std::clamp(face.x, 0.0F, static_cast<float>(bgr.cols));
    const float y1 = std::clamp(face.y, 0.0F, static_cast<float>(bgr.rows));
    const float x2 = std::clamp(face.x + face.width, 0.0F, static_cast<float>(bgr.cols));
    const float y2 = std::clamp(face.y + face.height, 0.0F, static_cast<float>(bgr.rows));
    if (x2 <= x1 || y2 <= y1 || std::min(x2 - x1, y2 - y1) < minSide) continue;
    face.x = x1;
    face.y = y1;
    face.width = x2 - x1;
    face.height = y2 - y1;
    out.push_back(face);
  }
  std::stable_sort(out.begin(), out.end(), [](const YunetFace& a, const YunetFace& b) { return a.score > b.score; });
  return out;
}

}  // namespace winnow::yunet
