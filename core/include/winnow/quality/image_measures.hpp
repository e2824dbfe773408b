// Per-image quality measures, computed from decoded (EXIF-oriented) pixels and the original bytes.
// Pure functions: thread-safe, no store access.
#pragma once

#include <cstdint>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/util/result.hpp"

namespace winnow::quality {

// Side (pixels) of the longer edge of the grey/colour thumbnail every pixel measure is taken on,
// so that values are comparable across image sizes.
inline constexpr int kMeasureSide = 256;

struct ImageMeasures {
  double blur = 0.0;            // variance of the Laplacian of the grey thumbnail (higher = sharper)
  double brightness = 0.0;      // mean luma, 0..255
  double contrast = 0.0;        // standard deviation of luma, 0..~128
  double colourfulness = 0.0;   // mean |R-G|, |G-B|, |B-R| (0 for grey images), 0..255
  double colourCastA = 0.0;     // mean CIE a* (green-/red+), Lab units
  double colourCastB = 0.0;     // mean CIE b* (blue-/yellow+), Lab units
  double colourCast = 0.0;      // distance of the mean (a*, b*) from neutral, Lab units
  double colourCastRatio = 0.0; // colourCast / spread of (a*, b*): high = whole image shifted
};

// Fails (Decode) on an empty or inconsistent image; catches OpenCV exceptions.
Result<ImageMeasures> measureImage(const Image& image);

// IJG quality (1..100) that best reproduces the file's luminance quantisation table (DQT table 0),
// or -1 when the bytes are not a JPEG or carry no usable table.
int estimateJpegQuality(const std::vector<std::uint8_t>& bytes);

}  // namespace winnow::quality
