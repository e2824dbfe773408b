// The augmentations themselves, on cv::Mat (8-bit, 1 = grey, 3 = RGB, 4 = RGBA channels).
// Contract: deterministic for (input, spec, seed); the output has the input's size and channel
// count; alpha is moved by geometric steps and left untouched by photometric ones; any size down
// to 1x1 works. Throws cv::Exception or AugmentFailure on failure (caught at the ABI edge).
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

#include "augmentation_params.hpp"

namespace winnow::augmenter_opencv {

cv::Mat applyAugmentation(const AugmentationSpec& spec, const cv::Mat& input, std::uint64_t seed);

}  // namespace winnow::augmenter_opencv
