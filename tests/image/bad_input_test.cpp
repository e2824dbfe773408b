// Hostile input: every failure is a Result error whose message names the file and the reason.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using test::Bytes;

// Reads the file (when it can) and decodes; returns the first error.
Error failureFor(const std::filesystem::path& path) {
  auto bytes = readFileBytes(path);
  if (!bytes) return bytes.error();
  auto decoded = decodeImage(*bytes, path);
  EXPECT_FALSE(decoded.ok()) << path << " decoded unexpectedly";
  return decoded.ok() ? Error{} : decoded.error();
}

void expectError(const Error& e, const std::filesystem::path& path, const std::string& word) {
  EXPECT_NE(e.code, ErrorCode::Invalid);
  EXPECT_NE(e.message.find(path.string()), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(word), std::string::npos) << "'" << word << "' not in: " << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << "message must be one line: " << e.message;
}

Bytes realJpeg() { return test::readBytes(test::sharedData("realfake/hard/real/real_1.jpg")); }

class BadInput : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::filesystem::path write(const std::string& name, const Bytes& bytes) {
    const auto p = dir / name;
    test::writeBytes(p, bytes);
    return p;
  }
};

TEST_F(BadInput, ZeroBytes) {
  const auto p = write("empty.jpg", {});
  expectError(failureFor(p), p, "empty");
}

TEST_F(BadInput, TruncatedJpeg) {
  Bytes jpeg = test::encode(".jpg", test::quadrantPattern(200, 150));
  jpeg.resize(jpeg.size() * 6 / 10);
  const auto p = write("cut.jpg", jpeg);
  const Error e = failureFor(p);
  expectError(e, p, "truncated");
  EXPECT_EQ(e.code, ErrorCode::Decode);
}

TEST_F(BadInput, TruncatedJpegInsideHeader) {
  Bytes jpeg = test::encode(".jpg", test::quadrantPattern(20, 20));
  jpeg.resize(40);
  const auto p = write("head.jpg", jpeg);
  expectError(failureFor(p), p, "truncated");
}

TEST_F(BadInput, TruncatedPng) {
  cv::Mat noise(120, 160, CV_8UC3);
  cv::randu(noise, 0, 256);
  Bytes png = test::encode(".png", noise);
  png.resize(png.size() * 6 / 10);
  const auto p = write("cut.png", png);
  expectError(failureFor(p), p, "truncated");
}

TEST_F(BadInput, TextFileNamedJpg) {
  const std::string text = "this is not a picture\n";
  const auto p = write("notes.jpg", Bytes(text.begin(), text.end()));
  const Error e = failureFor(p);
  expectError(e, p, "not a supported image");
  EXPECT_EQ(e.code, ErrorCode::Unsupported);
}

TEST_F(BadInput, RandomBytes) {
  std::mt19937 rng(42);
  Bytes noise(4096);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
  noise[0] = 0x13;  // make sure no magic matches by chance
  const auto p = write("noise.png", noise);
  expectError(failureFor(p), p, "not a supported image");
}

TEST_F(BadInput, RandomBytesAfterValidMagic) {
  // Valid signatures followed by garbage must fail cleanly, never crash.
  std::mt19937 rng(7);
  const std::vector<Bytes> magics = {{0xFF, 0xD8, 0xFF, 0xE0},
                                     {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                                     {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'},
                                     {'B', 'M'},
                                     {'I', 'I', '*', 0},
                                     {'M', 'M', 0, '*'},
                                     {'P', '6', '\n'},
                                     {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'}};
  for (std::size_t i = 0; i < magics.size(); ++i) {
    for (int trial = 0; trial < 20; ++trial) {
      Bytes bytes = magics[i];
      const std::size_t n = 1 + rng() % 600;
      for (std::size_t k = 0; k < n; ++k) bytes.push_back(static_cast<std::uint8_t>(rng()));
      const auto path = dir / ("fuzz" + std::to_string(i) + ".bin");
      auto decoded = decodeImage(bytes, path);
      if (!decoded.ok()) {
        EXPECT_NE(decoded.error().message.find(path.string()), std::string::npos) << decoded.error().message;
      }
    }
  }
}

TEST_F(BadInput, PngDeclaring60000Square) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  const std::uint32_t side = 60000;
  for (int k = 0; k < 2; ++k)
    for (int s = 24; s >= 0; s -= 8) png.push_back(static_cast<std::uint8_t>((side >> s) & 0xff));
  png.insert(png.end(), {8, 2, 0, 0, 0, 0, 0, 0, 0});  // depth, colour type, ..., CRC
  const auto p = write("huge.png", png);
  const Error e = failureFor(p);
  expectError(e, p, "too large");
  expectError(e, p, "60000x60000");
  auto probe = probeImage(png, p);
  ASSERT_FALSE(probe.ok());
  expectError(probe.error(), p, "too large");
}

TEST_F(BadInput, BmpDeclaringHugeDimensions) {
  Bytes bmp(54, 0);
  bmp[0] = 'B';
  bmp[1] = 'M';
  bmp[14] = 40;
  const std::uint32_t side = 200000;
  for (int i = 0; i < 4; ++i) {
    bmp[18 + i] = static_cast<std::uint8_t>((side >> (8 * i)) & 0xff);
    bmp[22 + i] = static_cast<std::uint8_t>((side >> (8 * i)) & 0xff);
  }
  bmp[26] = 1;
  bmp[28] = 24;
  const auto p = write("huge.bmp", bmp);
  expectError(failureFor(p), p, "too large");
}

// Issue 16 item 5: a broken EXIF block no longer refuses a JPEG that decodes; it is read with
// orientation 1 and a warning that names the problem (was: an error "broken EXIF").
void expectBrokenExifWarning(const Bytes& jpeg, const std::filesystem::path& p, const std::string& word) {
  auto decoded = decodeImage(jpeg, p);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->info.exifOrientation, 1);
  ASSERT_FALSE(decoded->info.warnings.empty());
  EXPECT_NE(decoded->info.warnings[0].find("broken EXIF"), std::string::npos) << decoded->info.warnings[0];
  EXPECT_NE(decoded->info.warnings[0].find(word), std::string::npos) << decoded->info.warnings[0];
  auto probe = probeImage(jpeg, p);
  ASSERT_TRUE(probe.ok());
  EXPECT_FALSE(probe->warnings.empty());
}

TEST_F(BadInput, JpegWithOrientationOutOfRange) {
  const Bytes jpeg = test::withSegment(test::encode(".jpg", test::quadrantPattern(16, 16)), test::exifApp1(9));
  expectBrokenExifWarning(jpeg, write("o9.jpg", jpeg), "orientation 9");
}

TEST_F(BadInput, JpegWithGarbageExif) {
  Bytes seg = {0xFF, 0xE1, 0, 30, 'E', 'x', 'i', 'f', 0, 0};
  for (int i = 0; i < 22; ++i) seg.push_back(static_cast<std::uint8_t>(0xA5 ^ (i * 29)));
  const Bytes jpeg = test::withSegment(test::encode(".jpg", test::quadrantPattern(16, 16)), seg);
  expectBrokenExifWarning(jpeg, write("garbage_exif.jpg", jpeg), "");
}

TEST_F(BadInput, JpegWithExifPointingOutside) {
  Bytes seg = test::exifApp1(6);
  seg[14] = 0xF0;  // IFD0 offset far beyond the block
  seg[15] = 0xFF;
  const Bytes jpeg = test::withSegment(test::encode(".jpg", test::quadrantPattern(16, 16)), seg);
  expectBrokenExifWarning(jpeg, write("outside_exif.jpg", jpeg), "IFD0");
}

TEST_F(BadInput, DirectoryNamedJpg) {
  const auto p = dir / "x.jpg";
  std::filesystem::create_directory(p);
  const Error e = failureFor(p);
  expectError(e, p, "is a directory");
}

TEST_F(BadInput, MissingFile) {
  const auto p = dir / "missing.jpg";
  const Error e = failureFor(p);
  expectError(e, p, "no such file");
  EXPECT_EQ(e.code, ErrorCode::NotFound);
}

TEST_F(BadInput, FileTooBig) {
  const auto p = write("big.jpg", Bytes(4096, 0xAB));  // the size limit comes before any decoding
  auto bytes = readFileBytes(p, 100);
  ASSERT_FALSE(bytes.ok());
  expectError(bytes.error(), p, "too big");
  auto ok = readFileBytes(p);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), std::filesystem::file_size(p));
}

TEST_F(BadInput, UnreadableFile) {
  const auto p = write("locked.jpg", realJpeg());
  ::chmod(p.c_str(), 0);
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: permissions are not enforced";
  const Error e = failureFor(p);
  expectError(e, p, "permission denied");
}

TEST_F(BadInput, InvalidColourModeIsAnError) {
  auto decoded = decodeImage(realJpeg(), "m.jpg", ColorMode::Invalid);
  ASSERT_FALSE(decoded.ok());
  expectError(decoded.error(), "m.jpg", "colour mode");
}

}  // namespace
}  // namespace winnow::image
