// Format sniffing and header parsing for the still-image formats winnow reads, without decoding
// pixels. Pure byte parsing: bounds-checked, never throws, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "winnow/image/image_codec.hpp"

namespace winnow::image::detail {

enum class ImageFormat { Invalid = 0, Jpeg, Png, Webp, Bmp, Tiff, Pgm, Ppm, Heic, Gif };

const char* formatName(ImageFormat format);

// Magic-byte sniffing only; Invalid when the bytes match no supported format.
ImageFormat sniffFormat(const std::uint8_t* data, std::size_t size);

struct HeaderScan {
  ImageFormat format = ImageFormat::Invalid;
  int width = 0;     // as stored
  int height = 0;
  int channels = 0;  // what a Preserve decode is expected to give (OpenCV decides in the end)
  // EXIF payload in TIFF layout (starting at "II*\0"/"MM\0*"), pointing into the scanned bytes;
  // exifSize == 0 when the file carries none.
  const std::uint8_t* exifTiff = nullptr;
  std::size_t exifSize = 0;
  std::size_t jpegScanOffset = 0;  // JPEG: offset of the first SOS marker
  bool pngHasEnd = false;          // PNG: IEND chunk reached by the chunk walk
};

// Parses the header of a non-HEIC format (HEIC headers go through libheif, see heif_codec.hpp).
// On failure returns false and sets `reason` to a short phrase ("truncated PNG header", ...).
bool scanHeader(const std::uint8_t* data, std::size_t size, HeaderScan& scan, std::string& reason);

// True when the JPEG's entropy-coded data runs to an EOI marker (data after EOI is allowed, as in
// motion photos). Linear in size; memchr-driven.
bool jpegHasEnd(const std::uint8_t* data, std::size_t size, std::size_t scanOffset);

}  // namespace winnow::image::detail
