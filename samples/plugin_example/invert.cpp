#include "invert.hpp"

namespace example {

void invertInPlace(winnow::sdk::OwnedImage& image, bool preserveAlpha) {
  const int channels = image.channels();
  const bool skipAlpha = preserveAlpha && channels == 4;
  for (int32_t y = 0; y < image.height; ++y) {
    uint8_t* row = image.row(y);
    for (int32_t x = 0; x < image.width; ++x) {
      for (int c = 0; c < channels; ++c) {
        if (!(skipAlpha && c == 3)) {
          row[x * channels + c] = static_cast<uint8_t>(255 - row[x * channels + c]);
        }
      }
    }
  }
}

}  // namespace example
