#include "image_fitter.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "winnow/sdk/opencv_view.hpp"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_hdf5 {
namespace {

int formatChannels(winnow_pixel_format format) {
  switch (format) {
    case WINNOW_PIXEL_FORMAT_GRAY8: return 1;
    case WINNOW_PIXEL_FORMAT_RGB8: return 3;
    case WINNOW_PIXEL_FORMAT_RGBA8: return 4;
    case WINNOW_PIXEL_FORMAT_INVALID: break;
  }
  return 0;
}

// Largest side accepted; far above any real photo, small enough that width * height * 4 fits.
constexpr int32_t kMaxSidePixels = 1 << 16;

void resizeInto(const cv::Mat& source, cv::Mat& target) {
  const bool shrinking = target.cols < source.cols && target.rows < source.rows;
  cv::resize(source, target, target.size(), 0.0, 0.0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
}

// Copies `source` (1, 3 or 4 channels, same size) into `target` (1 or 3 channels).
void convertInto(const cv::Mat& source, cv::Mat& target) {
  const int from = source.channels();
  const int to = target.channels();
  if (from == to) {
    source.copyTo(target);
  } else if (to == 3) {
    cv::cvtColor(source, target, from == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_RGBA2RGB);
  } else {
    cv::cvtColor(source, target, from == 3 ? cv::COLOR_RGB2GRAY : cv::COLOR_RGBA2GRAY);
  }
}

// Resizes `source` to target's size and converts its channels, writing into target in place.
void resizeAndConvert(const cv::Mat& source, cv::Mat target) {
  if (source.channels() == target.channels()) {
    resizeInto(source, target);
    return;
  }
  cv::Mat resized(target.size(), source.type());
  resizeInto(source, resized);
  convertInto(resized, target);
}

}  // namespace

void validateImageView(const winnow_image_view& view, const std::string& context) {
  const auto fail = [&context](const std::string& reason) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, context + ": " + reason);
  };
  if (view.struct_size < sizeof(winnow_image_view)) fail("image struct_size too small");
  if (view.data == nullptr) fail("image data is null");
  const int expected = formatChannels(view.format);
  if (expected == 0) fail("image pixel format is invalid");
  if (view.channels != expected) {
    fail("image has " + std::to_string(view.channels) + " channels but its format needs " +
         std::to_string(expected));
  }
  if (view.width <= 0 || view.height <= 0 || view.width > kMaxSidePixels ||
      view.height > kMaxSidePixels) {
    fail("image size " + std::to_string(view.width) + "x" + std::to_string(view.height) +
         " is out of range");
  }
  if (view.stride_bytes < static_cast<int64_t>(view.width) * view.channels) {
    fail("image stride " + std::to_string(view.stride_bytes) + " is smaller than a row");
  }
}

void fitImage(const winnow_image_view& view, FitMode fit, cv::Mat& destination) {
  const cv::Mat source = winnow::sdk::matOverView(view);
  const int size = destination.cols;
  switch (fit) {
    case FitMode::Stretch:
      resizeAndConvert(source, destination);
      return;
    case FitMode::CenterCrop: {
      const int side = std::min(source.cols, source.rows);
      const cv::Rect crop((source.cols - side) / 2, (source.rows - side) / 2, side, side);
      resizeAndConvert(source(crop), destination);
      return;
    }
    case FitMode::Letterbox: {
      const double scale = static_cast<double>(size) / std::max(source.cols, source.rows);
      const int width = std::clamp(static_cast<int>(std::lround(source.cols * scale)), 1, size);
      const int height = std::clamp(static_cast<int>(std::lround(source.rows * scale)), 1, size);
      destination.setTo(cv::Scalar::all(0));
      resizeAndConvert(source,
                       destination(cv::Rect((size - width) / 2, (size - height) / 2, width, height)));
      return;
    }
    case FitMode::Invalid: break;
  }
  throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, "hdf5 exporter: invalid fit mode");
}

}  // namespace winnow::exporter_hdf5
