// Decodes real pictures from ../shared/data in place and checks their documented sizes.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

std::vector<std::filesystem::path> firstFiles(const std::string& relative, std::size_t n) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = test::sharedData(relative);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.size() > n) files.resize(n);
  return files;
}

struct RealSet {
  const char* dir;
  const char* format;
  int width;   // 0: mixed sizes
  int height;
  PixelFormat preserved;
};

class RealData : public ::testing::TestWithParam<RealSet> {};

TEST_P(RealData, DecodesWithDocumentedSize) {
  const RealSet set = GetParam();
  const auto files = firstFiles(set.dir, 5);
  if (files.empty()) GTEST_SKIP() << "shared data missing: " << set.dir;
  for (const auto& file : files) {
    auto bytes = readFileBytes(file);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    auto info = probeImage(*bytes, file);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->format, set.format) << file;
    auto rgb = decodeImage(*bytes, file);
    ASSERT_TRUE(rgb.ok()) << rgb.error().message;
    EXPECT_EQ(rgb->image.format, PixelFormat::Rgb8);
    EXPECT_EQ(rgb->image.width, info->orientedWidth()) << file;
    EXPECT_EQ(rgb->image.height, info->orientedHeight()) << file;
    if (set.width > 0) {
      EXPECT_EQ(rgb->image.width, set.width) << file;
      EXPECT_EQ(rgb->image.height, set.height) << file;
    }
    auto preserved = decodeImage(*bytes, file, ColorMode::Preserve);
    ASSERT_TRUE(preserved.ok()) << preserved.error().message;
    EXPECT_EQ(preserved->image.format, set.preserved) << file;
    // Not a flat grey image: real content survived decoding.
    const auto [lo, hi] = std::minmax_element(rgb->image.pixels.begin(), rgb->image.pixels.end());
    EXPECT_GT(*hi - *lo, 50) << file;
  }
}

INSTANTIATE_TEST_SUITE_P(
    SharedData, RealData,
    ::testing::Values(RealSet{"faces/orl/s1", "png", 92, 112, PixelFormat::Gray8},
                      RealSet{"faces/celeb24/Lindsay_Lohan", "png", 112, 112, PixelFormat::Rgb8},
                      RealSet{"realfake/hard/real", "jpeg", 300, 300, PixelFormat::Rgb8},
                      RealSet{"realfake/hard/fake", "jpeg", 300, 300, PixelFormat::Rgb8},
                      RealSet{"realfake/ciplab/training_real", "jpeg", 600, 600, PixelFormat::Rgb8},
                      RealSet{"mask/prajnasb/with_mask", "jpeg", 0, 0, PixelFormat::Rgb8}));

}  // namespace
}  // namespace winnow::image
