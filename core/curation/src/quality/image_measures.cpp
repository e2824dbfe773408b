#include "winnow/quality/image_measures.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>

#include "winnow/image/cv_image.hpp"

namespace winnow::quality {

namespace {

// Variance of the 4-neighbour Laplacian (cv::Laplacian, ksize 1) with OpenCV's default border
// (reflect-101): the same value as cv::Laplacian + cv::meanStdDev, in one pass without the
// 16-bit image (three times faster here).
double laplacianVariance(const Image& grey) {
  const int width = grey.width;
  const int height = grey.height;
  const std::uint8_t* pixels = grey.pixels.data();
  auto reflect = [](int i, int n) { return n == 1 ? 0 : (i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i)); };
  double sum = 0.0;
  double sumSquares = 0.0;
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = pixels + static_cast<std::size_t>(y) * width;
    const std::uint8_t* up = pixels + static_cast<std::size_t>(reflect(y - 1, height)) * width;
    const std::uint8_t* down = pixels + static_cast<std::size_t>(reflect(y + 1, height)) * width;
    auto at = [&](int x, int left, int right) { return up[x] + down[x] + row[left] + row[right] - 4 * row[x]; };
    std::int64_t rowSum = 0;
    std::int64_t rowSquares = 0;
    // Interior without border arithmetic, in 32-bit chunks the compiler vectorises (a square is
    // at most 1020^2, so 1,024 of them fit), then the two ends.
    std::int64_t interiorSum = 0;
    std::int64_t interiorSquares = 0;
    for (int start = 1; start < width - 1; start += 1024) {
      const int end = std::min(width - 1, start + 1024);
      std::int32_t chunkSum = 0;
      std::int32_t chunkSquares = 0;
      for (int x = start; x < end; ++x) {
        const std::int32_t value = up[x] + down[x] + row[x - 1] + row[x + 1] - 4 * row[x];
        chunkSum += value;
        chunkSquares += value * value;
      }
      interiorSum += chunkSum;
      interiorSquares += chunkSquares;
    }
    rowSum += interiorSum;
    rowSquares += interiorSquares;
    for (int x : {0, width - 1}) {
      if (x == width - 1 && width == 1) break;
      const int value = at(x, reflect(x - 1, width), reflect(x + 1, width));
      rowSum += value;
      rowSquares += static_cast<std::int64_t>(value) * value;
    }
    sum += static_cast<double>(rowSum);
    sumSquares += static_cast<double>(rowSquares);
  }
  const double count = static_cast<double>(width) * height;
  const double mean = sum / count;
  return std::max(0.0, sumSquares / count - mean * mean);
}

// Mean of |R-G|, |G-B|, |B-R| over all pixels, divided by 3 (as the sum of the three means / 3).
double meanChannelDifference(const Image& rgb) {
  const std::uint8_t* pixel = rgb.pixels.data();
  const std::size_t count = static_cast<std::size_t>(rgb.width) * rgb.height;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count; ++i, pixel += 3) {
    const int r = pixel[0];
    const int g = pixel[1];
    const int b = pixel[2];
    total += std::abs(r - g) + std::abs(g - b) + std::abs(b - r);
  }
  return static_cast<double>(total) / (3.0 * static_cast<double>(count));
}

}  // namespace

void prepareMeasures() {
  static const bool ready = [] {
    cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(1, 2, 3));
    cv::Mat converted;
    cv::cvtColor(pixel, converted, cv::COLOR_RGB2Lab);
    cv::cvtColor(pixel, converted, cv::COLOR_RGB2GRAY);
    return !converted.empty();
  }();
  (void)ready;
}

Result<ImageMeasures> measureWorkingImage(const image::WorkingImage& working) {
  if (!image::isConsistent(working.colour) || !image::isConsistent(working.grey) ||
      working.colour.channels() != 3 || working.grey.channels() != 1) {
    return makeError(ErrorCode::Decode, "measureImage: not a working image");
  }
  try {
    const cv::Mat grey = image::asMat(working.grey);
    ImageMeasures measures;
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(grey, mean, deviation);
    measures.brightness = mean[0];
    measures.contrast = deviation[0];
    measures.blur = laplacianVariance(working.grey);
    measures.colourfulness = meanChannelDifference(working.colour);

    // Colour cast on the colour picture halved (64 px: colour statistics do not need more), in
    // 8-bit CIELAB (OpenCV: a* + 128, b* + 128, rounded; within half a unit of the float
    // conversion per pixel and over 10 times faster).
    const cv::Mat colour = image::asMat(working.colour);
    cv::Mat small;
    if (std::max(colour.cols, colour.rows) >= 2 * 64) {
      cv::resize(colour, small, cv::Size((colour.cols + 1) / 2, (colour.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    } else {
      small = colour;
    }
    prepareMeasures();
    cv::Mat lab;
    cv::cvtColor(small, lab, cv::COLOR_RGB2Lab);
    cv::meanStdDev(lab, mean, deviation);
    measures.colourCastA = mean[1] - 128.0;
    measures.colourCastB = mean[2] - 128.0;
    measures.colourCast = std::hypot(measures.colourCastA, measures.colourCastB);
    const double spread = std::hypot(deviation[1], deviation[2]);
    measures.colourCastRatio = measures.colourCast / std::max(spread, 1.0);
    return measures;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Decode, std::string("measureImage: ") + e.what());
  }
}

Result<ImageMeasures> measureImage(const Image& image) {
  auto working = image::makeWorkingImage(image);
  if (!working) return makeError(ErrorCode::Decode, "measureImage: " + working.error().message);
  return measureWorkingImage(*working);
}

MeasureList sampleMeasureList(const ImageMeasures& pixels, const SampleFacts& facts) {
  const double width = facts.width;
  const double height = facts.height;
  const double area = std::max(1.0, width * height);
  return {
      {"blur", pixels.blur},
      {"brightness", pixels.brightness},
      {"contrast", pixels.contrast},
      {"colourfulness", pixels.colourfulness},
      {"colour_cast", pixels.colourCast},
      {"colour_cast_a", pixels.colourCastA},
      {"colour_cast_b", pixels.colourCastB},
      {"colour_cast_ratio", pixels.colourCastRatio},
      {"jpeg_quality", facts.jpegQuality},
      {"width", width},
      {"height", height},
      {"min_side", std::min(width, height)},
      {"aspect_ratio", height > 0 ? width / height : 0.0},
      {"has_exif", facts.hasExif ? 1.0 : 0.0},
      {"bytes_per_pixel", static_cast<double>(facts.byteSize) / area},
  };
}

namespace {

// IJG's standard luminance table (ITU T.81 K.1) in natural (row-major) order.
constexpr int kStandardLuminance[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

// Zig-zag position -> natural index (DQT stores tables in zig-zag order).
constexpr int kNaturalOrder[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// Reads DQT table 0 in natural order; false when absent or malformed.
bool readLuminanceTable(const std::vector<std::uint8_t>& bytes, int table[64]) {
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;
  std::size_t pos = 2;
  while (pos + 4 <= bytes.size()) {
    if (bytes[pos] != 0xFF) return false;
    const std::uint8_t marker = bytes[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return false;  // end of image / start of scan
    const std::size_t length = (static_cast<std::size_t>(bytes[pos + 2]) << 8) | bytes[pos + 3];
    if (length < 2 || pos + 2 + length > bytes.size()) return false;
    if (marker == 0xDB) {
      std::size_t p = pos + 4;
      const std::size_t end = pos + 2 + length;
      while (p < end) {
        const int precision = bytes[p] >> 4;
        const int id = bytes[p] & 0x0F;
        ++p;
        const std::size_t entryBytes = precision ? 2 : 1;
        if (p + 64 * entryBytes > end) return false;
        for (int k = 0; k < 64; ++k) {
          const int value = precision ? (bytes[p + 2 * k] << 8) | bytes[p + 2 * k + 1] : bytes[p + k];
          if (id == 0) table[kNaturalOrder[k]] = value;
        }
        if (id == 0) return true;
        p += 64 * entryBytes;
      }
    }
    pos += 2 + length;
  }
  return false;
}

}  // namespace

int estimateJpegQuality(const std::vector<std::uint8_t>& bytes) {
  int table[64] = {};
  if (!readLuminanceTable(bytes, table)) return -1;
  for (int value : table) {
    if (value <= 0) return -1;
  }
  int bestQuality = -1;
  double bestError = 0.0;
  for (int quality = 1; quality <= 100; ++quality) {
    const int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    double error = 0.0;
    for (int i = 0; i < 64; ++i) {
      const long scaled = std::clamp((static_cast<long>(kStandardLuminance[i]) * scale + 50) / 100, 1L, 255L);
      error += std::abs(static_cast<double>(scaled) - table[i]);
    }
    if (bestQuality < 0 || error < bestError) {
      bestQuality = quality;
      bestError = error;
    }
  }
  return bestQuality;
}

}  // namespace winnow::quality
