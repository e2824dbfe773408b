// Conformance of every augmenter capability of winnow.augmenter.opencv, through the plugin host:
// same (input, params, seed) -> same pixels; other seeds -> other pixels; output keeps the input's
// size and format; grey, RGBA and tiny (1x1, 2x3) inputs never crash. Runs on real photos.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow {
namespace {

const std::vector<std::string> kCapabilities = {"rotate", "hflip", "gaussian_noise", "blur",
                                                "brightness_contrast", "random_resized_crop",
                                                "jpeg_recompress", "chain"};

plugin::PluginHost& host() {
  static plugin::PluginHost* instance = [] {
    auto* created = new plugin::PluginHost();
    created->discover({WINNOW_PLUGIN_BUILD_DIR});
    return created;
  }();
  return *instance;
}

Image realPhoto(const std::string& relative, image::ColorMode mode = image::ColorMode::Rgb) {
  const auto path = test::sharedData() / relative;
  auto bytes = image::readFileBytes(path);
  EXPECT_TRUE(bytes.ok()) << path;
  if (!bytes) return {};
  auto decoded = image::decodeImage(*bytes, path, mode);
  EXPECT_TRUE(decoded.ok()) << path;
  return decoded ? decoded->image : Image{};
}

Image synthetic(int width, int height, PixelFormat format) {
  Image image;
  image.width = width;
  image.height = height;
  image.format = format;
  image.pixels.resize(static_cast<std::size_t>(width) * height * channelCount(format));
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = static_cast<std::uint8_t>((i * 37 + 11) % 251);
  }
  return image;
}

double meanAbsDifference(const Image& a, const Image& b) {
  if (a.pixels.size() != b.pixels.size() || a.pixels.empty()) return -1.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    sum += std::abs(static_cast<int>(a.pixels[i]) - static_cast<int>(b.pixels[i]));
  }
  return sum / static_cast<double>(a.pixels.size());
}

TEST(AugmenterPlugin, LoadsWithEveryCapability) {
  for (const auto& id : kCapabilities) {
    const auto* descriptor = host().findCapability(id);
    ASSERT_NE(descriptor, nullptr) << id;
    EXPECT_EQ(descriptor->kind, plugin::CapabilityKind::Augmenter) << id;
    EXPECT_EQ(descriptor->pluginId, "winnow.augmenter.opencv");
  }
}

TEST(AugmenterPlugin, DeterministicPerSeedAndDifferentAcrossSeedsOnRealPhotos) {
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  const Image photo = realPhoto("realfake/hard/real/real_1.jpg");
  ASSERT_FALSE(photo.empty());
  for (const auto& id : kCapabilities) {
    auto augmenter = host().createAugmenter(id, nlohmann::json::object());
    ASSERT_TRUE(augmenter.ok()) << id << ": " << augmenter.error().message;
    auto first = augmenter->apply(photo, 42);
    auto again = augmenter->apply(photo, 42);
    ASSERT_TRUE(first.ok()) << id << ": " << first.error().message;
    ASSERT_TRUE(again.ok()) << id;
    EXPECT_EQ(first->width, photo.width) << id;
    EXPECT_EQ(first->height, photo.height) << id;
    EXPECT_EQ(first->format, photo.format) << id;
    EXPECT_EQ(first->pixels, again->pixels) << id << " is not deterministic for one seed";
    // A fresh instance with the same params gives the same result (no hidden state).
    auto other = host().createAugmenter(id, nlohmann::json::object());
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->apply(photo, 42)->pixels, first->pixels) << id;
    int differentSeeds = 0;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      auto next = augmenter->apply(photo, seed);
      ASSERT_TRUE(next.ok()) << id;
      if (next->pixels != first->pixels) ++differentSeeds;
    }
    EXPECT_GE(differentSeeds, id == "hflip" ? 2 : 5) << id << " ignores the seed";
  }
}

TEST(AugmenterPlugin, OutputsAreMildAndLabelPreserving) {
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  const Image photo = realPhoto("mask/prajnasb/with_mask/0-with-mask.jpg");
  ASSERT_FALSE(photo.empty());
  auto flip = host().createAugmenter("hflip", {{"probability", 1.0}});
  ASSERT_TRUE(flip.ok());
  auto flipped = flip->apply(photo, 3);
  ASSERT_TRUE(flipped.ok());
  const std::size_t channels = 3;
  const std::size_t row = 7;
  for (int x = 0; x < photo.width; ++x) {
    const std::size_t a = (row * photo.width + x) * channels;
    const std::size_t b = (row * photo.width + (photo.width - 1 - x)) * channels;
    ASSERT_EQ(photo.pixels[a], flipped->pixels[b]);
  }
  // Small noise changes pixels a little, never a lot.
  auto noise = host().createAugmenter("gaussian_noise", {{"sigma", {3, 3}}});
  ASSERT_TRUE(noise.ok());
  const double noiseDiff = meanAbsDifference(photo, *noise->apply(photo, 9));
  EXPECT_GT(noiseDiff, 1.0);
  EXPECT_LT(noiseDiff, 5.0);
  auto jpeg = host().createAugmenter("jpeg_recompress", {{"quality", {30, 30}}});
  ASSERT_TRUE(jpeg.ok());
  const double jpegDiff = meanAbsDifference(photo, *jpeg->apply(photo, 1));
  EXPECT_GT(jpegDiff, 0.5);
  EXPECT_LT(jpegDiff, 12.0);
}

TEST(AugmenterPlugin, GreyRgbaAndTinyImagesNeverCrash) {
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  std::vector<Image> inputs = {realPhoto("faces/orl/s1/1.png", image::ColorMode::Preserve),
                               synthetic(1, 1, PixelFormat::Rgb8),  synthetic(2, 3, PixelFormat::Rgb8),
                               synthetic(1, 1, PixelFormat::Gray8), synthetic(3, 2, PixelFormat::Gray8),
                               synthetic(1, 1, PixelFormat::Rgba8), synthetic(2, 3, PixelFormat::Rgba8),
                               synthetic(64, 48, PixelFormat::Rgba8)};
  ASSERT_EQ(inputs[0].format, PixelFormat::Gray8);
  for (const auto& id : kCapabilities) {
    auto augmenter = host().createAugmenter(id, nlohmann::json::object());
    ASSERT_TRUE(augmenter.ok()) << id;
    for (const Image& input : inputs) {
      for (std::uint64_t seed : {0ULL, 1ULL, 0xffffffffffffffffULL}) {
        auto output = augmenter->apply(input, seed);
        ASSERT_TRUE(output.ok()) << id << " on " << input.width << "x" << input.height << ": "
                                 << output.error().message;
        EXPECT_EQ(output->width, input.width) << id;
        EXPECT_EQ(output->height, input.height) << id;
        EXPECT_EQ(output->format, input.format) << id;
        EXPECT_EQ(augmenter->apply(input, seed)->pixels, output->pixels) << id;
      }
    }
  }
  // Photometric steps leave alpha alone.
  const Image rgba = synthetic(64, 48, PixelFormat::Rgba8);
  auto noise = host().createAugmenter("gaussian_noise", {{"sigma", {20, 20}}});
  auto noisy = noise->apply(rgba, 5);
  ASSERT_TRUE(noisy.ok());
  for (std::size_t i = 3; i < rgba.pixels.size(); i += 4) ASSERT_EQ(noisy->pixels[i], rgba.pixels[i]);
}

TEST(AugmenterPlugin, BadParamsAreRefusedWithTheKey) {
  auto bad = host().createAugmenter("rotate", {{"max_degrees", 400}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("max_degrees"), std::string::npos) << bad.error().message;
  auto badRange = host().createAugmenter("blur", {{"sigma", {2.0, 1.0}}});
  ASSERT_FALSE(badRange.ok());
  EXPECT_NE(badRange.error().message.find("sigma"), std::string::npos) << badRange.error().message;
  auto badStep = host().createAugmenter(
      "chain", {{"steps", {{{"augmenter", "rotate"}, {"params", {{"max_degrees", "x"}}}}}}});
  ASSERT_FALSE(badStep.ok());
  EXPECT_NE(badStep.error().message.find("max_degrees"), std::string::npos) << badStep.error().message;
}

TEST(AugmenterPlugin, ChainComposesListedSteps) {
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  const Image photo = realPhoto("realfake/hard/fake/fake_1.jpg");
  ASSERT_FALSE(photo.empty());
  nlohmann::json onlyFlip = {{"steps", {{{"augmenter", "hflip"}, {"probability", 1.0}, {"params", {{"probability", 1.0}}}}}}};
  auto chain = host().createAugmenter("chain", onlyFlip);
  auto flip = host().createAugmenter("hflip", {{"probability", 1.0}});
  ASSERT_TRUE(chain.ok());
  ASSERT_TRUE(flip.ok());
  EXPECT_EQ(chain->apply(photo, 11)->pixels, flip->apply(photo, 99)->pixels);
}

}  // namespace
}  // namespace winnow
