// runQuality / listFlagged on a project of real photographs plus degraded copies of them.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "quality/curation_fixtures.hpp"
#include "winnow/quality/quality_runner.hpp"

namespace winnow::quality {
namespace {

namespace fs = std::filesystem;

class QualityRunner : public ::testing::Test {
 protected:
  // 12 photos (StyleGAN faces of realfake/hard: sharp, in colour, well exposed) in class "real"
  // plus degraded copies of 6 others (same class): blurred, dark, bright, grey, tiny,
  // blue-tinted; and one more photo deleted after ingest.
  void SetUp() override {
    const auto files = test::firstFiles(test::sharedData() / "realfake/hard/fake", ".jpg", 19);
    if (files.size() < 19) GTEST_SKIP() << "no shared data";
    const fs::path folder = dir_ / "photos" / "real";
    fs::create_directories(folder);
    for (std::size_t i = 0; i < 12; ++i) fs::copy_file(files[i], folder / files[i].filename());
    auto variant = [&](std::size_t index, const std::string& name, auto change) {
      cv::Mat pixels = test::readBgr(files[index]);
      ASSERT_FALSE(pixels.empty());
      test::writeImage(folder / (name + ".png"), change(pixels));
    };
    variant(12, "blurred", [](cv::Mat m) { cv::GaussianBlur(m, m, cv::Size(0, 0), 5.0); return m; });
    variant(13, "dark", [](cv::Mat m) { m.convertTo(m, -1, 0.12); return m; });
    variant(14, "bright", [](cv::Mat m) { m.convertTo(m, -1, 0.25, 200); return m; });
    variant(15, "grey", [](cv::Mat m) { cv::cvtColor(m, m, cv::COLOR_BGR2GRAY); return m; });
    variant(16, "tiny", [](cv::Mat m) { cv::resize(m, m, cv::Size(40, 40), 0, 0, cv::INTER_AREA); return m; });
    variant(17, "tinted", [](cv::Mat m) {
      m.forEach<cv::Vec3b>([](cv::Vec3b& p, const int*) {
        p[0] = cv::saturate_cast<std::uint8_t>(p[0] * 0.4 + 150);  // blue up
        p[1] = cv::saturate_cast<std::uint8_t>(p[1] * 0.8);
        p[2] = cv::saturate_cast<std::uint8_t>(p[2] * 0.4);        // red down
      });
      return m;
    });
    fs::copy_file(files[18], folder / "vanishing.jpg");
    store_ = test::createProject(dir_ / "project");
    ASSERT_TRUE(store_);
    test::ingestClassFolders(*store_, dir_ / "photos", "rf");
    // Ingest measures what it decodes; these tests exercise the quality step's own measuring
    // (projects ingested before ingest did), so its measures go.
    ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, "DELETE FROM sample_measures"));
    fs::remove(folder / "vanishing.jpg");
    auto samples = store_->listSamples();
    ASSERT_TRUE(samples);
    for (const auto& sample : *samples) idByName[fs::path(sample.originalPath).stem().string()] = sample.id;
    ASSERT_EQ(idByName.size(), 19u);
  }

  Result<nlohmann::json> run(const nlohmann::json& params = nlohmann::json::object()) {
    job::JobContext job(job::ProgressStyle::Silent);
    return runQuality(*store_, params, job, std::nullopt);
  }

  std::set<std::int64_t> flagged(const std::string& flag) {
    auto list = listFlagged(*store_, flag, false, 0);
    EXPECT_TRUE(list);
    std::set<std::int64_t> ids;
    if (list) {
      for (const auto& row : *list) ids.insert(row.sampleId);
    }
    return ids;
  }

  test::TempDir dir_{"winnow-quality"};
  std::unique_ptr<store::ProjectStore> store_;
  std::map<std::string, std::int64_t> idByName;
};

TEST_F(QualityRunner, FlagsEachDegradedCopyAndNotTheOriginals) {
  auto summary = run();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->at("measured").get<int>(), 18);
  EXPECT_EQ(summary->at("failed").get<int>(), 1);  // the deleted file: warned, skipped
  // Each degraded copy carries its flag (a dark or tiny picture is also blurry: fine) ...
  const std::map<std::string, std::string> expected = {
      {"blurry", "blurred"}, {"too_dark", "dark"}, {"too_bright", "bright"},
      {"grey_in_colour_set", "grey"}, {"low_resolution", "tiny"}, {"colour_cast", "tinted"}};
  std::set<std::int64_t> variants;
  for (const auto& [flag, name] : expected) {
    EXPECT_EQ(flagged(flag).count(idByName[name]), 1u) << flag;
    variants.insert(idByName[name]);
  }
  EXPECT_EQ(flagged("too_dark"), std::set<std::int64_t>{idByName["dark"]});
  EXPECT_EQ(flagged("grey_in_colour_set"), std::set<std::int64_t>{idByName["grey"]});
  EXPECT_EQ(flagged("low_resolution"), std::set<std::int64_t>{idByName["tiny"]});
  // ... and no untouched photo carries any flag.
  for (const auto& flag : qualityFlagNames()) {
    for (std::int64_t id : flagged(flag)) EXPECT_EQ(variants.count(id), 1u) << flag << " on #" << id;
  }
  EXPECT_TRUE(flagged("no_face").empty());  // no detector ran
  EXPECT_EQ(summary->at("worst").at("too_dark").at(0).at("id").get<std::int64_t>(), idByName["dark"]);

  // Measures are stored for the GUI; JPEG quality is known for the JPEG originals only.
  auto jpegQuality = listByMeasure(*store_, "jpeg_quality", true, 0);
  ASSERT_TRUE(jpegQuality);
  ASSERT_EQ(jpegQuality->size(), 18u);
  EXPECT_GT(jpegQuality->front().value, 50);
  EXPECT_EQ(jpegQuality->back().value, -1);

  // A threshold parameter moves the flag; incremental: nothing is decoded again.
  auto stricter = run({{"blur_threshold", 1e9}});
  ASSERT_TRUE(stricter);
  EXPECT_EQ(stricter->at("measured").get<int>(), 0);
  EXPECT_EQ(stricter->at("already_measured").get<int>(), 18);
  EXPECT_EQ(stricter->at("flags").at("blurry").get<int>(), 18);
  auto sortedBlur = listFlagged(*store_, "blurry", false, 3);
  ASSERT_TRUE(sortedBlur);
  ASSERT_EQ(sortedBlur->size(), 3u);
  EXPECT_EQ(variants.count(sortedBlur->front().sampleId), 1u);
  EXPECT_LE(sortedBlur->at(0).value, sortedBlur->at(1).value);
  EXPECT_EQ(sortedBlur->front().threshold.value_or(0), 1e9);
}

TEST_F(QualityRunner, FaceFlagsComeFromTheDetectorsCounts) {
  // What the face detector step writes: face rows plus face_count[:detector] for every sample
  // it ran on (0 = no face).
  const std::int64_t none = idByName["dark"];
  const std::int64_t two = idByName[fs::path(store_->listSamples()->front().originalPath).stem().string()];
  ASSERT_NE(none, two);
  auto sql = [&](const std::string& text) { ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, text)); };
  const std::string now = "'" + store::nowUtcIso8601() + "'";
  for (int i = 0; i < 2; ++i) {
    sql("INSERT INTO faces(sample_id, detector, params_json, x, y, width, height, score, created_at) "
        "VALUES(" + std::to_string(two) + ", 'haar', '{}', 10, 10, " + (i ? "30, 30" : "150, 150") +
        ", 1, " + now + ")");
  }
  for (const char* name : {"face_count", "face_count:haar"}) {
    sql("INSERT INTO sample_measures VALUES(" + std::to_string(none) + ", '" + name + "', 0)");
    sql("INSERT INTO sample_measures VALUES(" + std::to_string(two) + ", '" + name + "', 2)");
  }
  auto summary = run({{"face_detector", "haar"}});
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(flagged("no_face"), std::set<std::int64_t>{none});
  EXPECT_EQ(flagged("several_faces"), std::set<std::int64_t>{two});
  auto ratio = listByMeasure(*store_, "face_area_ratio", false, 0);
  ASSERT_TRUE(ratio);
  ASSERT_EQ(ratio->size(), 1u);
  const auto sample = store_->getSample(two);
  ASSERT_TRUE(sample);
  EXPECT_NEAR(ratio->front().value, 150.0 * 150.0 / (sample->width * sample->height), 1e-9);
}

TEST_F(QualityRunner, BadParamsNameTheKey) {
  auto bad = run({{"blur_treshold", 3}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("blur_treshold"), std::string::npos) << bad.error().message;
  auto negative = run({{"min_side", -1}});
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message.find("min_side"), std::string::npos) << negative.error().message;
}

TEST_F(QualityRunner, CancelStopsBeforeWritingAnything) {
  job::JobContext job(job::ProgressStyle::Silent);
  job.cancel();
  auto summary = runQuality(*store_, nlohmann::json::object(), job, std::nullopt);
  ASSERT_TRUE(summary);
  EXPECT_TRUE(summary->at("cancelled").get<bool>());
  auto measured = listByMeasure(*store_, "blur", false, 0);
  ASSERT_TRUE(measured);
  EXPECT_TRUE(measured->empty());
}

}  // namespace
}  // namespace winnow::quality
