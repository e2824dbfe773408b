// Pixel measures and the JPEG quality estimate on real photographs and controlled variants of them.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "quality/curation_fixtures.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/quality/image_measures.hpp"

namespace winnow::quality {
namespace {

Image toImage(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Image image;
  image.width = rgb.cols;
  image.height = rgb.rows;
  image.format = PixelFormat::Rgb8;
  image.pixels.assign(rgb.data, rgb.data + rgb.total() * rgb.elemSize());
  return image;
}

cv::Mat realPhoto() {
  const auto files = test::firstFiles(test::sharedData() / "realfake/hard/fake", ".jpg", 1);
  if (files.empty()) return {};
  return test::readBgr(files[0]);
}

std::vector<std::uint8_t> encode(const cv::Mat& bgr, const std::string& extension, int jpegQuality = 95) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(extension, bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, jpegQuality});
  return bytes;
}

TEST(ImageMeasures, JpegQualityEstimateMatchesEncoderSetting) {
  const cv::Mat photo = realPhoto();
  if (photo.empty()) GTEST_SKIP() << "no shared data";
  for (int quality : {20, 50, 75, 90, 98}) {
    EXPECT_EQ(estimateJpegQuality(encode(photo, ".jpg", quality)), quality);
  }
  EXPECT_EQ(estimateJpegQuality(encode(photo, ".png")), -1);
  std::vector<std::uint8_t> truncated = encode(photo, ".jpg", 80);
  truncated.resize(40);  // SOI + part of a segment: no full table
  EXPECT_EQ(estimateJpegQuality(truncated), -1);
  EXPECT_EQ(estimateJpegQuality({0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xFF}), -1);
  EXPECT_EQ(estimateJpegQuality({}), -1);
}

TEST(ImageMeasures, RealPhotoVariantsMoveTheRightMeasure) {
  const cv::Mat photo = realPhoto();
  if (photo.empty()) GTEST_SKIP() << "no shared data";
  auto original = measureImage(toImage(photo));
  ASSERT_TRUE(original) << original.error().message;

  cv::Mat blurred;
  cv::GaussianBlur(photo, blurred, cv::Size(0, 0), 4.0);
  auto blurry = measureImage(toImage(blurred));
  ASSERT_TRUE(blurry);
  EXPECT_LT(blurry->blur * 10, original->blur);

  cv::Mat dark;
  photo.convertTo(dark, -1, 0.15);
  auto darker = measureImage(toImage(dark));
  ASSERT_TRUE(darker);
  EXPECT_LT(darker->brightness, original->brightness * 0.2);
  EXPECT_LT(darker->contrast, original->contrast);

  cv::Mat grey;
  cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(grey, grey, cv::COLOR_GRAY2BGR);
  auto greyMeasures = measureImage(toImage(grey));
  ASSERT_TRUE(greyMeasures);
  EXPECT_LT(greyMeasures->colourfulness, 0.5);
  EXPECT_GT(original->colourfulness, 5.0);
  EXPECT_LT(greyMeasures->colourCast, 1.0);

  cv::Mat blueTint = photo.clone();
  blueTint.forEach<cv::Vec3b>([](cv::Vec3b& pixel, const int*) {
    pixel[0] = cv::saturate_cast<std::uint8_t>(pixel[0] * 0.4 + 150);  // blue up
    pixel[1] = cv::saturate_cast<std::uint8_t>(pixel[1] * 0.8);
    pixel[2] = cv::saturate_cast<std::uint8_t>(pixel[2] * 0.4);        // red down
  });
  auto tinted = measureImage(toImage(blueTint));
  ASSERT_TRUE(tinted);
  EXPECT_GT(tinted->colourCast, original->colourCast + 20);
  EXPECT_LT(tinted->colourCastB, -20);  // blue is negative b*

  // Size does not change the sharpness scale much: the measure works on a fixed-size thumbnail.
  cv::Mat larger;
  cv::resize(photo, larger, cv::Size(), 2.0, 2.0, cv::INTER_CUBIC);
  auto big = measureImage(toImage(larger));
  ASSERT_TRUE(big);
  EXPECT_NEAR(big->blur / original->blur, 1.0, 0.5);
}

TEST(ImageMeasures, GreyAndEmptyInputs) {
  Image grey;
  grey.width = 20;
  grey.height = 10;
  grey.format = PixelFormat::Gray8;
  grey.pixels.assign(200, 7);
  auto measured = measureImage(grey);
  ASSERT_TRUE(measured);
  EXPECT_NEAR(measured->brightness, 7.0, 0.5);
  EXPECT_NEAR(measured->blur, 0.0, 1e-6);
  EXPECT_FALSE(measureImage(Image{}));
  Image inconsistent = grey;
  inconsistent.pixels.resize(3);
  EXPECT_FALSE(measureImage(inconsistent));
}

}  // namespace
}  // namespace winnow::quality
