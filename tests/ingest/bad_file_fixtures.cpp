#include "ingest/bad_file_fixtures.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace winnow::test {

namespace fs = std::filesystem;

std::vector<unsigned char> readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& path, const std::vector<unsigned char>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

namespace {

std::uint32_t crc32(const unsigned char* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void putBigEndian32(std::vector<unsigned char>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<unsigned char>(value >> (24 - 8 * i));
}

// A real, valid small PNG whose IHDR (with a correct CRC) declares width x height.
std::vector<unsigned char> pngDeclaring(std::uint32_t width, std::uint32_t height) {
  std::vector<unsigned char> bytes;
  cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30)), bytes);
  putBigEndian32(bytes, 16, width);
  putBigEndian32(bytes, 20, height);
  putBigEndian32(bytes, 29, crc32(bytes.data() + 12, 17));
  return bytes;
}


}  // namespace

// A JPEG whose APP1 Exif block is garbage.
std::vector<unsigned char> jpegWithBrokenExif(const std::vector<unsigned char>& jpeg) {
  std::vector<unsigned char> out(jpeg.begin(), jpeg.begin() + 2);  // SOI
  const std::string exifHeader("Exif\0\0", 6);
  std::vector<unsigned char> payload(exifHeader.begin(), exifHeader.end());
  payload.insert(payload.end(), {'I', 'I', 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F});  // IFD0 far away
  for (int i = 0; i < 40; ++i) payload.push_back(static_cast<unsigned char>(0xA5 ^ i));
  const std::size_t length = payload.size() + 2;
  out.insert(out.end(), {0xFF, 0xE1, static_cast<unsigned char>(length >> 8),
                         static_cast<unsigned char>(length & 0xFF)});
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::vector<BadFixture> writeBadFiles(const fs::path& folder, const fs::path& sourceJpeg) {
  fs::create_directories(folder);
  std::vector<BadFixture> fixtures;
  const std::vector<unsigned char> jpeg = readAll(sourceJpeg);
  cv::Mat picture = cv::imdecode(jpeg, cv::IMREAD_COLOR);

  writeAll(folder / "empty.jpg", {});
  fixtures.push_back({folder / "empty.jpg", "empty"});

  writeAll(folder / "truncated.jpg", std::vector<unsigned char>(jpeg.begin(), jpeg.begin() + jpeg.size() / 2));
  fixtures.push_back({folder / "truncated.jpg", "truncated"});

  std::vector<unsigned char> png;
  cv::imencode(".png", picture, png);
  writeAll(folder / "truncated.png", std::vector<unsigned char>(png.begin(), png.begin() + png.size() / 2));
  fixtures.push_back({folder / "truncated.png", "truncated"});

  const std::string text = "name,label\nalice,cat\n";
  writeAll(folder / "notes.png", std::vector<unsigned char>(text.begin(), text.end()));
  fixtures.push_back({folder / "notes.png", "not a supported image"});

  std::vector<unsigned char> noise(4096);
  std::srand(7);
  for (auto& byte : noise) byte = static_cast<unsigned char>(std::rand() & 0xFF);
  writeAll(folder / "noise.jpg", noise);
  fixtures.push_back({folder / "noise.jpg", "not a supported image"});

  writeAll(folder / "huge.png", pngDeclaring(60000, 60000));
  fixtures.push_back({folder / "huge.png", "too large"});

  // "broken exif.jpg" left this list with issue 16: it decodes, so it is ingested with
  // orientation 1 and a warning (tests/ingest/input_kinds_test.cpp).

  // BMP header declaring 100000 x 100000 pixels at 24 bits.
  std::vector<unsigned char> bmp(54, 0);
  bmp[0] = 'B';
  bmp[1] = 'M';
  auto putLe32 = [&](std::size_t offset, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bmp[offset + i] = static_cast<unsigned char>(value >> (8 * i));
  };
  putLe32(2, 54 + 16);
  putLe32(10, 54);
  putLe32(14, 40);
  putLe32(18, 100000);
  putLe32(22, 100000);
  bmp[26] = 1;
  bmp[28] = 24;
  bmp.resize(70, 0x7F);
  writeAll(folder / "absurd.bmp", bmp);
  fixtures.push_back({folder / "absurd.bmp", "too large"});

  const std::string gif = "GIF89a\x01\x00\x01\x00\x80\x00\x00";
  writeAll(folder / "animation.jpg", std::vector<unsigned char>(gif.begin(), gif.end()));
  fixtures.push_back({folder / "animation.jpg", "gif"});  // GIFs are read now; this one is cut

  std::vector<unsigned char> webp = {'R', 'I', 'F', 'F', 0x40, 0, 0, 0, 'W', 'E', 'B', 'P',
                                     'V', 'P', '8', ' ', 0x34, 0, 0, 0};
  for (int i = 0; i < 52; ++i) webp.push_back(static_cast<unsigned char>(i * 37));
  writeAll(folder / "garbled.webp", webp);
  fixtures.push_back({folder / "garbled.webp", ""});

  const std::string pgm = "P5\n640 480\n255\n" + std::string(1000, '\x40');
  writeAll(folder / "short.pgm", std::vector<unsigned char>(pgm.begin(), pgm.end()));
  fixtures.push_back({folder / "short.pgm", ""});

  std::error_code ec;
  fs::create_symlink(folder / "does-not-exist.jpg", folder / "dangling.jpg", ec);
  if (!ec) fixtures.push_back({folder / "dangling.jpg", "link"});
  return fixtures;
}

}  // namespace winnow::test
