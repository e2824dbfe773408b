#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <mutex>

#include "opencv_decoding.hpp"

namespace winnow::image::detail {

void quietOpenCvOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    using namespace cv::utils::logging;
    if (getLogLevel() == LOG_LEVEL_WARNING) setLogLevel(LOG_LEVEL_ERROR);
  });
}

// EXIF orientation -> transform that brings stored pixels to display orientation:
// 2 mirror left-right, 3 rotate 180, 4 mirror top-bottom, 5 transpose, 6 rotate 90 clockwise,
// 7 transverse (transpose + rotate 180), 8 rotate 90 counter-clockwise.
void applyOrientation(const cv::Mat& src, int orientation, cv::Mat& dst) {
  switch (orientation) {
    case 2: cv::flip(src, dst, 1); break;
    case 3: cv::rotate(src, dst, cv::ROTATE_180); break;
    case 4: cv::flip(src, dst, 0); break;
    case 5: cv::transpose(src, dst); break;
    case 6: cv::rotate(src, dst, cv::ROTATE_90_CLOCKWISE); break;
    case 7: {
      cv::Mat transposed;
      cv::transpose(src, transposed);
      cv::flip(transposed, dst, -1);
      break;
    }
    case 8: cv::rotate(src, dst, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: src.copyTo(dst); break;
  }
}

}  // namespace winnow::image::detail
