// Must-show: the shortcut audit flags crop tightness on a real-face set where one class is
// cropped loosely and the other tightly, and flags nothing on the same faces cropped without
// regard to class.
//
// Construction: celeb24's aligned 112x112 face crops (the face box is known from the alignment:
// kFaceBox). Each picture is re-cropped around that box to a window whose side makes the face box
// cover `ratio` of the output area (the border is reflected where the window leaves the picture),
// then resized to 128x128 PNG. The face box, mapped into the output, goes into the faces table.
// The same pictures are split at random into the two classes, so nothing but the crop differs.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "quality/curation_fixtures.hpp"
#include "support/temp_dir.hpp"
#include "winnow/audit/shortcut_audit.hpp"

namespace winnow::audit {
namespace {

namespace fs = std::filesystem;

const cv::Rect kFaceBox(20, 24, 72, 72);  // in celeb24's 112x112 aligned crops
constexpr int kOutputSide = 128;
constexpr int kPerClass = 60;

std::vector<fs::path> celebFaces(std::size_t count) {
  std::vector<fs::path> people;
  if (!fs::is_directory(test::sharedData() / "faces/celeb24")) return {};  // the tests skip
  for (const auto& entry : fs::directory_iterator(test::sharedData() / "faces/celeb24")) {
    if (entry.is_directory()) people.push_back(entry.path());
  }
  std::sort(people.begin(), people.end());
  std::vector<fs::path> files;
  for (std::size_t round = 0; files.size() < count && round < 20; ++round) {
    for (const auto& person : people) {
      auto mine = test::firstFiles(person, ".png", round + 1);
      if (mine.size() > round && files.size() < count) files.push_back(mine[round]);
    }
  }
  return files;
}

// Crop so that the face box covers `ratio` of the output; returns the face box in the output.
cv::Rect2d cropAroundFace(const cv::Mat& face, double ratio, cv::Mat& output) {
  const double window = kFaceBox.width / std::sqrt(ratio);
  const cv::Point2d centre(kFaceBox.x + kFaceBox.width / 2.0, kFaceBox.y + kFaceBox.height / 2.0);
  const int pad = 200;
  cv::Mat padded;
  cv::copyMakeBorder(face, padded, pad, pad, pad, pad, cv::BORDER_REFLECT);
  const cv::Rect source(static_cast<int>(std::lround(centre.x - window / 2 + pad)),
                        static_cast<int>(std::lround(centre.y - window / 2 + pad)),
                        static_cast<int>(std::lround(window)), static_cast<int>(std::lround(window)));
  cv::resize(padded(source), output, cv::Size(kOutputSide, kOutputSide), 0, 0,
             window > kOutputSide ? cv::INTER_AREA : cv::INTER_LINEAR);
  const double scale = kOutputSide / static_cast<double>(source.width);
  return {(kFaceBox.x + pad - source.x) * scale, (kFaceBox.y + pad - source.y) * scale,
          kFaceBox.width * scale, kFaceBox.height * scale};
}

// Builds the project; ratioFor(classIndex, random) picks each picture's face/image area ratio.
template <typename RatioFor>
std::unique_ptr<store::ProjectStore> buildCropSet(const test::TempDir& dir, RatioFor ratioFor) {
  const auto files = celebFaces(2 * kPerClass);
  if (files.size() < 2 * kPerClass) return nullptr;
  std::vector<std::size_t> order(files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 random(2026);
  std::shuffle(order.begin(), order.end(), random);
  std::map<std::string, cv::Rect2d> boxByName;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const int classIndex = k < kPerClass ? 0 : 1;
    const cv::Mat face = test::readBgr(files[order[k]]);
    EXPECT_EQ(face.cols, 112);
    cv::Mat output;
    const cv::Rect2d box = cropAroundFace(face, ratioFor(classIndex, random), output);
    const std::string name = "face_" + std::to_string(k);
    test::writeImage(dir / "set" / (classIndex == 0 ? "real" : "fake") / (name + ".png"), output);
    boxByName[name] = box;
  }
  auto store = test::createProject(dir / "project");
  if (!store) return nullptr;
  test::ingestClassFolders(*store, dir / "set", "constructed");
  auto samples = store->listSamples();
  EXPECT_TRUE(samples);
  const std::string now = store::nowUtcIso8601();
  for (const auto& sample : *samples) {
    const cv::Rect2d& box = boxByName.at(fs::path(sample.originalPath).stem().string());
    char sql[400];
    std::snprintf(sql, sizeof sql,
                  "INSERT INTO faces(sample_id, detector, params_json, x, y, width, height, score, "
                  "created_at) VALUES(%lld, 'constructed', '{}', %f, %f, %f, %f, 1, '%s')",
                  static_cast<long long>(sample.id), box.x, box.y, box.width, box.height, now.c_str());
    EXPECT_TRUE(winnow::store::SqlAccess::execute(*store, sql));
  }
  return store;
}

nlohmann::json audit(store::ProjectStore& store) {
  job::JobContext job(job::ProgressStyle::Silent);
  auto report = runAudit(store, nlohmann::json::object(), job, std::nullopt);
  EXPECT_TRUE(report) << report.error().message;
  return report ? *report : nlohmann::json();
}

const nlohmann::json* property(const nlohmann::json& report, const std::string& name) {
  for (const auto& entry : report.at("properties")) {
    if (entry.at("name") == name) return &entry;
  }
  return nullptr;
}

TEST(ShortcutAudit, FlagsCropTightnessWhenOneClassIsCroppedLoosely) {
  WINNOW_REQUIRE_SHARED_DATA("faces/celeb24");
  test::TempDir dir("winnow-audit-crop");
  auto store = buildCropSet(dir, [](int classIndex, std::mt19937_64&) {
    return classIndex == 0 ? 0.25 : 0.8;
  });
  if (!store) GTEST_SKIP() << "no shared data (faces/celeb24)";
  const nlohmann::json report = audit(*store);
  const nlohmann::json* crop = property(report, "crop_tightness");
  ASSERT_NE(crop, nullptr) << report.dump(2);
  EXPECT_TRUE(crop->at("flagged").get<bool>());
  EXPECT_GT(crop->at("auc").get<double>(), 0.95);
  EXPECT_NE(crop->at("explanation").get<std::string>().find("crop tightness"), std::string::npos);
  EXPECT_NE(std::find(report.at("flagged").begin(), report.at("flagged").end(), "crop_tightness"),
            report.at("flagged").end());
  EXPECT_NEAR(crop->at("median_by_class").at("real").get<double>(), 0.25, 0.02);
  EXPECT_NEAR(crop->at("median_by_class").at("fake").get<double>(), 0.8, 0.03);
  // Things that are the same for every picture cannot predict anything.
  for (const char* name : {"width", "height", "aspect_ratio", "source", "format", "has_exif", "jpeg_quality"}) {
    const nlohmann::json* entry = property(report, name);
    ASSERT_NE(entry, nullptr) << name;
    EXPECT_FALSE(entry->at("flagged").get<bool>()) << name;
  }
  std::cout << "loose vs tight: ";
  for (const auto& entry : report.at("properties")) {
    std::cout << entry.at("name").get<std::string>() << "=" << entry.at("auc").get<double>() << " ";
  }
  std::cout << "\n";
}

TEST(ShortcutAudit, FlagsNothingWhenCropsDoNotDependOnTheClass) {
  WINNOW_REQUIRE_SHARED_DATA("faces/celeb24");
  test::TempDir dir("winnow-audit-uniform");
  auto store = buildCropSet(dir, [](int, std::mt19937_64& random) {
    return std::uniform_real_distribution<double>(0.25, 0.8)(random);
  });
  if (!store) GTEST_SKIP() << "no shared data (faces/celeb24)";
  const nlohmann::json report = audit(*store);
  EXPECT_TRUE(report.at("flagged").empty()) << report.dump(2);
  const nlohmann::json* crop = property(report, "crop_tightness");
  ASSERT_NE(crop, nullptr);
  EXPECT_LT(crop->at("auc").get<double>(), 0.7);
  EXPECT_EQ(report.at("properties").size(), 11u) << report.at("skipped").dump();
  std::cout << "class-independent crops: ";
  for (const auto& entry : report.at("properties")) {
    std::cout << entry.at("name").get<std::string>() << "=" << entry.at("auc").get<double>() << " ";
  }
  std::cout << "\n";
}

TEST(ShortcutAudit, SkipsCropTightnessWithoutFacesAndRejectsBadParams) {
  WINNOW_REQUIRE_SHARED_DATA("faces/celeb24");
  test::TempDir dir("winnow-audit-noface");
  auto store = test::createProject(dir / "project");
  ASSERT_TRUE(store);
  const auto files = celebFaces(20);
  if (files.size() < 20) GTEST_SKIP() << "no shared data";
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::create_directories(dir / "set" / (i % 2 ? "a" : "b"));
    fs::copy_file(files[i], dir / "set" / (i % 2 ? "a" : "b") / ("f" + std::to_string(i) + ".png"));
  }
  test::ingestClassFolders(*store, dir / "set", "celeb");
  const nlohmann::json report = audit(*store);
  ASSERT_FALSE(report.is_null());
  bool skippedCrop = false;
  for (const auto& entry : report.at("skipped")) skippedCrop = skippedCrop || entry.at("name") == "crop_tightness";
  EXPECT_TRUE(skippedCrop) << report.at("skipped").dump();

  job::JobContext job(job::ProgressStyle::Silent);
  auto bad = runAudit(*store, {{"auc_threshold", 2}}, job, std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("auc_threshold"), std::string::npos);
}

}  // namespace
}  // namespace winnow::audit
