#include "packed_rgb.hpp"

#include <cstddef>

namespace winnow::faceapi_plugin {

std::vector<std::uint8_t> packedRgb(const winnow_image_view& view) {
  std::vector<std::uint8_t> rgb(static_cast<size_t>(view.width) * static_cast<size_t>(view.height) * 3);
  for (int32_t y = 0; y < view.height; ++y) {
    const std::uint8_t* in = view.data + y * view.stride_bytes;
    std::uint8_t* out = rgb.data() + static_cast<size_t>(y) * static_cast<size_t>(view.width) * 3;
    for (int32_t x = 0; x < view.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        out[3 * x + c] = view.channels == 1 ? in[x] : in[view.channels * x + c];
      }
    }
  }
  return rgb;
}

}  // namespace winnow::faceapi_plugin
