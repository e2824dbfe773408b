// packedRgb: the 8-bit RGB copy face-api's networks read, from any valid image view.
#pragma once

#include <cstdint>
#include <vector>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::faceapi_plugin {

// Packed RGB (3 bytes per pixel, rows width * 3 apart) of a valid view: grey is replicated, alpha
// dropped.
std::vector<std::uint8_t> packedRgb(const winnow_image_view& view);

}  // namespace winnow::faceapi_plugin
