// 64-bit perceptual hashes of decoded (EXIF-oriented) pixels, for near-duplicate search.
// Bit patterns are stable across runs and machines for the same pixels (they are stored in the
// project's sample_hashes table as int64 bit patterns).
#pragma once

#include <cstdint>

#include "winnow/image/image.hpp"
#include "winnow/image/working_image.hpp"
#include "winnow/util/result.hpp"

namespace winnow::dedupe {

struct PerceptualHashes {
  // pHash: grey working picture, area-reduced to 64x64 then 32x32, 2-D DCT (cv::dct), top-left 8x8 block; bit = coefficient
  // above the median of the 63 non-DC coefficients of that block (the DC bit is kept in place but
  // carries almost no information).
  std::uint64_t phash = 0;
  // dHash: the 64x64 picture area-reduced to 9x8, bit = pixel brighter than its right neighbour.
  std::uint64_t dhash = 0;
};

// Per-image measures the keeper rule uses, computed from the same decode as the hashes.
struct ImageMeasures {
  // Variance of the 3x3 Laplacian of the grey image area-resized to 96x96: at full size JPEG
  // block artifacts make a recompressed copy look sharper than its original (measured on
  // realfake/hard: q60 copies 'won' 60 of 60 at full size, 1 of 60 at 96x96 with 15% tolerance).
  double sharpness = 0.0;
  double brightness = 0.0;  // mean grey level, 0..255
};

struct HashedImage {
  PerceptualHashes hashes;
  ImageMeasures measures;
};

// Hashes and keeper measures are taken on the image's working picture (image::WorkingImage: grey,
// longest side 256), so they do not depend on the size a picture was decoded at beyond that.
// Fails (ErrorCode::InvalidArgument) on an empty or inconsistent image. Thread-safe.
Result<HashedImage> hashImage(const Image& image);
// The same from a working image already made (ingest's one decode measures and hashes from one).
Result<HashedImage> hashWorkingImage(const image::WorkingImage& working);

inline int hammingDistance(std::uint64_t a, std::uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

}  // namespace winnow::dedupe
