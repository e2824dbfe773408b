// Decoding helpers over cv::Mat, private to the image module (the public bridge between
// winnow::Image and cv::Mat, isConsistent and asMat, is winnow/image/cv_image.hpp).
#pragma once

#include <opencv2/core.hpp>

#include "winnow/image/cv_image.hpp"
#include "winnow/image/image.hpp"

namespace winnow::image::detail {

// Allocates pixels for width x height in `format`.
inline void allocate(Image& image, int width, int height, PixelFormat format) {
  image.width = width;
  image.height = height;
  image.format = format;
  image.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                      static_cast<std::size_t>(channelCount(format)));
}

// Lowers OpenCV's global log level from the default WARNING to ERROR once per process, so that
// expected bad input (which winnow reports as Result errors) does not spam stderr. A level chosen
// by the user (OPENCV_LOG_LEVEL) other than WARNING is left alone.
void quietOpenCvOnce();

// Writes `src` in display orientation into `dst` (already allocated with the oriented size and the
// same type). orientation is the EXIF value 1..8.
void applyOrientation(const cv::Mat& src, int orientation, cv::Mat& dst);

}  // namespace winnow::image::detail
