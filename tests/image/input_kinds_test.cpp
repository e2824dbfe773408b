// Issue 16: large phone photos, GIFs, broken EXIF and codec messages, at the image-module level.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using test::Bytes;

// The smallest GIF: 1x1, palette {red, black}, pixel index 0; `frames` copies of the frame.
Bytes tinyGif(int frames) {
  Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0, 0, 0, 0, 0};
  for (int i = 0; i < frames; ++i) {
    const Bytes frame = {0x21, 0xF9, 4, 0, 10, 0, 0, 0,              // GCB: delay 10, no transparency
                         0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0};
    gif.insert(gif.end(), frame.begin(), frame.end());
  }
  gif.push_back(0x3B);
  return gif;
}

TEST(InputKinds, PhonePhotoSizeIsAdmittedByDefault) {
  // 108 MP (12,000 x 9,000) was refused by the old 100 MP default; only the header is built.
  Bytes jpeg = test::encode(".jpg", test::quadrantPattern(16, 16));
  ASSERT_EQ(jpeg[2], 0xFF);
  // Patch the SOF0 frame header's size.
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      jpeg[i + 5] = 9000 >> 8;
      jpeg[i + 6] = 9000 & 0xFF;
      jpeg[i + 7] = 12000 >> 8;
      jpeg[i + 8] = 12000 & 0xFF;
      break;
    }
  }
  auto info = probeImage(jpeg, "phone.jpg");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->width, 12000);
  EXPECT_GE(DecodeLimits{}.maxPixels, 200'000'000);
}

TEST(InputKinds, ReducedDecodeAppliesExifOrientation) {
  // Stored 800x600 with orientation 6: display is 600x800. The DCT-reduced decode must rotate too.
  const cv::Mat display = test::quadrantPattern(600, 800);
  const Bytes jpeg = test::withSegment(test::encode(".jpg", test::storedForOrientation(display, 6)), test::exifApp1(6));
  auto reduced = decodeForAnalysis(jpeg, "o6.jpg", 100);
  ASSERT_TRUE(reduced.ok()) << reduced.error().message;
  EXPECT_EQ(reduced->image.width, 75);
  EXPECT_EQ(reduced->image.height, 100);
  EXPECT_DOUBLE_EQ(reduced->scale, 0.125);
  EXPECT_EQ(test::colourAt(reduced->image, 18, 25), test::Quadrant::Red);
  EXPECT_EQ(test::colourAt(reduced->image, 56, 75), test::Quadrant::White);
  // OpenCV 4.6's own reduced mode, for the record: it does apply EXIF orientation too, which is
  // why winnow always passes IMREAD_IGNORE_ORIENTATION and orients once itself.
  const cv::Mat buffer(1, static_cast<int>(jpeg.size()), CV_8UC1, const_cast<std::uint8_t*>(jpeg.data()));
  const cv::Mat cvReduced = cv::imdecode(buffer, cv::IMREAD_REDUCED_COLOR_8);
  EXPECT_EQ(cvReduced.cols, 75);
}

TEST(InputKinds, GifFirstFrameDecodes) {
  for (int frames : {1, 3}) {
    auto decoded = decodeImage(tinyGif(frames), "yale_subject01");
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->info.format, "gif");
    EXPECT_EQ(decoded->image.width, 1);
    EXPECT_EQ(decoded->image.pixels[0], 255);  // red
    EXPECT_EQ(decoded->image.pixels[1], 0);
    EXPECT_EQ(decoded->info.frameCount, frames);
    EXPECT_EQ(decoded->info.warnings.empty(), frames == 1);
  }
  Bytes cut = tinyGif(1);
  cut.resize(cut.size() - 6);
  auto broken = decodeImage(cut, "cut.gif");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("cut.gif"), std::string::npos);
}

TEST(InputKinds, GarbageExifDecodesWithOrientationOneAndAWarning) {
  Bytes seg = {0xFF, 0xE1, 0, 30, 'E', 'x', 'i', 'f', 0, 0};
  for (int i = 0; i < 22; ++i) seg.push_back(static_cast<std::uint8_t>(0xA5 ^ (i * 29)));
  const Bytes jpeg = test::withSegment(test::encode(".jpg", test::quadrantPattern(40, 20)), seg);
  auto decoded = decodeImage(jpeg, "garbage_exif.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->info.exifOrientation, 1);
  EXPECT_EQ(decoded->image.width, 40);
  ASSERT_EQ(decoded->info.warnings.size(), 1u);
  EXPECT_NE(decoded->info.warnings[0].find("broken EXIF"), std::string::npos);
}

TEST(InputKinds, CodecWarningsComeBackInsteadOfStderr) {
  // JPEG whose scan stops early at an EOI marker: libjpeg warns "Corrupt JPEG data: premature end
  // of data segment" and fills the rest.
  Bytes jpeg = test::encode(".jpg", test::quadrantPattern(256, 192));
  jpeg.resize(jpeg.size() * 6 / 10);
  jpeg.insert(jpeg.end(), {0xFF, 0xD9});
  // PNG with an ancillary tEXt chunk whose CRC is wrong: libpng warns and goes on.
  Bytes png = test::encode(".png", test::quadrantPattern(8, 8));
  const Bytes text = {0, 0, 0, 3, 't', 'E', 'X', 't', 'a', 0, 'b', 0xDE, 0xAD, 0xBE, 0xEF};
  png.insert(png.begin() + 33, text.begin(), text.end());  // after signature (8) + IHDR (25)
  testing::internal::CaptureStderr();
  auto j = decodeImage(jpeg, "junk.jpg");
  auto p = decodeImage(png, "crc.png");
  const std::string stderrText = testing::internal::GetCapturedStderr();
  EXPECT_EQ(stderrText, "");
  ASSERT_TRUE(j.ok()) << j.error().message;
  ASSERT_FALSE(j->info.warnings.empty());
  EXPECT_NE(j->info.warnings[0].find("libjpeg"), std::string::npos) << j->info.warnings[0];
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_FALSE(p->info.warnings.empty());
  EXPECT_NE(p->info.warnings[0].find("libpng"), std::string::npos) << p->info.warnings[0];
}

TEST(InputKinds, ContentSniffingIgnoresTheName) {
  test::TempDir dir;
  const auto webp = dir / "black3.jpg_1088Wx1632H";
  test::writeBytes(webp, test::encode(".webp", test::quadrantPattern(32, 32)));
  EXPECT_EQ(sniffImageFile(webp), "webp");
  const auto gif = dir / "subject01.happy";
  test::writeBytes(gif, tinyGif(1));
  EXPECT_EQ(sniffImageFile(gif), "gif");
  const auto text = dir / "notes.txt";
  test::writeBytes(text, Bytes{'h', 'i'});
  EXPECT_EQ(sniffImageFile(text), "");
  EXPECT_TRUE(isImageExtension(".gif"));
}

}  // namespace
}  // namespace winnow::image
