// faceDescriptors: face-api's 128-d face descriptors (FaceRecognitionNet) of face crops given as
// image views.
#pragma once

#include <cstdint>
#include <vector>

#include "winnow/faceapi/nets.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::faceapi_plugin {

constexpr std::uint32_t kFaceDescriptorDim = 128;

// One descriptor of kFaceDescriptorDim floats per valid view (grey, RGB or RGBA), in order.
std::vector<std::vector<float>> faceDescriptors(faceapi::FaceRecognitionNet& net,
                                                const std::vector<winnow_image_view>& crops);

}  // namespace winnow::faceapi_plugin
