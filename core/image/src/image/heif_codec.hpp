// HEIC/HEIF through libheif. libheif applies the container's irot/imir/clap transforms itself, so
// the sizes reported here are already in display orientation and the EXIF orientation inside a
// HEIC must not be applied again. Thread-safe: each call owns its heif_context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "winnow/image/image.hpp"

namespace winnow::image::detail {

struct HeifHeader {
  int width = 0;   // after the container's transforms
  int height = 0;
  bool hasAlpha = false;
  std::vector<std::uint8_t> exifTiff;  // EXIF in TIFF layout, empty when absent
};

// Reads boxes only (no pixel decoding). False with a reason on failure.
bool probeHeif(const std::uint8_t* data, std::size_t size, HeifHeader& header, std::string& reason);

// Decodes the primary image to interleaved 8-bit RGB (or RGBA when wantAlpha and the image has
// alpha) into `out`. False with a reason on failure.
bool decodeHeif(const std::uint8_t* data, std::size_t size, bool wantAlpha, Image& out,
                std::string& reason);

}  // namespace winnow::image::detail
