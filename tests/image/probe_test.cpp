// probeImage: format sniffing, header dimensions, EXIF fields; extension tables; error names.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using test::Bytes;

struct FormatCase {
  const char* ext;
  const char* format;
  int channels;
};

TEST(ProbeImage, ReadsFormatAndDimensionsOfEveryEncoder) {
  const cv::Mat colour = test::quadrantPattern(37, 21);  // odd sizes catch off-by-one parsing
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  const FormatCase cases[] = {{".jpg", "jpeg", 3}, {".png", "png", 3}, {".webp", "webp", 3},
                              {".bmp", "bmp", 3},  {".tiff", "tiff", 3}, {".ppm", "ppm", 3},
                              {".pgm", "pgm", 1}};
  for (const auto& c : cases) {
    const Bytes bytes = test::encode(c.ext, std::string(c.ext) == ".pgm" ? grey : colour);
    auto info = probeImage(bytes, std::string("x") + c.ext);
    ASSERT_TRUE(info.ok()) << c.ext << ": " << info.error().message;
    EXPECT_EQ(info->format, c.format) << c.ext;
    EXPECT_EQ(info->width, 37) << c.ext;
    EXPECT_EQ(info->height, 21) << c.ext;
    EXPECT_EQ(info->channels, c.channels) << c.ext;
    EXPECT_EQ(info->exifOrientation, 0) << c.ext;
    EXPECT_FALSE(info->hasExif) << c.ext;
  }
}

TEST(ProbeImage, SniffsFromBytesNotFromName) {
  const Bytes png = test::encode(".png", test::quadrantPattern(8, 6));
  auto info = probeImage(png, "looks_like.jpg");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->format, "png");
}

TEST(ProbeImage, WebpLosslessAndAlphaHeaders) {
  cv::Mat rgba(10, 14, CV_8UC4, cv::Scalar(10, 20, 30, 128));
  const Bytes lossless = test::encode(".webp", rgba, {cv::IMWRITE_WEBP_QUALITY, 101});
  auto info = probeImage(lossless, "a.webp");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->width, 14);
  EXPECT_EQ(info->height, 10);
  EXPECT_EQ(info->channels, 4);
}

TEST(ProbeImage, PnmHeaderWithComments) {
  const std::string text = "P5\n# made by hand\n 3 # width\n2\n255\n";
  Bytes bytes(text.begin(), text.end());
  bytes.resize(bytes.size() + 6, 7);
  auto info = probeImage(bytes, "c.pgm");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->width, 3);
  EXPECT_EQ(info->height, 2);
}

TEST(ProbeImage, ExifOrientationAndCaptureTime) {
  const Bytes jpeg = test::encode(".jpg", test::quadrantPattern(40, 30));
  const Bytes tagged = test::withSegment(jpeg, test::exifApp1(6, "2021:07:04 12:34:56"));
  auto info = probeImage(tagged, "p.jpg");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->hasExif);
  EXPECT_EQ(info->exifOrientation, 6);
  EXPECT_EQ(info->width, 40);
  EXPECT_EQ(info->orientedWidth(), 30);
  ASSERT_TRUE(info->captureTime.has_value());
  EXPECT_EQ(*info->captureTime, "2021-07-04T12:34:56");
}

TEST(ProbeImage, BlankExifDateIsNoDate) {
  const Bytes jpeg = test::encode(".jpg", test::quadrantPattern(16, 16));
  auto info = probeImage(test::withSegment(jpeg, test::exifApp1(1, "0000:00:00 00:00:00")), "d.jpg");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->exifOrientation, 1);
  EXPECT_FALSE(info->captureTime.has_value());
}

TEST(ProbeImage, PngExifChunk) {
  const Bytes png = test::encode(".png", test::quadrantPattern(12, 8));
  const Bytes app1 = test::exifApp1(8);
  const Bytes tiff(app1.begin() + 10, app1.end());
  Bytes chunk = {0, 0, 0, static_cast<std::uint8_t>(tiff.size()), 'e', 'X', 'I', 'f'};
  chunk.insert(chunk.end(), tiff.begin(), tiff.end());
  chunk.insert(chunk.end(), {0, 0, 0, 0});  // CRC is not checked by the probe
  Bytes withExif(png.begin(), png.begin() + 33);  // signature + IHDR
  withExif.insert(withExif.end(), chunk.begin(), chunk.end());
  withExif.insert(withExif.end(), png.begin() + 33, png.end());
  auto info = probeImage(withExif, "e.png");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->exifOrientation, 8);
}

TEST(ProbeImage, LimitsAreConfigurable) {
  const Bytes png = test::encode(".png", test::quadrantPattern(50, 40));
  DecodeLimits tight;
  tight.maxSide = 45;
  auto info = probeImage(png, "big.png", tight);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("too large"), std::string::npos) << info.error().message;
  DecodeLimits fewPixels;
  fewPixels.maxPixels = 1999;
  EXPECT_FALSE(probeImage(png, "big.png", fewPixels).ok());
  fewPixels.maxPixels = 2000;
  EXPECT_TRUE(probeImage(png, "big.png", fewPixels).ok());
}

TEST(Extensions, ImageAndVideoTables) {
  for (const char* e : {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff", ".pgm", ".ppm",
                        ".pnm", ".heic", ".heif"})
    EXPECT_TRUE(isImageExtension(e)) << e;
  for (const char* e : {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})
    EXPECT_TRUE(isVideoExtension(e)) << e;
  // ".gif" left this list with issue 16 (GIFs are read: first frame through giflib).
  for (const char* e : {"", ".JPG", "jpg", ".txt", ".mp4.part"}) EXPECT_FALSE(isImageExtension(e)) << e;
  EXPECT_FALSE(isVideoExtension(".jpg"));
  EXPECT_FALSE(isImageExtension(".mp4"));
}

TEST(ErrorCodeName, NamesEveryCode) {
  EXPECT_STREQ(errorCodeName(ErrorCode::Decode), "decode");
  EXPECT_STREQ(errorCodeName(ErrorCode::NotFound), "not-found");
  EXPECT_STREQ(errorCodeName(ErrorCode::Invalid), "invalid");
  EXPECT_STREQ(errorCodeName(ErrorCode::Internal), "internal");
}

TEST(ChannelCount, PerFormat) {
  EXPECT_EQ(channelCount(PixelFormat::Gray8), 1);
  EXPECT_EQ(channelCount(PixelFormat::Rgb8), 3);
  EXPECT_EQ(channelCount(PixelFormat::Rgba8), 4);
  EXPECT_EQ(channelCount(PixelFormat::Invalid), 0);
}

}  // namespace
}  // namespace winnow::image
