// Fuzz target: the image decoding entry points (core/src/image/image_codec.cpp: probeImage,
// decodeImage, decodeImageReduced) over OpenCV, libheif and libexif. Limits are lowered so that
// a run stays fast; the contract checked is "a Result, never a crash", and that a decoded image's
// buffer matches its size.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fuzz_support.hpp"
#include "winnow/image/image_codec.hpp"

namespace {

void checkImage(const winnow::Image& image) {
  WINNOW_FUZZ_CHECK(image.width > 0 && image.height > 0);
  WINNOW_FUZZ_CHECK(image.pixels.size() == static_cast<std::size_t>(image.width) *
                                               static_cast<std::size_t>(image.height) *
                                               static_cast<std::size_t>(image.channels()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace winnow::image;
  const std::vector<std::uint8_t> bytes(data, data + size);
  DecodeLimits limits;
  limits.maxPixels = 1 << 20;
  limits.maxSide = 4096;
  const auto probed = probeImage(bytes, "fuzz-input", limits);
  // WINNOW_FUZZ_VERBOSE=1 shows what each input gave (when checking seeds by hand).
  static const bool verbose = std::getenv("WINNOW_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "probe: %s\n", probed ? probed->format.c_str() : probed.error().message.c_str());
  // HEIC pixels are not decoded unless WINNOW_FUZZ_HEIC_DECODE is set: libheif 1.15 allocates
  // hundreds of MB for a mutated 521-byte grid image before noticing it is broken
  // (fuzz/known-crashes/image_decode/, docs/reliability.md#fuzzing), which would stop every run.
  // Probing HEIC (libheif's box parser) still runs above.
  static const bool heicDecode = std::getenv("WINNOW_FUZZ_HEIC_DECODE") != nullptr;
  if (!heicDecode && probed && probed->format == "heic") return 0;
  // One decode per input, the mode picked by the input's size, so that all three paths run.
  switch (size % 3) {
    case 0: {
      const auto decoded = decodeImage(bytes, "fuzz-input", ColorMode::Rgb, limits);
      if (verbose && !decoded) std::fprintf(stderr, "rgb: %s\n", decoded.error().message.c_str());
      if (decoded) {
        WINNOW_FUZZ_CHECK(probed.ok());
        WINNOW_FUZZ_CHECK(decoded->image.channels() == 3);
        checkImage(decoded->image);
      }
      break;
    }
    case 1: {
      const auto decoded = decodeImage(bytes, "fuzz-input", ColorMode::Preserve, limits);
      if (verbose && !decoded) std::fprintf(stderr, "preserve: %s\n", decoded.error().message.c_str());
      if (decoded) {
        WINNOW_FUZZ_CHECK(probed.ok());
        checkImage(decoded->image);
      }
      break;
    }
    default: {
      const auto reduced = decodeImageReduced(bytes, "fuzz-input", 4, ColorMode::Rgb, limits);
      if (reduced) checkImage(*reduced);
      if (verbose && !reduced) std::fprintf(stderr, "reduced: %s\n", reduced.error().message.c_str());
      break;
    }
  }
  return 0;
}
