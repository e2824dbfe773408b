// Decoded pixels owned by the core. Kept free of OpenCV so that core headers stay light;
// core .cpp files wrap it in a cv::Mat header without copying when they need OpenCV.
#pragma once

#include <cstdint>
#include <vector>

namespace winnow {

enum class PixelFormat {
  Invalid = 0,
  Gray8,  // 1 channel
  Rgb8,   // 3 channels, R G B order
  Rgba8,  // 4 channels, R G B A order
};

int channelCount(PixelFormat format);

// Tightly packed, row-major, 8-bit interleaved pixels (stride = width * channels).
struct Image {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::Invalid;
  std::vector<std::uint8_t> pixels;

  int channels() const { return channelCount(format); }
  bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
  std::size_t strideBytes() const { return static_cast<std::size_t>(width) * channels(); }
};

}  // namespace winnow
