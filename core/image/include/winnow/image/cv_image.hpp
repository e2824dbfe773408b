// winnow::Image as a cv::Mat, for core modules that run OpenCV on decoded pictures themselves
// (faces, curation). This header includes OpenCV: winnow_image links OpenCV privately, so a target
// that includes it links opencv_core itself. Not for cli/ or workbench/.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

#include "winnow/image/image.hpp"

namespace winnow::image {

// True when pixels holds exactly width * height * channels bytes (asMat's precondition).
inline bool isConsistent(const Image& image) {
  return image.width > 0 && image.height > 0 && image.channels() > 0 &&
         image.pixels.size() == image.strideBytes() * static_cast<std::size_t>(image.height);
}

// Header over the image's own buffer (no copy), 8-bit with the image's channel count. The image must
// be consistent, outlive the Mat and not be resized while the Mat is in use.
inline cv::Mat asMat(Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels()), image.pixels.data());
}
inline cv::Mat asMat(const Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels()),
                 const_cast<std::uint8_t*>(image.pixels.data()));
}

}  // namespace winnow::image
