// decodeImage / decodeImageReduced / encodePng / resizeImage on generated fixtures.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using test::Bytes;
using test::Quadrant;

// Display pattern is landscape 64x40; each orientation's stored JPEG must decode back to it.
class ExifOrientation : public ::testing::TestWithParam<int> {};

TEST_P(ExifOrientation, DecodesToDisplayOrientation) {
  const int o = GetParam();
  const cv::Mat display = test::quadrantPattern(64, 40);
  const cv::Mat stored = test::storedForOrientation(display, o);
  const Bytes jpeg = test::withSegment(test::encode(".jpg", stored, {cv::IMWRITE_JPEG_QUALITY, 95}),
                                       test::exifApp1(o));
  auto decoded = decodeImage(jpeg, "o.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const Image& img = decoded->image;
  EXPECT_EQ(decoded->info.exifOrientation, o);
  EXPECT_EQ(decoded->info.width, stored.cols);
  ASSERT_EQ(img.width, 64);
  ASSERT_EQ(img.height, 40);
  ASSERT_EQ(img.format, PixelFormat::Rgb8);
  EXPECT_EQ(test::colourAt(img, 16, 10), Quadrant::Red);
  EXPECT_EQ(test::colourAt(img, 48, 10), Quadrant::Green);
  EXPECT_EQ(test::colourAt(img, 16, 30), Quadrant::Blue);
  EXPECT_EQ(test::colourAt(img, 48, 30), Quadrant::White);

  // The reduced path orients the same way.
  const cv::Mat bigStored = test::storedForOrientation(test::quadrantPattern(640, 400), o);
  const Bytes big = test::withSegment(test::encode(".jpg", bigStored), test::exifApp1(o));
  auto reduced = decodeImageReduced(big, "big.jpg", 150);
  ASSERT_TRUE(reduced.ok()) << reduced.error().message;
  ASSERT_EQ(reduced->width, 160);  // 640 / 4: the largest power of two keeping >= 150
  ASSERT_EQ(reduced->height, 100);
  EXPECT_EQ(test::colourAt(*reduced, 40, 25), Quadrant::Red);
  EXPECT_EQ(test::colourAt(*reduced, 120, 25), Quadrant::Green);
  EXPECT_EQ(test::colourAt(*reduced, 40, 75), Quadrant::Blue);
  EXPECT_EQ(test::colourAt(*reduced, 120, 75), Quadrant::White);
}

INSTANTIATE_TEST_SUITE_P(AllEight, ExifOrientation, ::testing::Range(1, 9));

TEST(DecodeImage, PreserveModeOrientsGreyJpeg) {
  cv::Mat grey(20, 30, CV_8UC1, cv::Scalar(0));
  grey(cv::Rect(0, 0, 15, 10)).setTo(255);  // bright top-left block in stored layout
  const Bytes jpeg = test::withSegment(test::encode(".jpg", grey, {cv::IMWRITE_JPEG_QUALITY, 100}),
                                       test::exifApp1(6));
  auto decoded = decodeImage(jpeg, "g.jpg", ColorMode::Preserve);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->image.format, PixelFormat::Gray8);
  ASSERT_EQ(decoded->image.width, 20);
  ASSERT_EQ(decoded->image.height, 30);
  // Rotating 90 degrees clockwise moves the stored top-left block to the top-right.
  EXPECT_GT(decoded->image.pixels[5 * 20 + 15], 200);
  EXPECT_LT(decoded->image.pixels[5 * 20 + 4], 50);
}

// Lossless formats round-trip exactly, in RGB order.
TEST(DecodeImage, LosslessRoundTrips) {
  cv::Mat bgr(23, 31, CV_8UC3);
  cv::randu(bgr, 0, 256);
  for (const char* ext : {".png", ".bmp", ".tiff", ".ppm", ".webp"}) {
    std::vector<int> params;
    if (std::string(ext) == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};
    auto decoded = decodeImage(test::encode(ext, bgr, params), std::string("r") + ext);
    ASSERT_TRUE(decoded.ok()) << ext << ": " << decoded.error().message;
    const Image& img = decoded->image;
    ASSERT_EQ(img.format, PixelFormat::Rgb8) << ext;
    ASSERT_EQ(img.width, 31);
    ASSERT_EQ(img.height, 23);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    ASSERT_EQ(img.pixels.size(), rgb.total() * 3);
    EXPECT_EQ(0, std::memcmp(img.pixels.data(), rgb.data, img.pixels.size())) << ext;
  }
}

TEST(DecodeImage, PgmRoundTripGreyAndExpanded) {
  cv::Mat grey(9, 13, CV_8UC1);
  cv::randu(grey, 0, 256);
  const Bytes pgm = test::encode(".pgm", grey);
  auto preserved = decodeImage(pgm, "g.pgm", ColorMode::Preserve);
  ASSERT_TRUE(preserved.ok()) << preserved.error().message;
  ASSERT_EQ(preserved->image.format, PixelFormat::Gray8);
  EXPECT_EQ(0, std::memcmp(preserved->image.pixels.data(), grey.data, grey.total()));
  auto rgb = decodeImage(pgm, "g.pgm", ColorMode::Rgb);
  ASSERT_TRUE(rgb.ok());
  ASSERT_EQ(rgb->image.format, PixelFormat::Rgb8);
  EXPECT_EQ(rgb->image.pixels[3 * 7 + 0], grey.data[7]);
  EXPECT_EQ(rgb->image.pixels[3 * 7 + 2], grey.data[7]);
}

TEST(DecodeImage, GreyPng) {
  cv::Mat grey(5, 6, CV_8UC1, cv::Scalar(77));
  auto preserved = decodeImage(test::encode(".png", grey), "g.png", ColorMode::Preserve);
  ASSERT_TRUE(preserved.ok());
  EXPECT_EQ(preserved->image.format, PixelFormat::Gray8);
  EXPECT_EQ(preserved->info.channels, 1);
  EXPECT_EQ(preserved->image.pixels[0], 77);
  auto rgb = decodeImage(test::encode(".png", grey), "g.png");
  ASSERT_TRUE(rgb.ok());
  EXPECT_EQ(rgb->image.format, PixelFormat::Rgb8);
  EXPECT_EQ(rgb->info.channels, 3);
}

TEST(DecodeImage, FourChannelPng) {
  cv::Mat bgra(4, 5, CV_8UC4, cv::Scalar(10, 20, 30, 40));  // B G R A
  const Bytes png = test::encode(".png", bgra);
  auto probe = probeImage(png, "a.png");
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(probe->channels, 4);
  auto preserved = decodeImage(png, "a.png", ColorMode::Preserve);
  ASSERT_TRUE(preserved.ok()) << preserved.error().message;
  ASSERT_EQ(preserved->image.format, PixelFormat::Rgba8);
  const std::uint8_t expected[] = {30, 20, 10, 40};
  EXPECT_EQ(0, std::memcmp(preserved->image.pixels.data(), expected, 4));
  auto rgb = decodeImage(png, "a.png", ColorMode::Rgb);
  ASSERT_TRUE(rgb.ok());
  ASSERT_EQ(rgb->image.format, PixelFormat::Rgb8);
  EXPECT_EQ(0, std::memcmp(rgb->image.pixels.data(), expected, 3));
}

TEST(DecodeImage, SixteenBitPngBecomesEightBit) {
  cv::Mat deep(3, 4, CV_16UC3, cv::Scalar(65535, 0, 0x8080));  // B G R
  for (ColorMode mode : {ColorMode::Rgb, ColorMode::Preserve}) {
    auto decoded = decodeImage(test::encode(".png", deep), "d.png", mode);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->image.format, PixelFormat::Rgb8);
    EXPECT_EQ(decoded->image.pixels[0], 0x80);  // R
    EXPECT_EQ(decoded->image.pixels[1], 0);     // G
    EXPECT_EQ(decoded->image.pixels[2], 255);   // B
  }
  cv::Mat deepGrey(3, 4, CV_16UC1, cv::Scalar(0x4040));
  auto grey = decodeImage(test::encode(".png", deepGrey), "dg.png", ColorMode::Preserve);
  ASSERT_TRUE(grey.ok());
  ASSERT_EQ(grey->image.format, PixelFormat::Gray8);
  EXPECT_EQ(grey->image.pixels[0], 0x40);
}

TEST(DecodeImage, SixteenBitPgm) {
  cv::Mat deep(3, 4, CV_16UC1, cv::Scalar(0xC0C0));
  for (ColorMode mode : {ColorMode::Rgb, ColorMode::Preserve}) {
    auto decoded = decodeImage(test::encode(".pgm", deep), "deep.pgm", mode);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->image.pixels[0], 0xC0);
    EXPECT_EQ(decoded->image.pixels.size(), 12u * decoded->image.channels());
  }
}

TEST(DecodeImage, JpegWithDataAfterEndMarker) {
  // Motion photos and some cameras append data after EOI; that is not truncation.
  Bytes jpeg = test::encode(".jpg", test::quadrantPattern(40, 30));
  jpeg.insert(jpeg.end(), 3000, 0x5A);
  auto decoded = decodeImage(jpeg, "motion.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->image.width, 40);
}

TEST(DecodeImage, ProgressiveJpeg) {
  const Bytes jpeg = test::encode(".jpg", test::quadrantPattern(64, 40), {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  auto decoded = decodeImage(jpeg, "prog.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(test::colourAt(decoded->image, 48, 30), test::Quadrant::White);
  Bytes cut = jpeg;
  cut.resize(cut.size() - 40);
  auto truncated = decodeImage(cut, "prog.jpg");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);
}

TEST(DecodeImage, PngExifOrientationIsAppliedOnce) {
  const Bytes png = test::encode(".png", test::storedForOrientation(test::quadrantPattern(64, 40), 8));
  const Bytes app1 = test::exifApp1(8);
  const Bytes tiff(app1.begin() + 10, app1.end());
  Bytes chunk = {0, 0, 0, static_cast<std::uint8_t>(tiff.size()), 'e', 'X', 'I', 'f'};
  chunk.insert(chunk.end(), tiff.begin(), tiff.end());
  chunk.insert(chunk.end(), {0, 0, 0, 0});
  Bytes withExif(png.begin(), png.begin() + 33);
  withExif.insert(withExif.end(), chunk.begin(), chunk.end());
  withExif.insert(withExif.end(), png.begin() + 33, png.end());
  for (ColorMode mode : {ColorMode::Rgb, ColorMode::Preserve}) {
    auto decoded = decodeImage(withExif, "e.png", mode);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->image.width, 64);
    EXPECT_EQ(test::colourAt(decoded->image, 16, 10), test::Quadrant::Red);
    EXPECT_EQ(test::colourAt(decoded->image, 48, 30), test::Quadrant::White);
  }
}

TEST(DecodeImageReduced, OnlyShrinksWhenMuchLarger) {
  const Bytes jpeg = test::encode(".jpg", test::quadrantPattern(1600, 1200));
  auto r8 = decodeImageReduced(jpeg, "r.jpg", 150);
  ASSERT_TRUE(r8.ok());
  EXPECT_EQ(r8->width, 200);  // capped at 1/8
  auto r2 = decodeImageReduced(jpeg, "r.jpg", 700);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->width, 800);
  auto full = decodeImageReduced(jpeg, "r.jpg", 1000);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->width, 1600);
  auto png = decodeImageReduced(test::encode(".png", test::quadrantPattern(400, 300)), "r.png", 50);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png->width, 400);  // only JPEG shrinks at decode time
  auto odd = decodeImageReduced(test::encode(".jpg", test::quadrantPattern(1001, 403)), "odd.jpg", 250);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  EXPECT_EQ(odd->width, 251);  // ceil(1001 / 4)
  EXPECT_EQ(odd->height, 101);
}

TEST(EncodePng, RoundTripsRgbRgbaAndGrey) {
  for (PixelFormat format : {PixelFormat::Rgb8, PixelFormat::Rgba8, PixelFormat::Gray8}) {
    Image img;
    img.width = 7;
    img.height = 5;
    img.format = format;
    img.pixels.resize(img.strideBytes() * 5);
    for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i * 37);
    auto png = encodePng(img);
    ASSERT_TRUE(png.ok()) << png.error().message;
    auto back = decodeImage(*png, "e.png", ColorMode::Preserve);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->image.format, format);
    EXPECT_EQ(back->image.pixels, img.pixels);
  }
  Image empty;
  auto bad = encodePng(empty);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("empty"), std::string::npos);
  Image inconsistent;
  inconsistent.width = 10;
  inconsistent.height = 10;
  inconsistent.format = PixelFormat::Rgb8;
  inconsistent.pixels.resize(10);
  EXPECT_FALSE(encodePng(inconsistent).ok());
}

Image bands() {  // 300x100: red | green | blue vertical bands
  Image img;
  img.width = 300;
  img.height = 100;
  img.format = PixelFormat::Rgb8;
  img.pixels.resize(300 * 100 * 3);
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 300; ++x) img.pixels[(y * 300 + x) * 3 + x / 100] = 255;
  return img;
}

const std::uint8_t* px(const Image& img, int x, int y) {
  return img.pixels.data() + (static_cast<std::size_t>(y) * img.width + x) * img.channels();
}

TEST(ResizeImage, StretchCropAndLetterbox) {
  const Image src = bands();
  const Image stretched = resizeImage(src, 30, 50, Fit::Stretch);
  ASSERT_EQ(stretched.width, 30);
  ASSERT_EQ(stretched.height, 50);
  EXPECT_EQ(px(stretched, 2, 25)[0], 255);
  EXPECT_EQ(px(stretched, 27, 25)[2], 255);

  const Image cropped = resizeImage(src, 50, 50, Fit::CenterCrop);
  ASSERT_EQ(cropped.width, 50);
  ASSERT_EQ(cropped.pixels.size(), 50u * 50 * 3);
  for (int x : {0, 25, 49}) EXPECT_EQ(px(cropped, x, 25)[1], 255) << x;  // only the green band
  EXPECT_EQ(px(cropped, 0, 25)[0], 0);

  const Image boxed = resizeImage(src, 60, 60, Fit::Letterbox);
  ASSERT_EQ(boxed.height, 60);
  const std::uint8_t* top = px(boxed, 30, 2);
  EXPECT_EQ(top[0] + top[1] + top[2], 0);  // black bar
  EXPECT_EQ(px(boxed, 30, 30)[1], 255);   // green centre
  EXPECT_EQ(px(boxed, 2, 30)[0], 255);    // red left band
  const std::uint8_t* bottom = px(boxed, 30, 57);
  EXPECT_EQ(bottom[0] + bottom[1] + bottom[2], 0);

  const Image up = resizeImage(src, 600, 200, Fit::Stretch);
  EXPECT_EQ(up.width, 600);
  EXPECT_TRUE(resizeImage(src, 0, 10, Fit::Stretch).empty());
  EXPECT_TRUE(resizeImage(Image{}, 10, 10, Fit::Stretch).empty());
  EXPECT_TRUE(resizeImage(src, 10, 10, Fit::Invalid).empty());
}

}  // namespace
}  // namespace winnow::image
