// HEIC through libheif, with files made by heif-enc from real JPEGs. libheif applies the
// container's transforms; heif-convert (also libheif) is the oracle for "rotated exactly once".
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using test::Bytes;

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

double meanAbsDiff(const Image& a, const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const cv::Mat m(a.height, a.width, CV_8UC3, const_cast<std::uint8_t*>(a.pixels.data()));
  cv::Mat diff;
  cv::absdiff(m, rgb, diff);
  const cv::Scalar s = cv::mean(diff);
  return (s[0] + s[1] + s[2]) / 3.0;
}

class Heic : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::commandExists("heif-enc")) GTEST_SKIP() << "heif-enc not installed (libheif-examples)";
  }
  test::TempDir dir;
};

TEST_F(Heic, DecodesHeicMadeFromRealJpeg) {
  const std::string jpeg = test::sharedData("realfake/hard/real/real_10.jpg");
  if (!std::filesystem::exists(jpeg)) GTEST_SKIP() << "shared data missing: " << jpeg;
  const auto heic = dir / "photo.heic";
  ASSERT_TRUE(run("heif-enc -q 90 '" + jpeg + "' -o '" + heic.string() + "'"));
  const Bytes bytes = test::readBytes(heic);
  auto info = probeImage(bytes, heic);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->format, "heic");
  EXPECT_EQ(info->width, 300);
  EXPECT_EQ(info->height, 300);
  auto decoded = decodeImage(bytes, heic);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->image.width, 300);
  ASSERT_EQ(decoded->image.format, PixelFormat::Rgb8);
  EXPECT_LT(meanAbsDiff(decoded->image, cv::imread(jpeg)), 6.0);
}

TEST_F(Heic, OrientedJpegSourceIsRotatedExactlyOnce) {
  if (!test::commandExists("heif-convert")) GTEST_SKIP() << "heif-convert not installed";
  const cv::Mat display = test::quadrantPattern(96, 64);
  for (int o : {1, 3, 6, 8}) {
    const Bytes jpeg = test::withSegment(
        test::encode(".jpg", test::storedForOrientation(display, o), {cv::IMWRITE_JPEG_QUALITY, 95}),
        test::exifApp1(o));
    const auto src = dir / ("o" + std::to_string(o) + ".jpg");
    const auto heic = dir / ("o" + std::to_string(o) + ".heic");
    const auto oracle = dir / ("o" + std::to_string(o) + ".png");
    test::writeBytes(src, jpeg);
    ASSERT_TRUE(run("heif-enc -q 90 '" + src.string() + "' -o '" + heic.string() + "'"));
    ASSERT_TRUE(run("heif-convert '" + heic.string() + "' '" + oracle.string() + "'"));
    const Bytes bytes = test::readBytes(heic);
    auto decoded = decodeImage(bytes, heic);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    const cv::Mat reference = cv::imread(oracle.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    ASSERT_FALSE(reference.empty());
    ASSERT_EQ(decoded->image.width, reference.cols) << "orientation " << o;
    ASSERT_EQ(decoded->image.height, reference.rows) << "orientation " << o;
    EXPECT_LT(meanAbsDiff(decoded->image, reference), 3.0) << "orientation " << o;
    EXPECT_EQ(decoded->info.exifOrientation, 0) << "HEIC orientation is libheif's job";
    auto probe = probeImage(bytes, heic);
    ASSERT_TRUE(probe.ok());
    EXPECT_EQ(probe->orientedWidth(), decoded->image.width);
  }
}

TEST_F(Heic, TruncatedHeicFailsCleanly) {
  const std::string jpeg = test::sharedData("realfake/hard/real/real_10.jpg");
  if (!std::filesystem::exists(jpeg)) GTEST_SKIP() << "shared data missing";
  const auto heic = dir / "cut.heic";
  ASSERT_TRUE(run("heif-enc -q 50 '" + jpeg + "' -o '" + heic.string() + "'"));
  Bytes bytes = test::readBytes(heic);
  bytes.resize(bytes.size() / 2);
  auto decoded = decodeImage(bytes, heic);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find(heic.string()), std::string::npos) << decoded.error().message;
}

}  // namespace
}  // namespace winnow::image
