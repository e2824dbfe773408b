// encodePng and resizeImage: derived images (crops, thumbnails, video frames).
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "opencv_decoding.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {

Result<std::vector<std::uint8_t>> encodePng(const Image& image) {
  if (!isConsistent(image))
    return makeError(ErrorCode::InvalidArgument, "encodePng: empty or inconsistent image (" +
                                                     std::to_string(image.width) + "x" +
                                                     std::to_string(image.height) + ")");
  try {
    const cv::Mat src = asMat(image);
    cv::Mat bgr;
    if (image.format == PixelFormat::Rgb8) cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
    else if (image.format == PixelFormat::Rgba8) cv::cvtColor(src, bgr, cv::COLOR_RGBA2BGRA);
    else bgr = src;
    std::vector<std::uint8_t> out;
    // Level 3: files a little larger than level 9 but several times faster to write.
    if (!cv::imencode(".png", bgr, out, {cv::IMWRITE_PNG_COMPRESSION, 3}))
      return makeError(ErrorCode::Internal, "encodePng: OpenCV could not encode the image");
    return out;
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Internal, std::string("encodePng: OpenCV: ") + e.err);
  }
}

Image resizeImage(const Image& image, int width, int height, Fit fit) {
  Image out;
  if (!isConsistent(image) || width <= 0 || height <= 0 || fit == Fit::Invalid) return out;
  try {
    const cv::Mat src = asMat(image);
    detail::allocate(out, width, height, image.format);
    cv::Mat dst = asMat(out);
    auto interpolation = [](int fromW, int fromH, int toW, int toH) {
      return static_cast<std::int64_t>(toW) * toH < static_cast<std::int64_t>(fromW) * fromH
                 ? cv::INTER_AREA
                 : cv::INTER_LINEAR;
    };
    if (fit == Fit::Stretch) {
      cv::resize(src, dst, dst.size(), 0, 0, interpolation(src.cols, src.rows, width, height));
    } else if (fit == Fit::CenterCrop) {
      // Crop the source to the target's aspect ratio, then scale: no pixel is resampled twice.
      const double scale = std::max(static_cast<double>(width) / src.cols, static_cast<double>(height) / src.rows);
      const int cropW = std::clamp(static_cast<int>(std::lround(width / scale)), 1, src.cols);
      const int cropH = std::clamp(static_cast<int>(std::lround(height / scale)), 1, src.rows);
      const cv::Mat roi = src(cv::Rect((src.cols - cropW) / 2, (src.rows - cropH) / 2, cropW, cropH));
      cv::resize(roi, dst, dst.size(), 0, 0, interpolation(cropW, cropH, width, height));
    } else {
      const double scale = std::min(static_cast<double>(width) / src.cols, static_cast<double>(height) / src.rows);
      const int newW = std::clamp(static_cast<int>(std::lround(src.cols * scale)), 1, width);
      const int newH = std::clamp(static_cast<int>(std::lround(src.rows * scale)), 1, height);
      dst.setTo(cv::Scalar::all(0));
      cv::Mat inner = dst(cv::Rect((width - newW) / 2, (height - newH) / 2, newW, newH));
      cv::resize(src, inner, inner.size(), 0, 0, interpolation(src.cols, src.rows, newW, newH));
    }
    if (dst.data != out.pixels.data()) return Image{};
  } catch (const cv::Exception&) {
    return Image{};
  }
  return out;
}

}  // namespace winnow::image
