#include "winnow/quality/image_measures.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <exception>

#include "image/cv_image.hpp"

namespace winnow::quality {

namespace {

cv::Mat toRgbThumbnail(const Image& image) {
  const cv::Mat source = image::detail::asMat(image);
  cv::Mat rgb;
  if (image.format == PixelFormat::Gray8) {
    cv::cvtColor(source, rgb, cv::COLOR_GRAY2RGB);
  } else if (image.format == PixelFormat::Rgba8) {
    cv::cvtColor(source, rgb, cv::COLOR_RGBA2RGB);
  } else {
    rgb = source;
  }
  const int longer = std::max(image.width, image.height);
  const double scale = static_cast<double>(kMeasureSide) / longer;
  const int width = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  cv::Mat thumbnail;
  cv::resize(rgb, thumbnail, cv::Size(width, height), 0, 0,
             scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return thumbnail;
}

}  // namespace

Result<ImageMeasures> measureImage(const Image& image) {
  if (!image::detail::isConsistent(image)) {
    return makeError(ErrorCode::Decode, "measureImage: empty or inconsistent image");
  }
  try {
    const cv::Mat rgb = toRgbThumbnail(image);
    ImageMeasures measures;
    cv::Mat grey;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(grey, mean, deviation);
    measures.brightness = mean[0];
    measures.contrast = deviation[0];

    cv::Mat laplacian;
    cv::Laplacian(grey, laplacian, CV_64F);
    cv::meanStdDev(laplacian, mean, deviation);
    measures.blur = deviation[0] * deviation[0];

    std::vector<cv::Mat> channels;
    cv::split(rgb, channels);
    cv::Mat rg;
    cv::Mat gb;
    cv::Mat br;
    cv::absdiff(channels[0], channels[1], rg);
    cv::absdiff(channels[1], channels[2], gb);
    cv::absdiff(channels[2], channels[0], br);
    measures.colourfulness = (cv::mean(rg)[0] + cv::mean(gb)[0] + cv::mean(br)[0]) / 3.0;

    cv::Mat rgbFloat;
    rgb.convertTo(rgbFloat, CV_32F, 1.0 / 255.0);
    cv::Mat lab;
    cv::cvtColor(rgbFloat, lab, cv::COLOR_RGB2Lab);  // float: L 0..100, a*, b* about -127..127
    cv::meanStdDev(lab, mean, deviation);
    measures.colourCastA = mean[1];
    measures.colourCastB = mean[2];
    measures.colourCast = std::hypot(mean[1], mean[2]);
    const double spread = std::hypot(deviation[1], deviation[2]);
    measures.colourCastRatio = measures.colourCast / std::max(spread, 1.0);
    return measures;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Decode, std::string("measureImage: ") + e.what());
  }
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
