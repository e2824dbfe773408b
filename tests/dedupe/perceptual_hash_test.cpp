#include "winnow/dedupe/perceptual_hash.hpp"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/temp_dir.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::dedupe {
namespace {

Image fromMat(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Image image;
  image.width = rgb.cols;
  image.height = rgb.rows;
  image.format = PixelFormat::Rgb8;
  image.pixels.assign(rgb.data, rgb.data + rgb.total() * rgb.elemSize());
  return image;
}

PerceptualHashes hashesOf(const cv::Mat& bgr) {
  auto hashed = hashImage(fromMat(bgr));
  EXPECT_TRUE(hashed.ok());
  return hashed ? hashed->hashes : PerceptualHashes{};
}

cv::Mat recompress(const cv::Mat& bgr, int quality) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return cv::imdecode(bytes, cv::IMREAD_COLOR);
}

TEST(PerceptualHash, VariantsOfRealPhotosAreNearAndOthersFar) {
  const auto folder = test::sharedData() / "realfake/hard/real";
  if (!std::filesystem::exists(folder)) GTEST_SKIP() << "no shared data at " << folder;
  std::vector<PerceptualHashes> originals;
  for (int k = 1; k <= 12; ++k) {
    const cv::Mat photo = cv::imread((folder / ("real_" + std::to_string(k) + ".jpg")).string());
    ASSERT_FALSE(photo.empty());
    const PerceptualHashes original = hashesOf(photo);
    originals.push_back(original);
    cv::Mat half;
    cv::resize(photo, half, {}, 0.5, 0.5, cv::INTER_AREA);
    cv::Mat brighter;
    photo.convertTo(brighter, -1, 1.0, 10.0);
    const int cut = photo.cols * 2 / 100;  // 4% of each side in all
    const cv::Mat cropped = photo(cv::Rect(cut, cut, photo.cols - 2 * cut, photo.rows - 2 * cut)).clone();
    for (const cv::Mat& variant : {recompress(photo, 60), half, brighter, cropped}) {
      const PerceptualHashes h = hashesOf(variant);
      EXPECT_LE(hammingDistance(h.phash, original.phash), 12) << "photo " << k;
      EXPECT_LE(hammingDistance(h.dhash, original.dhash), 12) << "photo " << k;
    }
  }
  // Unrelated photos are far apart in at least one of the two hashes.
  for (std::size_t i = 0; i < originals.size(); ++i) {
    for (std::size_t j = i + 1; j < originals.size(); ++j) {
      const bool near = hammingDistance(originals[i].phash, originals[j].phash) <= 14 &&
                        hammingDistance(originals[i].dhash, originals[j].dhash) <= 14;
      EXPECT_FALSE(near) << i << " vs " << j;
    }
  }
}

TEST(PerceptualHash, DeterministicAndChannelAgnostic) {
  cv::Mat grey(64, 80, CV_8UC1);
  cv::randu(grey, 0, 255);
  cv::GaussianBlur(grey, grey, {9, 9}, 3);
  Image g;
  g.width = grey.cols;
  g.height = grey.rows;
  g.format = PixelFormat::Gray8;
  g.pixels.assign(grey.data, grey.data + grey.total());
  cv::Mat bgr;
  cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  const auto fromGrey = hashImage(g);
  ASSERT_TRUE(fromGrey.ok());
  const PerceptualHashes fromColour = hashesOf(bgr);
  EXPECT_LE(hammingDistance(fromGrey->hashes.phash, fromColour.phash), 2);
  EXPECT_LE(hammingDistance(fromGrey->hashes.dhash, fromColour.dhash), 2);
  EXPECT_NE(fromGrey->hashes.phash, 0u);
  EXPECT_GT(fromGrey->measures.sharpness, 0.0);
}

TEST(PerceptualHash, RejectsEmptyImage) {
  EXPECT_FALSE(hashImage(Image{}).ok());
  Image broken;
  broken.width = 10;
  broken.height = 10;
  broken.format = PixelFormat::Rgb8;
  broken.pixels.resize(5);
  EXPECT_FALSE(hashImage(broken).ok());
}

}  // namespace
}  // namespace winnow::dedupe
