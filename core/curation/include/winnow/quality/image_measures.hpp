// Per-image quality measures, computed from decoded (EXIF-oriented) pixels and the original bytes.
// Pure functions: thread-safe, no store access.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/image/working_image.hpp"
#include "winnow/util/result.hpp"

namespace winnow::quality {

// Side (pixels) of the longer edge of the grey/colour picture every pixel measure is taken on
// (image::WorkingImage), so that values are comparable across image sizes.
inline constexpr int kMeasureSide = image::kWorkingSide;
// Longest side requested from the decoder for measuring (JPEGs shrink in libjpeg's DCT to the
// smallest scale that keeps at least this side): ingest and the quality step both decode so.
inline constexpr int kMeasureDecodeSide = kMeasureSide;

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
// Builds what OpenCV initialises lazily and without a lock on the first conversions the measures
// use (the default allocator, the 8-bit CIELAB tables; helgrind showed two workers racing on
// them). Idempotent and thread-safe; loops call it before starting their workers, and
// measureWorkingImage calls it too.
void prepareMeasures();
// The same from a working image already made (measureImage(image) ==
// measureWorkingImage(makeWorkingImage(image))).
Result<ImageMeasures> measureWorkingImage(const image::WorkingImage& working);

// IJG quality (1..100) that best reproduces the file's luminance quantisation table (DQT table 0),
// or -1 when the bytes are not a JPEG or carry no usable table.
int estimateJpegQuality(const std::vector<std::uint8_t>& bytes);

// What a sample's stored measure list needs besides its pixels.
struct SampleFacts {
  int width = 0;   // full size, oriented
  int height = 0;
  bool hasExif = false;
  std::int64_t byteSize = 0;
  int jpegQuality = -1;  // estimateJpegQuality of the original bytes; -1 for derived pictures
};

using MeasureList = std::vector<std::pair<std::string, double>>;

// The measures the quality step stores per sample (sample_measures), in one place for the two
// writers: ingest, which measures the picture it decodes anyway, and the quality step, which
// measures samples ingested before ingest did (or whose pixels changed).
MeasureList sampleMeasureList(const ImageMeasures& pixels, const SampleFacts& facts);

}  // namespace winnow::quality
