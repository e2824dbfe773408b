// Loads the out-of-tree sample plugin (built by out_of_tree_test.cmake against the installed SDK)
// from the folder in WINNOW_SAMPLE_PLUGIN_DIR and checks its pixels.
#include <gtest/gtest.h>

#include <cstdlib>

#include "winnow/plugin/plugin_host.hpp"

namespace winnow::plugin {
namespace {

TEST(SampleLoader, ExampleInvertLoadsAndInvertsColours) {
  const char* folder = std::getenv("WINNOW_SAMPLE_PLUGIN_DIR");
  ASSERT_NE(folder, nullptr) << "set WINNOW_SAMPLE_PLUGIN_DIR to the sample's build folder";
  PluginHost host;
  host.discover({folder});
  ASSERT_EQ(host.plugins().size(), 1U);
  const PluginRecord& record = host.plugins().front();
  ASSERT_EQ(record.state, PluginState::Loaded) << record.rejectionReason;
  EXPECT_EQ(record.id, "example.invert");

  Image input;
  input.width = 2;
  input.height = 1;
  input.format = PixelFormat::Rgba8;
  input.pixels = {0, 10, 200, 77, 255, 128, 1, 9};

  auto keepAlpha = host.createAugmenter("example.invert", nlohmann::json::object());
  ASSERT_TRUE(keepAlpha.ok()) << keepAlpha.error().message;
  auto out = keepAlpha->apply(input, 7);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->pixels, (std::vector<std::uint8_t>{255, 245, 55, 77, 0, 127, 254, 9}));

  auto invertAlpha = host.createAugmenter("example.invert", {{"preserve_alpha", false}});
  ASSERT_TRUE(invertAlpha.ok()) << invertAlpha.error().message;
  auto all = invertAlpha->apply(input, 7);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->pixels, (std::vector<std::uint8_t>{255, 245, 55, 178, 0, 127, 254, 246}));

  auto bad = host.createAugmenter("example.invert", {{"preserve_alpha", "yes"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("params/preserve_alpha"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace winnow::plugin
