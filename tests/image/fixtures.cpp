#include "fixtures.hpp"

#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace winnow::image::test {

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = std::filesystem::temp_directory_path() /
                     ("winnow-image-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
  for (auto& entry : std::filesystem::recursive_directory_iterator(path_, ec))
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all, ec);
  std::filesystem::remove_all(path_, ec);
}

void writeBytes(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Bytes readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes encode(const std::string& ext, const cv::Mat& bgr, const std::vector<int>& params) {
  Bytes out;
  if (!cv::imencode(ext, bgr, out, params)) throw std::runtime_error("imencode " + ext);
  return out;
}

cv::Mat quadrantPattern(int width, int height) {
  cv::Mat m(height, width, CV_8UC3);
  const cv::Vec3b red(0, 0, 255), green(0, 255, 0), blue(255, 0, 0), white(255, 255, 255);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const bool right = x >= width / 2;
      const bool bottom = y >= height / 2;
      m.at<cv::Vec3b>(y, x) = bottom ? (right ? white : blue) : (right ? green : red);
    }
  return m;
}

Quadrant colourAt(const Image& image, int x, int y) {
  const std::uint8_t* p = image.pixels.data() + (static_cast<std::size_t>(y) * image.width + x) * image.channels();
  const bool r = p[0] > 160, g = p[1] > 160, b = p[2] > 160;
  if (r && g && b) return Quadrant::White;
  if (r && !g && !b) return Quadrant::Red;
  if (!r && g && !b) return Quadrant::Green;
  if (!r && !g && b) return Quadrant::Blue;
  return Quadrant::Invalid;
}

cv::Mat storedForOrientation(const cv::Mat& display, int o) {
  const int dw = display.cols, dh = display.rows;
  const bool swap = o >= 5;
  const int sw = swap ? dh : dw, sh = swap ? dw : dh;
  cv::Mat stored(sh, sw, display.type());
  for (int sy = 0; sy < sh; ++sy)
    for (int sx = 0; sx < sw; ++sx) {
      int dx = sx, dy = sy;
      switch (o) {  // EXIF 2.3 table: where stored row 0 / column 0 appear in the visual image
        case 2: dx = dw - 1 - sx; dy = sy; break;                 // row 0 top, col 0 right
        case 3: dx = dw - 1 - sx; dy = dh - 1 - sy; break;        // row 0 bottom, col 0 right
        case 4: dx = sx; dy = dh - 1 - sy; break;                 // row 0 bottom, col 0 left
        case 5: dx = sy; dy = sx; break;                          // row 0 left, col 0 top
        case 6: dx = dw - 1 - sy; dy = sx; break;                 // row 0 right, col 0 top
        case 7: dx = dw - 1 - sy; dy = dh - 1 - sx; break;        // row 0 right, col 0 bottom
        case 8: dx = sy; dy = dh - 1 - sx; break;                 // row 0 left, col 0 bottom
        default: break;
      }
      stored.at<cv::Vec3b>(sy, sx) = display.at<cv::Vec3b>(dy, dx);
    }
  return stored;
}

namespace {
void put16(Bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v & 0xff);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>((v >> (8 * i)) & 0xff);
}
void entry(Bytes& b, std::size_t at, std::uint32_t tag, std::uint32_t type, std::uint32_t count,
           std::uint32_t value) {
  put16(b, at, tag);
  put16(b, at + 2, type);
  put32(b, at + 4, count);
  if (type == 3) {
    put16(b, at + 8, value);
    put16(b, at + 10, 0);
  } else {
    put32(b, at + 8, value);
  }
}
}  // namespace

Bytes exifApp1(int orientation, const std::string& date) {
  const bool hasDate = !date.empty();
  const std::uint32_t n0 = (orientation > 0 ? 1u : 0u) + (hasDate ? 1u : 0u);
  const std::size_t ifd0 = 8;
  const std::size_t exifIfd = ifd0 + 2 + 12 * n0 + 4;
  const std::size_t dateAt = exifIfd + 2 + 12 + 4;
  Bytes tiff(hasDate ? dateAt + 20 : exifIfd, 0);
  tiff[0] = 'I';
  tiff[1] = 'I';
  put16(tiff, 2, 42);
  put32(tiff, 4, static_cast<std::uint32_t>(ifd0));
  put16(tiff, ifd0, n0);
  std::size_t at = ifd0 + 2;
  if (orientation > 0) {
    entry(tiff, at, 0x0112, 3, 1, static_cast<std::uint32_t>(orientation));
    at += 12;
  }
  if (hasDate) {
    entry(tiff, at, 0x8769, 4, 1, static_cast<std::uint32_t>(exifIfd));
    at += 12;
  }
  put32(tiff, at, 0);
  if (hasDate) {
    put16(tiff, exifIfd, 1);
    entry(tiff, exifIfd + 2, 0x9003, 2, 20, static_cast<std::uint32_t>(dateAt));
    put32(tiff, exifIfd + 14, 0);
    for (std::size_t i = 0; i < 19 && i < date.size(); ++i) tiff[dateAt + i] = static_cast<std::uint8_t>(date[i]);
  }
  Bytes seg = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  const std::size_t len = seg.size() - 2;
  seg[2] = static_cast<std::uint8_t>(len >> 8);
  seg[3] = static_cast<std::uint8_t>(len & 0xff);
  return seg;
}

Bytes withSegment(const Bytes& jpeg, const Bytes& segment) {
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::string sharedData(const std::string& relative) {
  const char* overridden = std::getenv("WINNOW_SHARED_DATA_DIR");  // as winnow::test::sharedData()
  return std::string(overridden != nullptr && *overridden != '\0' ? overridden : WINNOW_SHARED_DATA_DIR) + "/" + relative;
}

bool commandExists(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace winnow::image::test
