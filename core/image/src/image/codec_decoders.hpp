// Decoders winnow drives itself instead of through cv::imdecode, so that every codec message
// (libjpeg's "Corrupt JPEG data", libpng's "iCCP: known incorrect sRGB profile", giflib errors)
// comes back as a warning or reason attributed to the file, never as raw text on stderr.
// All three are bounds-checked, never throw, and are thread-safe (no global state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "winnow/image/image.hpp"

namespace winnow::image::detail {

// Codec warnings of one decode: distinct messages, at most a few, each one line.
struct CodecWarnings {
  std::vector<std::string> messages;
  void add(const std::string& message);
};

// JPEG through libjpeg(-turbo): scaleDenominator 1, 2, 4 or 8 uses libjpeg's scaled DCT.
// grey = true gives Gray8 (only for one-component files), else Rgb8 (CMYK/YCCK converted as
// OpenCV does). Pixels are stored orientation as in the file.
bool decodeJpeg(const std::uint8_t* data, std::size_t size, int scaleDenominator, bool grey, Image& out,
                CodecWarnings& warnings, std::string& reason);

// PNG through libpng. preserve = false gives Rgb8 (alpha dropped, grey expanded); true gives Gray8
// for grey files without transparency, Rgba8 for files with alpha or tRNS, else Rgb8. 16-bit
// samples are scaled to 8 bits with rounding.
bool decodePng(const std::uint8_t* data, std::size_t size, bool preserve, Image& out,
               CodecWarnings& warnings, std::string& reason);

// First frame of a GIF through giflib, composed on the logical screen: Rgb8, or Rgba8 when
// preserve and the frame has transparent pixels. frameCount receives the number of frames.
bool decodeGifFirstFrame(const std::uint8_t* data, std::size_t size, bool preserve, Image& out,
                         int& frameCount, CodecWarnings& warnings, std::string& reason);

}  // namespace winnow::image::detail
