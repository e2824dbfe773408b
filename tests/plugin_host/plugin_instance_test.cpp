// Capability instances through the typed wrappers, using the good fixture plugin: parameter
// validation and defaults, error translation, cancellation, logging, lifetimes.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "winnow/plugin/plugin_host.hpp"

namespace winnow::plugin {
namespace {

namespace fs = std::filesystem;

struct LogCapture {
  std::mutex mutex;
  std::vector<std::string> lines;
};

class GoodPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    HostServices services;
    services.log = [log = log_](LogLevel level, std::string_view pluginId, std::string_view message) {
      std::lock_guard<std::mutex> lock(log->mutex);
      log->lines.push_back(std::to_string(static_cast<int>(level)) + "|" + std::string(pluginId) +
                           "|" + std::string(message));
    };
    services.isCancelled = [cancelled = cancelled_] { return cancelled->load(); };
    host_ = std::make_unique<PluginHost>(services);
    host_->discover({WINNOW_FIXTURE_DIR});
    ASSERT_NE(host_->findCapability("fixture.invert"), nullptr);
  }

  std::shared_ptr<LogCapture> log_ = std::make_shared<LogCapture>();
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<PluginHost> host_;
};

Image rgba2x1() { return Image{2, 1, PixelFormat::Rgba8, {0, 10, 200, 77, 255, 128, 1, 9}}; }

TEST_F(GoodPlugin, ValidateParamsFillsDefaults) {
  auto params = host_->validateParams("fixture.invert", nlohmann::json());
  ASSERT_TRUE(params.ok()) << params.error().message;
  EXPECT_EQ(*params, nlohmann::json::parse(R"({"max_value":255,"mode":"all","throw_in_apply":false})"));
}

TEST_F(GoodPlugin, ParamsOutOfRangeNameTheKey) {
  auto result = host_->create("fixture.invert", {{"max_value", 4}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::Schema);
  EXPECT_EQ(result.error().message, "params/max_value: must be >= 8 (capability fixture.invert)");
}

TEST_F(GoodPlugin, UnknownParamAndWrongTypeAreBothReported) {
  auto result = host_->validateParams("fixture.invert", {{"mode", 3}, {"maxvalue", 10}});
  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message;
  EXPECT_NE(message.find("params/maxvalue: unknown key"), std::string::npos) << message;
  EXPECT_NE(message.find("params/mode: must be one of [\"all\",\"color\"]"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(GoodPlugin, AugmenterUsesDefaultsAndModes) {
  auto all = host_->createAugmenter("fixture.invert", {});
  ASSERT_TRUE(all.ok()) << all.error().message;
  auto out = all->apply(rgba2x1(), 0);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->format, PixelFormat::Rgba8);
  EXPECT_EQ(out->pixels, (std::vector<std::uint8_t>{255, 245, 55, 178, 0, 127, 254, 246}));

  auto color = host_->createAugmenter("fixture.invert", {{"mode", "color"}, {"max_value", 100}});
  ASSERT_TRUE(color.ok()) << color.error().message;
  auto colorOut = color->apply(rgba2x1(), 0);
  ASSERT_TRUE(colorOut.ok()) << colorOut.error().message;
  EXPECT_EQ(colorOut->pixels, (std::vector<std::uint8_t>{100, 90, 0, 77, 0, 0, 99, 9}));
}

TEST_F(GoodPlugin, CreateLogsThroughTheHostWithThePluginId) {
  auto augmenter = host_->createAugmenter("fixture.invert", {});
  ASSERT_TRUE(augmenter.ok());
  std::lock_guard<std::mutex> lock(log_->mutex);
  const std::string expected = std::to_string(static_cast<int>(LogLevel::Info)) +
                               "|fixture.good|fixture.invert created";
  EXPECT_NE(std::find(log_->lines.begin(), log_->lines.end(), expected), log_->lines.end());
}

TEST_F(GoodPlugin, ExceptionInsideThePluginBecomesAnError) {
  auto augmenter = host_->createAugmenter("fixture.invert", {{"throw_in_apply", true}});
  ASSERT_TRUE(augmenter.ok());
  auto out = augmenter->apply(rgba2x1(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::Plugin);
  EXPECT_EQ(out.error().message, "fixture.invert: apply failed: fixture.invert: thrown on purpose");
}

TEST_F(GoodPlugin, CancellationReachesThePlugin) {
  auto augmenter = host_->createAugmenter("fixture.invert", {});
  ASSERT_TRUE(augmenter.ok());
  cancelled_->store(true);
  auto out = augmenter->apply(rgba2x1(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::Cancelled);
  cancelled_->store(false);
  EXPECT_TRUE(augmenter->apply(rgba2x1(), 0).ok());
}

TEST_F(GoodPlugin, EmptyInputIsRefusedBeforeThePluginSeesIt) {
  auto augmenter = host_->createAugmenter("fixture.invert", {});
  ASSERT_TRUE(augmenter.ok());
  auto out = augmenter->apply(Image{}, 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::InvalidArgument);
}

TEST_F(GoodPlugin, InstancesOutliveTheHost) {
  auto augmenter = host_->createAugmenter("fixture.invert", {});
  ASSERT_TRUE(augmenter.ok());
  host_.reset();  // the instance still holds the library
  auto out = augmenter->apply(Image{1, 1, PixelFormat::Gray8, {5}}, 0);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->pixels, std::vector<std::uint8_t>{250});
}

TEST_F(GoodPlugin, WrongKindIsRefusedByTheWrapper) {
  auto detector = host_->createDetector("fixture.invert", {});
  ASSERT_FALSE(detector.ok());
  EXPECT_NE(detector.error().message.find("fixture.invert: not a detector"), std::string::npos);
}

TEST_F(GoodPlugin, DetectorReturnsBoxesWithLandmarks) {
  auto detector = host_->createDetector("fixture.center_box", {});
  ASSERT_TRUE(detector.ok()) << detector.error().message;
  Image image{40, 20, PixelFormat::Rgb8, std::vector<std::uint8_t>(40 * 20 * 3, 1)};
  auto boxes = detector->detect(image);
  ASSERT_TRUE(boxes.ok()) << boxes.error().message;
  ASSERT_EQ(boxes->size(), 1U);
  const FaceBox& box = boxes->front();
  EXPECT_FLOAT_EQ(box.x, 10.0F);
  EXPECT_FLOAT_EQ(box.y, 5.0F);
  EXPECT_FLOAT_EQ(box.width, 20.0F);
  EXPECT_FLOAT_EQ(box.height, 10.0F);
  EXPECT_FLOAT_EQ(box.score, 0.9F);
  ASSERT_EQ(box.landmarks.size(), 10U);
  EXPECT_FLOAT_EQ(box.landmarks[4], 20.0F);  // nose x

  auto tiny = detector->detect(Image{2, 2, PixelFormat::Gray8, {0, 0, 0, 0}});
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().code, ErrorCode::Unsupported);
  EXPECT_NE(tiny.error().message.find("image smaller than 4x4"), std::string::npos);
}

class Exporter : public GoodPlugin {
 protected:
  void SetUp() override {
    GoodPlugin::SetUp();
    dir_ = fs::temp_directory_path() /
           ("winnow_exporter_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ExportBeginInfo beginInfo(std::uint64_t count) {
    ExportBeginInfo info;
    info.outputPath = dir_ / "list.txt";
    info.sampleCount = count;
    info.classNames = {"cat", "dog"};
    return info;
  }
  ExportSample sample(std::int64_t id, int labelIndex) {
    ExportSample s;
    s.sampleId = id;
    s.labelIndex = labelIndex;
    s.label = labelIndex == 0 ? "cat" : "dog";
    s.split = "train";
    s.image = &image_;
    return s;
  }
  fs::path dir_;
  Image image_{3, 2, PixelFormat::Rgb8, std::vector<std::uint8_t>(18, 42)};
};

TEST_F(Exporter, WritesAllSamplesAndFinishesAtomically) {
  auto session = host_->createExporter("fixture.list_exporter", {});
  ASSERT_TRUE(session.ok()) << session.error().message;
  ASSERT_TRUE(session->begin(beginInfo(2)).ok());
  ASSERT_TRUE(session->writeSample(sample(7, 0)).ok());
  EXPECT_FALSE(fs::exists(dir_ / "list.txt"));
  ASSERT_TRUE(session->writeSample(sample(8, 1)).ok());
  auto finished = session->finish();
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  std::ifstream in(dir_ / "list.txt");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "classes cat dog\n7 cat train 3x2x3 42\n8 dog train 3x2x3 42\n");
}

TEST_F(Exporter, PluginErrorOnASampleIsReportedAndAbortLeavesNothing) {
  auto session = host_->createExporter("fixture.list_exporter", {});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(session->begin(beginInfo(2)).ok());
  auto bad = session->writeSample(sample(9, -1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "fixture.list_exporter: write_sample (sample 9) failed: sample 9 has no label");
  session->abort();
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Exporter, FinishWithTooFewSamplesAbortsAndDestroyingMidwayAborts) {
  {
    auto session = host_->createExporter("fixture.list_exporter", {});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(session->begin(beginInfo(3)).ok());
    ASSERT_TRUE(session->writeSample(sample(1, 0)).ok());
    auto finished = session->finish();
    ASSERT_FALSE(finished.ok());
    EXPECT_NE(finished.error().message.find("finish after 1 of 3 samples"), std::string::npos);
    EXPECT_TRUE(fs::is_empty(dir_));
  }
  {
    auto session = host_->createExporter("fixture.list_exporter", {});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(session->begin(beginInfo(1)).ok());
    EXPECT_FALSE(fs::is_empty(dir_));  // the plugin's temp file
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace winnow::plugin
