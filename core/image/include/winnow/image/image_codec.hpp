// Reading images and video frames for every consumer of pixels. Contract: every decode applies
// the EXIF orientation, so callers never see sideways pixels; every failure is a Result error
// whose message names the file and the reason in one line; nothing here throws or aborts, even on
// hostile input (truncated data, absurd declared sizes, broken EXIF, non-images). Codec messages
// (libjpeg, libpng, giflib) never reach stderr: they come back in ImageInfo::warnings or in the
// error message, attributed to the file.
//
// Which decode to use: analysis (quality, dupes hashing, detection, thumbnails) calls
// decodeForAnalysis, which shrinks JPEGs in libjpeg's DCT so a 108 MP photo costs a few MB;
// only export and crops decode full pixels (decodeImage), once per sample.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/util/result.hpp"

namespace winnow::image {

// What the file says about itself, read without decoding the pixels.
struct ImageInfo {
  std::string format;          // "jpeg", "png", "webp", "bmp", "tiff", "pgm", "ppm", "heic", "gif"
  int width = 0;               // as stored, before EXIF orientation
  int height = 0;
  int channels = 0;            // channels the decode will produce (1, 3 or 4)
  int exifOrientation = 0;     // 1..8 from EXIF, 0 when the file has no orientation tag
  bool hasExif = false;
  std::optional<std::string> captureTime;  // EXIF DateTimeOriginal as "YYYY-MM-DDTHH:MM:SS"
  int frameCount = 1;          // GIF: frames in the file (only the first is decoded)
  // One-line problems that did not stop the decode (broken EXIF read as orientation 1, codec
  // warnings such as "libjpeg: Premature end of JPEG file", later GIF frames dropped); without
  // the path: callers prefix it.
  std::vector<std::string> warnings;
  int orientedWidth() const { return exifOrientation >= 5 ? height : width; }
  int orientedHeight() const { return exifOrientation >= 5 ? width : height; }
};

// Refuse to decode images that would exhaust memory. The default admits today's phone photos
// (200 MP sensors write 16,320 x 12,240).
struct DecodeLimits {
  std::int64_t maxPixels = 200'000'000;  // 200 MP
  int maxSide = 30'000;
};

enum class ColorMode {
  Invalid = 0,
  Rgb,        // always 3 channels (grey is expanded, alpha is dropped)
  Preserve,   // Gray8 for grey files, Rgba8 when the file has alpha, else Rgb8
};

// File extensions (lower case, with dot) winnow treats as images / videos when walking folders.
bool isImageExtension(const std::string& extensionLower);
bool isVideoExtension(const std::string& extensionLower);

// Format name ("jpeg", "gif", ...) when the file's first bytes carry a supported image signature,
// "" otherwise (also when it cannot be read). Reads at most 64 bytes; for files whose extension
// says nothing (Yale's faces ship as GIFs without extensions, "x.jpg_1088Wx1632H" is a WebP).
std::string sniffImageFile(const std::filesystem::path& path);

// Header-level probe of encoded bytes: format sniffed from magic bytes (never from the name),
// declared dimensions checked against limits, EXIF parsed (libexif) when present; a broken EXIF
// block is not an error: orientation 1 is assumed and info.warnings says why.
Result<ImageInfo> probeImage(const std::vector<std::uint8_t>& bytes,
                             const std::filesystem::path& pathForMessages,
                             const DecodeLimits& limits = {});

struct DecodedImage {
  Image image;      // EXIF-oriented
  ImageInfo info;   // as probed
};

// Probe, then decode to 8-bit pixels with EXIF orientation applied. HEIC goes through libheif.
Result<DecodedImage> decodeImage(const std::vector<std::uint8_t>& bytes,
                                 const std::filesystem::path& pathForMessages,
                                 ColorMode mode = ColorMode::Rgb, const DecodeLimits& limits = {});

// Like decodeImage(...).image, but lets JPEG decode shrink by 2, 4 or 8 in libjpeg's DCT (much
// faster than a full decode) when the image is at least twice maxSide on its longest side. The
// result's longest side stays >= min(maxSide, original longest side); other formats come back at
// full size. Still EXIF-oriented. The scale against the original is
// image.width / probeImage(...)->orientedWidth().
Result<Image> decodeImageReduced(const std::vector<std::uint8_t>& bytes,
                                 const std::filesystem::path& pathForMessages, int maxSide,
                                 ColorMode mode = ColorMode::Rgb, const DecodeLimits& limits = {});

// Reads the file and probes it from its first bytes only (the whole file when the header runs
// past them): a cheap check that a file still is the image it was, e.g. before an export.
Result<ImageInfo> probeImageFile(const std::filesystem::path& path, const DecodeLimits& limits = {});

// What analysis stages get: pixels reduced for speed and memory, and the original's facts.
struct AnalysisImage {
  Image image;     // EXIF-oriented, longest side >= min(maxSide, original longest side)
  ImageInfo info;  // as probed (full-size dimensions, orientation, warnings)
  double scale = 1.0;  // image.width / info.orientedWidth() (1 for formats decoded full size)
};

// The one entry point for analysis (quality, dupes hashing, face detection): reads the file and
// decodes it reduced. JPEGs shrink by 2, 4 or 8 in libjpeg's DCT while the longest side stays
// >= maxSide; a 12,000 x 9,000 JPEG with maxSide 512 costs about 1500 x 1125 x 3 bytes (5 MB)
// instead of 324 MB. Other formats decode full size (their decoders cannot skip detail).
Result<AnalysisImage> decodeForAnalysis(const std::filesystem::path& path, int maxSide,
                                        ColorMode mode = ColorMode::Rgb, const DecodeLimits& limits = {});
Result<AnalysisImage> decodeForAnalysis(const std::vector<std::uint8_t>& bytes,
                                        const std::filesystem::path& pathForMessages, int maxSide,
                                        ColorMode mode = ColorMode::Rgb, const DecodeLimits& limits = {});

// Reads a whole file; errors name the path (missing, unreadable, is a directory, ...).
Result<std::vector<std::uint8_t>> readFileBytes(const std::filesystem::path& path,
                                                std::uint64_t maxBytes = 1ull << 31);

// Encode to PNG (lossless), for derived files such as extracted video frames and crops.
Result<std::vector<std::uint8_t>> encodePng(const Image& image);
// The DCT scale denominator (1, 2, 4 or 8) a JPEG whose longer side is `longest` decodes at when
// at least `maxSide` is asked for (decodeImageReduced / decodeForAnalysis); 1 when maxSide <= 0.
int jpegScaleDenominator(int longest, int maxSide);
// Baseline JPEG at `quality` (1..100) with libjpeg directly (no OpenCV imgcodecs); grey, RGB, or
// RGBA (alpha dropped).
Result<std::vector<std::uint8_t>> encodeJpeg(const Image& image, int quality);

// Resize to exactly width x height; Fit::Stretch ignores aspect, Fit::CenterCrop fills and crops,
// Fit::Letterbox pads with black. Area interpolation when shrinking, linear when enlarging.
enum class Fit { Invalid = 0, Stretch, CenterCrop, Letterbox };
Image resizeImage(const Image& image, int width, int height, Fit fit);

struct VideoFrame {
  std::int64_t frameIndex = 0;  // index in the video's own frame sequence
  double timeSeconds = 0.0;
  Image image;                  // RGB
};

// Calls onFrame for frames sampled at framesPerSecond (<= 0 means every frame), in order.
// onFrame returns false to stop early (e.g. on cancel). Errors name the file.
Status forEachVideoFrame(const std::filesystem::path& path, double framesPerSecond,
                         const std::function<bool(const VideoFrame&)>& onFrame);

}  // namespace winnow::image
