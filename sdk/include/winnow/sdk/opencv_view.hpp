// For plugins that use OpenCV (include OpenCV's core and imgproc yourself; the rest of the SDK
// never needs it): a host image view as a cv::Mat, without copying, and as the 3-channel BGR
// picture OpenCV's detectors expect.
//
// Contract: the view's pixels are 8-bit, interleaved, RGB / RGBA / grey (plugin_abi.h); the Mat
// from matOverView borrows them, so it must not outlive the call that received the view, and the
// plugin must not write through it (the host's pixels are const; cv::Mat has no const form).
#pragma once

#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::sdk {

inline cv::Mat matOverView(const winnow_image_view& view) {
  return cv::Mat(view.height, view.width, CV_8UC(view.channels), const_cast<std::uint8_t*>(view.data),
                 static_cast<std::size_t>(view.stride_bytes));
}

// A new BGR picture (grey and RGBA converted, alpha dropped).
inline cv::Mat bgrFromView(const winnow_image_view& view) {
  const cv::Mat image = matOverView(view);
  cv::Mat bgr;
  switch (view.channels) {
    case 1: cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR); break;
    case 4: cv::cvtColor(image, bgr, cv::COLOR_RGBA2BGR); break;
    default: cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR); break;
  }
  return bgr;
}

}  // namespace winnow::sdk
