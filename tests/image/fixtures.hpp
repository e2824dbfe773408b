// Test fixtures generated at run time (never committed): a temp dir, an asymmetric pattern,
// JPEGs carrying a hand-built EXIF APP1 segment.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/image/image.hpp"

namespace winnow::image::test {

using Bytes = std::vector<std::uint8_t>;

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void writeBytes(const std::filesystem::path& path, const Bytes& bytes);
Bytes readBytes(const std::filesystem::path& path);
Bytes encode(const std::string& ext, const cv::Mat& bgr, const std::vector<int>& params = {});

// Display-orientation pattern of width x height (BGR): four quadrants top-left red, top-right
// green, bottom-left blue, bottom-right white. All 8 dihedral transforms of it differ.
cv::Mat quadrantPattern(int width, int height);
enum class Quadrant { Invalid = 0, Red, Green, Blue, White };
// The quadrant colour found at the centre of each quadrant of an RGB image, tolerant to JPEG loss.
Quadrant colourAt(const Image& image, int x, int y);

// What a camera stores for `display` with EXIF `orientation`: the stored pixels, built from the
// EXIF spec's description of where the 0th row and 0th column of the stored image go.
cv::Mat storedForOrientation(const cv::Mat& display, int orientation);

// APP1 "Exif" segment with IFD0 Orientation (when orientation > 0) and, when date is non-empty,
// an Exif IFD with DateTimeOriginal ("YYYY:MM:DD HH:MM:SS").
Bytes exifApp1(int orientation, const std::string& date = {});
// Inserts a segment right after the JPEG SOI marker.
Bytes withSegment(const Bytes& jpeg, const Bytes& segment);

std::string sharedData(const std::string& relative);  // WINNOW_SHARED_DATA_DIR/relative
bool commandExists(const std::string& name);

}  // namespace winnow::image::test
