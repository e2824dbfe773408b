// Turns one borrowed host image into the square, fixed-channel pixels stored in /images.
#pragma once

#include <opencv2/core.hpp>

#include "hdf5_export_params.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_hdf5 {

// Checks that `view` is a usable image (non-null data, positive size, channels consistent with
// its format, stride large enough). Throws sdk::Failure (WINNOW_STATUS_INVALID_ARGUMENT) whose
// message starts with `context`.
void validateImageView(const winnow_image_view& view, const std::string& context);

// Writes `view` into `destination`, which must already be size x size of type CV_8UC(channels)
// (it may be a view into a larger buffer; it is never reallocated). Colour: GRAY8/RGB8/RGBA8 in,
// RGB (channels 3, alpha dropped) or grey (channels 1, BT.601 weights) out. Resampling: INTER_AREA
// when both axes shrink, INTER_LINEAR otherwise. Letterbox padding is 0 (black).
void fitImage(const winnow_image_view& view, FitMode fit, cv::Mat& destination);

}  // namespace winnow::exporter_hdf5
