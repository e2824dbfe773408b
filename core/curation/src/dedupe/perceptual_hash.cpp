#include "winnow/dedupe/perceptual_hash.hpp"

#include <algorithm>
#include <array>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "winnow/image/cv_image.hpp"

namespace winnow::dedupe {

namespace {

constexpr int kSharpnessSide = 96;

// grey32: the working picture area-reduced to 32x32.
std::uint64_t pHash(const cv::Mat& grey32) {
  const cv::Mat& small = grey32;
  cv::Mat floats;
  small.convertTo(floats, CV_32F);
  cv::Mat dct;
  cv::dct(floats, dct);
  std::array<float, 64> block{};
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) block[static_cast<std::size_t>(y * 8 + x)] = dct.at<float>(y, x);
  }
  std::array<float, 63> ac{};
  std::copy(block.begin() + 1, block.end(), ac.begin());
  std::nth_element(ac.begin(), ac.begin() + 31, ac.end());
  const float median = ac[31];
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    if (block[i] > median) bits |= (1ull << i);
  }
  return bits;
}

// grey64: the working picture area-reduced to 64x64.
std::uint64_t dHash(const cv::Mat& grey64) {
  cv::Mat small;
  cv::resize(grey64, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
  std::uint64_t bits = 0;
  for (int y = 0; y < 8; ++y) {
    const std::uint8_t* row = small.ptr<std::uint8_t>(y);
    for (int x = 0; x < 8; ++x) {
      if (row[x] > row[x + 1]) bits |= (1ull << static_cast<unsigned>(y * 8 + x));
    }
  }
  return bits;
}

}  // namespace

Result<HashedImage> hashWorkingImage(const image::WorkingImage& working) {
  if (!image::isConsistent(working.grey) || working.grey.channels() != 1) {
    return makeError(ErrorCode::InvalidArgument, "perceptual hash: not a working image");
  }
  try {
    const cv::Mat grey = image::asMat(working.grey);
    HashedImage out;
    cv::Mat grey64;  // 64x64: an integer area reduction of the working picture's long side
    cv::resize(grey, grey64, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
    cv::Mat grey32;
    cv::resize(grey64, grey32, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    out.hashes.phash = pHash(grey32);
    out.hashes.dhash = dHash(grey64);
    // At a fixed 96x96 so values compare across copies of any size, and so that JPEG block
    // artifacts (which make a recompressed copy look sharper at full size) mostly average out:
    // the working picture halved (area), then bilinear.
    cv::Mat half;
    cv::resize(grey, half, cv::Size((grey.cols + 1) / 2, (grey.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    cv::Mat thumb;
    cv::resize(half, thumb, cv::Size(kSharpnessSide, kSharpnessSide), 0, 0, cv::INTER_LINEAR);
    cv::Mat laplacian;
    cv::Laplacian(thumb, laplacian, CV_32F, 3);
    cv::Scalar mean;
    cv::Scalar stddev;
    cv::meanStdDev(laplacian, mean, stddev);
    out.measures.sharpness = stddev[0] * stddev[0];
    out.measures.brightness = cv::mean(grey)[0];
    return out;
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Internal, std::string("perceptual hash: OpenCV: ") + e.what());
  }
}

Result<HashedImage> hashImage(const Image& image) {
  if (!image::isConsistent(image)) {
    return makeError(ErrorCode::InvalidArgument, "perceptual hash: empty or inconsistent image");
  }
  auto working = image::makeWorkingImage(image);
  if (!working) return makeError(ErrorCode::InvalidArgument, "perceptual hash: " + working.error().message);
  return hashWorkingImage(*working);
}

}  // namespace winnow::dedupe
