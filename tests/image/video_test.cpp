// forEachVideoFrame on a generated MJPG AVI (30 frames at 10 fps; frame i is filled with grey 8*i).
#include <gtest/gtest.h>

#include <opencv2/videoio.hpp>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

class Video : public ::testing::Test {
 protected:
  void SetUp() override {
    path = dir / "clip.avi";
    cv::VideoWriter writer(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0, cv::Size(64, 48));
    if (!writer.isOpened()) GTEST_SKIP() << "OpenCV cannot write MJPG AVI here";
    for (int i = 0; i < 30; ++i) writer.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(8 * i)));
  }
  test::TempDir dir;
  std::filesystem::path path;
};

TEST_F(Video, SamplesAtTwoFramesPerSecond) {
  std::vector<std::int64_t> indices;
  std::vector<double> times;
  const Status status = forEachVideoFrame(path, 2.0, [&](const VideoFrame& f) {
    indices.push_back(f.frameIndex);
    times.push_back(f.timeSeconds);
    EXPECT_EQ(f.image.width, 64);
    EXPECT_EQ(f.image.height, 48);
    EXPECT_EQ(f.image.format, PixelFormat::Rgb8);
    // The frame's content identifies it: grey level 8 * index (MJPG is lossy).
    EXPECT_NEAR(f.image.pixels[(24 * 64 + 32) * 3], 8 * f.frameIndex, 6) << f.frameIndex;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(indices, (std::vector<std::int64_t>{0, 5, 10, 15, 20, 25}));
  ASSERT_EQ(times.size(), 6u);
  EXPECT_NEAR(times[3], 1.5, 1e-6);
}

TEST_F(Video, EveryFrameAndEarlyStop) {
  int count = 0;
  ASSERT_TRUE(forEachVideoFrame(path, 0.0, [&](const VideoFrame&) { return ++count > 0; }).ok());
  EXPECT_EQ(count, 30);
  count = 0;
  ASSERT_TRUE(forEachVideoFrame(path, 100.0, [&](const VideoFrame&) { return ++count > 0; }).ok());
  EXPECT_EQ(count, 30);  // asking for more than the stream has gives every frame once
  count = 0;
  ASSERT_TRUE(forEachVideoFrame(path, 1.0, [&](const VideoFrame&) { return ++count < 2; }).ok());
  EXPECT_EQ(count, 2);
}

TEST_F(Video, CorruptAndMissingFilesAreClearErrors) {
  const auto bad = dir / "broken.mp4";
  std::vector<std::uint8_t> junk(5000);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 131 + 7);
  test::writeBytes(bad, junk);
  const Status corrupt = forEachVideoFrame(bad, 1.0, [](const VideoFrame&) { return true; });
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().message.find(bad.string()), std::string::npos) << corrupt.error().message;
  EXPECT_NE(corrupt.error().message.find("cannot"), std::string::npos) << corrupt.error().message;

  const auto missing = dir / "missing.mp4";
  const Status absent = forEachVideoFrame(missing, 1.0, [](const VideoFrame&) { return true; });
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message.find("no such file"), std::string::npos);
  EXPECT_EQ(absent.error().code, ErrorCode::NotFound);

  const Status directory = forEachVideoFrame(dir.path(), 1.0, [](const VideoFrame&) { return true; });
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace winnow::image
