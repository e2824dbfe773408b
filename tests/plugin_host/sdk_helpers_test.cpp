// The header-only SDK helpers, exercised directly (as a plugin would use them).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "winnow/sdk/plugin_helpers.hpp"

namespace {

struct Captured {
  std::string message;
  int calls = 0;
};

winnow_error_sink sinkFor(Captured& captured) {
  return winnow_error_sink{&captured, [](void* context, const char* message) {
                             auto* c = static_cast<Captured*>(context);
                             c->message = message;
                             ++c->calls;
                           }};
}

TEST(SdkHelpers, GuardCallPassesStatusThrough) {
  Captured captured;
  EXPECT_EQ(winnow::sdk::guardCall(sinkFor(captured), [] { return WINNOW_STATUS_UNSUPPORTED; }),
            WINNOW_STATUS_UNSUPPORTED);
  EXPECT_EQ(captured.calls, 0);
}

TEST(SdkHelpers, GuardCallTurnsExceptionsIntoErrorStatusAndMessage) {
  Captured captured;
  const auto status = winnow::sdk::guardCall(sinkFor(captured), []() -> winnow_status {
    throw std::runtime_error("decoder exploded");
  });
  EXPECT_EQ(status, WINNOW_STATUS_ERROR);
  EXPECT_EQ(captured.message, "decoder exploded");
  Captured unknown;
  EXPECT_EQ(winnow::sdk::guardCall(sinkFor(unknown), []() -> winnow_status { throw 3; }),
            WINNOW_STATUS_ERROR);
  EXPECT_EQ(unknown.message, "unknown exception inside the plugin");
}

TEST(SdkHelpers, ReportErrorToleratesAnEmptySink) {
  winnow::sdk::reportError(winnow_error_sink{nullptr, nullptr}, "ignored");
  Captured captured;
  winnow::sdk::reportError(sinkFor(captured), nullptr);
  EXPECT_EQ(captured.message, "unknown error");
}

TEST(SdkHelpers, OwnedImageCopiesStridedViewsAndViewsBack) {
  // 2x2 RGB with 2 bytes of row padding.
  const uint8_t padded[] = {1, 2, 3, 4, 5, 6, 99, 99, 7, 8, 9, 10, 11, 12, 99, 99};
  winnow_image_view view{sizeof(winnow_image_view), WINNOW_PIXEL_FORMAT_RGB8, 2, 2, 3, 8, padded};
  ASSERT_TRUE(winnow::sdk::isValidView(&view));
  const auto image = winnow::sdk::OwnedImage::copyOf(view);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  const auto back = image.view();
  EXPECT_EQ(back.stride_bytes, 6);
  EXPECT_EQ(back.channels, 3);
  EXPECT_TRUE(winnow::sdk::isValidView(&back));
}

TEST(SdkHelpers, IsValidViewRejectsInconsistentViews) {
  const uint8_t pixel[4] = {};
  winnow_image_view view{sizeof(winnow_image_view), WINNOW_PIXEL_FORMAT_RGB8, 1, 1, 4, 4, pixel};
  EXPECT_FALSE(winnow::sdk::isValidView(&view));  // channels disagree with format
  view.channels = 3;
  view.stride_bytes = 2;
  EXPECT_FALSE(winnow::sdk::isValidView(&view));  // stride shorter than a row
  view.stride_bytes = 3;
  EXPECT_TRUE(winnow::sdk::isValidView(&view));
  view.data = nullptr;
  EXPECT_FALSE(winnow::sdk::isValidView(&view));
  EXPECT_FALSE(winnow::sdk::isValidView(nullptr));
}

TEST(SdkHelpers, HostHelpersTolerateANullHost) {
  EXPECT_FALSE(winnow::sdk::isCancelled(nullptr));
  winnow::sdk::log(nullptr, WINNOW_LOG_LEVEL_INFO, "nobody listens");
}

}  // namespace
