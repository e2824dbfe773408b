#include "winnow/image/working_image.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <exception>

#include "opencv_decoding.hpp"

namespace winnow::image {

namespace {

cv::Mat reduceMat(const cv::Mat& source, int side) {
  cv::Mat current = source;
  while (std::max(current.cols, current.rows) >= 2 * side) {
    cv::Mat half;
    cv::resize(current, half, cv::Size((current.cols + 1) / 2, (current.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    current = half;
  }
  const int longer = std::max(current.cols, current.rows);
  if (longer == side) return current;
  const double scale = static_cast<double>(side) / longer;
  const int width = std::max(1, static_cast<int>(std::lround(current.cols * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(current.rows * scale)));
  cv::Mat resized;
  cv::resize(current, resized, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
  return resized;
}

Image fromMat(const cv::Mat& mat, PixelFormat format) {
  Image image;
  detail::allocate(image, mat.cols, mat.rows, format);
  mat.copyTo(asMat(image));
  return image;
}

}  // namespace

Image reduceToSide(const Image& image, int side) {
  return fromMat(reduceMat(asMat(image), side), image.format);
}

Result<WorkingImage> makeWorkingImage(const Image& image) {
  if (!isConsistent(image)) {
    return makeError(ErrorCode::Decode, "working image: empty or inconsistent image");
  }
  try {
    const cv::Mat source = asMat(image);
    cv::Mat grey;
    cv::Mat rgb;
    switch (image.channels()) {
      case 1:
        grey = source;
        break;
      case 3:
        cv::cvtColor(source, grey, cv::COLOR_RGB2GRAY);
        rgb = source;
        break;
      case 4:
        cv::cvtColor(source, grey, cv::COLOR_RGBA2GRAY);
        cv::cvtColor(source, rgb, cv::COLOR_RGBA2RGB);
        break;
      default: return makeError(ErrorCode::Decode, "working image: unsupported channel count");
    }
    WorkingImage working;
    working.grey = fromMat(reduceMat(grey, kWorkingSide), PixelFormat::Gray8);
    const bool small = std::max(image.width, image.height) <= kWorkingColourSide;
    if (rgb.empty()) {  // grey picture: the colour picture is its grey, replicated
      cv::Mat reduced = small ? grey : reduceMat(grey, kWorkingColourSide);
      cv::Mat replicated;
      cv::cvtColor(reduced, replicated, cv::COLOR_GRAY2RGB);
      working.colour = fromMat(replicated, PixelFormat::Rgb8);
    } else {
      working.colour = fromMat(small ? rgb : reduceMat(rgb, kWorkingColourSide), PixelFormat::Rgb8);
    }
    return working;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Decode, std::string("working image: ") + e.what());
  }
}

}  // namespace winnow::image
