// The yunet detector (plugins/detector_yunet) on real photos, large and empty images, its
// 5-point alignment, and the crop policies that pick one face among several.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test reads the database itself
#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/ingest/folder_ingester.hpp"

namespace winnow::faces {
namespace {

namespace fs = std::filesystem;
using test::sharedData;
using test::sortedFiles;
using test::TempDir;

double iou(const nlohmann::json& a, double x, double y, double w, double h) {
  const double ax = a["x"].get<double>(), ay = a["y"].get<double>();
  const double aw = a["width"].get<double>(), ah = a["height"].get<double>();
  const double ix = std::max(0.0, std::min(ax + aw, x + w) - std::max(ax, x));
  const double iy = std::max(0.0, std::min(ay + ah, y + h) - std::max(ay, y));
  return ix * iy / (aw * ah + w * h - ix * iy);
}

std::string queryText(store::ProjectStore& store, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(winnow::store::SqlAccess::handle(store), sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
  std::string value;
  if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  return value;
}

TEST(Yunet, ModelShippedBesideThePluginInTheBuildTree) {
  EXPECT_TRUE(fs::is_regular_file(fs::path(WINNOW_PLUGIN_BUILD_DIR) / "models/face_detection_yunet_2022mar.onnx"));
  EXPECT_EQ(fs::file_size(fs::path(WINNOW_PLUGIN_BUILD_DIR) / "models/face_detection_yunet_2022mar.onnx"), 345478U);
  auto host = test::makeBuiltPluginHost();
  ASSERT_NE(host.findCapability("yunet"), nullptr) << "yunet plugin not loaded";
  auto detector = host.createDetector("yunet", nlohmann::json::object());
  ASSERT_TRUE(detector) << detector.error().message;  // default model: no ../shared needed
  auto missing = host.createDetector("yunet", {{"model", "/nonexistent/yunet.onnx"}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/yunet.onnx"), std::string::npos);
  EXPECT_EQ(missing.error().message.find('\n'), std::string::npos);
}

TEST(Yunet, OneFaceWithFiveLandmarksInsideTheBoxOnRealPhotos) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  auto host = test::makeBuiltPluginHost();
  auto detector = host.createDetector("yunet", nlohmann::json::object());
  ASSERT_TRUE(detector) << detector.error().message;
  std::vector<fs::path> photos = sortedFiles(sharedData() / "realfake/hard/real", 4);
  for (const auto& p : sortedFiles(sharedData() / "mask/prajnasb/without_mask", 3)) photos.push_back(p);
  for (const fs::path& photo : photos) {
    SCOPED_TRACE(photo.string());
    auto result = detectFacesInFile(*detector, photo, "yunet", 1024);
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_EQ((*result)["faces"].size(), 1U);
    const auto& face = (*result)["faces"][0];
    EXPECT_GE(face["score"].get<double>(), 0.6);
    ASSERT_EQ(face["landmarks"].size(), 10U);
    const double x = face["x"], y = face["y"], w = face["width"], h = face["height"];
    for (int k = 0; k < 5; ++k) {
      const double lx = face["landmarks"][2 * k], ly = face["landmarks"][2 * k + 1];
      EXPECT_GE(lx, x);
      EXPECT_LE(lx, x + w);
      EXPECT_GE(ly, y);
      EXPECT_LE(ly, y + h);
    }
    // The subject's right eye is on the image's left; the eyes are above the mouth corners.
    EXPECT_LT(face["landmarks"][0].get<double>(), face["landmarks"][2].get<double>());
    EXPECT_LT(face["landmarks"][1].get<double>(), face["landmarks"][7].get<double>());
  }
}

TEST(Yunet, LargePhotoGivesBoxInFullResolutionPixels) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  TempDir dir;
  const fs::path photo = sortedFiles(sharedData() / "realfake/hard/real", 1)[0];
  auto host = test::makeBuiltPluginHost();
  auto small = detectFacesInFile(host, photo, "yunet", nlohmann::json::object(), 1024);
  ASSERT_TRUE(small) << small.error().message;
  ASSERT_EQ((*small)["faces"].size(), 1U);
  const auto& s = (*small)["faces"][0];
  // The 300 px photo enlarged 10x, pasted at x = 500 into a 4000 x 3000 canvas.
  const cv::Mat image = cv::imread(photo.string());
  cv::Mat canvas(3000, 4000, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::Mat big;
  cv::resize(image, big, cv::Size(), 10, 10, cv::INTER_CUBIC);
  big.copyTo(canvas(cv::Rect(500, 0, big.cols, big.rows)));
  cv::imwrite((dir / "large.jpg").string(), canvas);
  // What the network sees at its default max_input_side (640 x 480): boxes depend on the scale a
  // face is seen at, so the expected full-size box is this one's times 6.25.
  cv::Mat seen;
  cv::resize(canvas, seen, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
  cv::imwrite((dir / "seen.png").string(), seen);
  auto atSeen = detectFacesInFile(host, dir / "seen.png", "yunet", nlohmann::json::object(), 1024);
  ASSERT_TRUE(atSeen) << atSeen.error().message;
  ASSERT_EQ((*atSeen)["faces"].size(), 1U);
  const auto& e = (*atSeen)["faces"][0];
  const double ex = e["x"].get<double>() * 6.25, ey = e["y"].get<double>() * 6.25;
  const double ew = e["width"].get<double>() * 6.25, eh = e["height"].get<double>() * 6.25;
  EXPECT_GT(ew, 1000.0);

  // Through the runner: reduced JPEG decode, boxes scaled back.
  auto large = detectFacesInFile(host, dir / "large.jpg", "yunet", nlohmann::json::object(), 1024);
  ASSERT_TRUE(large) << large.error().message;
  EXPECT_LT((*large)["decoded_width"].get<int>(), 4000);
  ASSERT_EQ((*large)["faces"].size(), 1U);
  EXPECT_GT(iou((*large)["faces"][0], ex, ey, ew, eh), 0.9) << (*large)["faces"][0].dump();
  for (int k = 0; k < 10; ++k) {
    const double got = (*large)["faces"][0]["landmarks"][k].get<double>();
    // Those of the 640 px view, mapped back (within 4 of its pixels), and those of the 300 px
    // original, enlarged and shifted (within 20 of its pixels: a face filling the frame comes out
    // slightly different at another scale).
    EXPECT_NEAR(got, e["landmarks"][k].get<double>() * 6.25, 25.0) << k;
    EXPECT_NEAR(got, s["landmarks"][k].get<double>() * 10 + (k % 2 == 0 ? 500 : 0), 200.0) << k;
  }

  // The plugin alone, given all 12 megapixels: it reduces to max_input_side and maps back.
  auto detector = host.createDetector("yunet", nlohmann::json::object());
  ASSERT_TRUE(detector) << detector.error().message;
  Image full;
  full.width = canvas.cols;
  full.height = canvas.rows;
  full.format = PixelFormat::Rgb8;
  cv::Mat rgb;
  cv::cvtColor(canvas, rgb, cv::COLOR_BGR2RGB);
  full.pixels.assign(rgb.data, rgb.data + rgb.total() * 3);
  auto boxes = detector->detect(full);
  ASSERT_TRUE(boxes) << boxes.error().message;
  ASSERT_EQ(boxes->size(), 1U);
  const nlohmann::json box = {{"x", (*boxes)[0].x}, {"y", (*boxes)[0].y}, {"width", (*boxes)[0].width},
                              {"height", (*boxes)[0].height}};
  EXPECT_GT(iou(box, ex, ey, ew, eh), 0.9) << box.dump();
}

// YuNet's anchors stop at 256 px: a close-up filling a 640 px view used to come out as four
// partial boxes; the coarse pass sees it whole.
TEST(Yunet, CloseUpLargerThanTheAnchorsGivesOneFace) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  TempDir dir;
  const fs::path photo = sortedFiles(sharedData() / "realfake/hard/real", 4)[3];
  cv::Mat big;
  cv::resize(cv::imread(photo.string()), big, cv::Size(1500, 1500), 0, 0, cv::INTER_CUBIC);
  cv::imwrite((dir / "closeup.png").string(), big);
  auto host = test::makeBuiltPluginHost();
  auto result = detectFacesInFile(host, dir / "closeup.png", "yunet", nlohmann::json::object(), 1024);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ((*result)["faces"].size(), 1U) << (*result)["faces"].dump();
  EXPECT_GT((*result)["faces"][0]["width"].get<double>(), 700.0);
  auto onePass = detectFacesInFile(host, dir / "closeup.png", "yunet", {{"coarse_input_side", 0}}, 1024);
  ASSERT_TRUE(onePass) << onePass.error().message;
  EXPECT_GT((*onePass)["faces"].size(), 1U) << "the fine pass alone no longer splits this face: the test lost its point";
}

TEST(Yunet, GreyAndTinyImagesGiveNoFaceNotAnError) {
  TempDir dir;
  cv::imwrite((dir / "grey.png").string(), cv::Mat(480, 640, CV_8UC3, cv::Scalar(128, 128, 128)));
  cv::imwrite((dir / "grey1.png").string(), cv::Mat(300, 200, CV_8UC1, cv::Scalar(90)));
  cv::imwrite((dir / "tiny.png").string(), cv::Mat(1, 1, CV_8UC3, cv::Scalar(9, 9, 9)));
  auto host = test::makeBuiltPluginHost();
  for (const std::string name : {"grey.png", "grey1.png", "tiny.png"}) {
    auto result = detectFacesInFile(host, dir / name, "yunet", nlohmann::json::object(), 1024);
    ASSERT_TRUE(result) << name << ": " << result.error().message;
    EXPECT_EQ((*result)["faces"].size(), 0U) << name;
  }
}

TEST(FaceCrops, FivePointFrameIsTheArcFaceSimilarity) {
  const std::vector<float> reference = {38.2946F, 51.6963F, 73.5318F, 51.5014F, 56.0252F,
                                        71.7366F, 41.5493F, 92.3655F, 70.7299F, 92.2041F};
  auto identity = fivePointFrame(reference);
  ASSERT_TRUE(identity);
  EXPECT_NEAR(identity->angleDegrees, 0.0, 1e-4);  // landmarks are floats
  EXPECT_NEAR(identity->side, 112.0, 1e-4);
  EXPECT_NEAR(identity->centreX, 55.5, 1e-4);
  EXPECT_NEAR(identity->centreY, 55.5, 1e-4);
  // The reference scaled 3x, turned 25 degrees (counter-clockwise on screen: y grows down, so the
  // image-left eye ends up lower) and shifted: the frame undoes exactly that.
  const double a = 25.0 * 3.14159265358979 / 180.0;
  std::vector<float> moved;
  for (int i = 0; i < 5; ++i) {
    const double x = (reference[2 * i] - 55.5) * 3, y = (reference[2 * i + 1] - 55.5) * 3;
    moved.push_back(static_cast<float>(400 + std::cos(a) * x - std::sin(a) * y));
    moved.push_back(static_cast<float>(300 + std::sin(a) * x + std::cos(a) * y));
  }
  auto frame = fivePointFrame(moved);
  ASSERT_TRUE(frame);
  EXPECT_NEAR(frame->angleDegrees, 25.0, 1e-3);
  EXPECT_NEAR(frame->side, 336.0, 1e-2);
  EXPECT_NEAR(frame->centreX, 400.0, 1e-2);
  EXPECT_NEAR(frame->centreY, 300.0, 1e-2);
  EXPECT_FALSE(fivePointFrame({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));  // all at one point
  EXPECT_FALSE(fivePointFrame({1.0F, 2.0F}));

  // Crop geometry: align rotates by the frame; box=landmarks takes the ArcFace frame grown by the margin.
  plugin::FaceBox face;
  face.x = 250;
  face.y = 150;
  face.width = 300;
  face.height = 320;
  face.landmarks = moved;
  const CropGeometry byBox = cropGeometry(face, 0.25, true, true, false);
  EXPECT_NEAR(byBox.angleDegrees, 25.0, 1e-3);
  EXPECT_NEAR(byBox.centreX, 400.0, 1e-6);
  EXPECT_NEAR(byBox.sideX, 320 * 1.5, 1e-6);
  const CropGeometry byLandmarks = cropGeometry(face, 0.25, true, true, true);
  EXPECT_NEAR(byLandmarks.sideX, 336.0 * 1.5, 1e-2);
  EXPECT_NEAR(byLandmarks.centreY, 300.0, 1e-2);
  EXPECT_NEAR(cropGeometry(face, 0.25, true, false, false).angleDegrees, 0.0, 1e-9);
}

// Two photos pasted into one picture: a large face at the left edge, a smaller one in the centre.
TEST(FaceCrops, CentralAndMostConfidentPoliciesPickTheirFace) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  TempDir dir;
  const fs::path folder = dir / "photos";
  fs::create_directories(folder);
  const auto photos = sortedFiles(sharedData() / "realfake/hard/real", 4);
  cv::Mat canvas(600, 1200, CV_8UC3, cv::Scalar(120, 120, 120));
  cv::Mat large, small;
  cv::resize(cv::imread(photos[0].string()), large, cv::Size(450, 450), 0, 0, cv::INTER_CUBIC);
  cv::resize(cv::imread(photos[2].string()), small, cv::Size(260, 260), 0, 0, cv::INTER_AREA);
  large.copyTo(canvas(cv::Rect(0, 75, 450, 450)));
  small.copyTo(canvas(cv::Rect(470, 170, 260, 260)));
  cv::imwrite((folder / "two.jpg").string(), canvas);
  cv::imwrite((folder / "one.jpg").string(), cv::imread(photos[3].string()));

  auto store = store::ProjectStore::create(dir / "p");
  ASSERT_TRUE(store);
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions options;
  options.root = folder;
  ASSERT_TRUE(ingest::ingestFolder(**store, options, job));
  auto host = test::makeBuiltPluginHost();
  auto detected = runDetect(**store, host, {{"detector", "yunet"}, {"threads", 1}}, job);
  ASSERT_TRUE(detected) << detected.error().message;
  ASSERT_EQ((*detected)["several_faces"], 1);
  ASSERT_EQ((*detected)["one_face"], 1);
  const std::string two = "(SELECT id FROM samples WHERE original_path LIKE '%two.jpg')";
  const std::string largestFace =
      queryText(**store, "SELECT id FROM faces WHERE sample_id=" + two + " ORDER BY width*height DESC LIMIT 1");
  const std::string centralFace =
      queryText(**store, "SELECT id FROM faces WHERE sample_id=" + two +
                             " ORDER BY abs(x + width/2 - 600) + abs(y + height/2 - 300) LIMIT 1");
  const std::string confidentFace =
      queryText(**store, "SELECT id FROM faces WHERE sample_id=" + two + " ORDER BY score DESC LIMIT 1");
  ASSERT_NE(largestFace, centralFace);
  std::map<std::string, std::string> descriptorOf;  // policy -> stored vector of the two-face photo

  for (const auto& [policy, expected] : {std::pair<std::string, std::string>{"largest", largestFace},
                                         {"central", centralFace},
                                         {"most_confident", confidentFace}}) {
    SCOPED_TRACE(policy);
    auto crops = runCrops(**store, {{"detector", "yunet"}, {"size", 112}, {"multiple", policy}}, job);
    ASSERT_TRUE(crops) << crops.error().message;
    EXPECT_EQ((*crops)["crops"], 2);
    EXPECT_EQ((*crops)["multiple_faces"], 1);
    EXPECT_EQ((*crops)["alignment"]["landmarks_5"], 2);
    EXPECT_EQ((*crops)["alignment"]["box_only"], 0);
    EXPECT_FALSE((*crops)["alignment"].contains("note"));
    EXPECT_EQ(queryText(**store, "SELECT face_id FROM face_crops WHERE face_index=0 AND sample_id=" + two), expected);
    const auto recorded = nlohmann::json::parse(
        queryText(**store, "SELECT params_json FROM face_crops WHERE sample_id=" + two));
    EXPECT_EQ(recorded["chosen_by"], policy);
    EXPECT_EQ(recorded["face_count"], 2);
    const auto single = nlohmann::json::parse(
        queryText(**store, "SELECT params_json FROM face_crops WHERE sample_id<>" + two));
    EXPECT_EQ(single["chosen_by"], "only_face");
    // Findable for review under every policy.
    EXPECT_EQ(queryText(**store, "SELECT value FROM sample_flags WHERE flag='multiple_faces' AND sample_id=" + two), "2.0");
    // The descriptor follows the crop's choice (the face the reviewer sees), not the largest face.
    // (Descriptors come from the faceapi plugin: not in a build without LibTorch.)
    if (!WINNOW_WITH_TORCH) continue;
    auto embedded = runEmbed(**store, host, {{"detector", "yunet"}, {"redo", true}}, job);
    ASSERT_TRUE(embedded) << embedded.error().message;
    EXPECT_EQ((*embedded)["embedded"], 2);
    EXPECT_EQ((*embedded)["faces_chosen_by_crops"], expected == largestFace ? 0 : 1);
    descriptorOf[policy] = queryText(**store, "SELECT hex(vector) FROM embeddings WHERE sample_id=" + two);
  }
  if (WINNOW_WITH_TORCH) EXPECT_NE(descriptorOf["central"], descriptorOf["largest"]);

  // Haar stores no landmarks: its crops are cut along the box, and the summary says so.
  auto haar = runDetect(**store, host, {{"detector", "haar"}, {"threads", 1}}, job);
  ASSERT_TRUE(haar) << haar.error().message;
  auto haarCrops = runCrops(**store, {{"detector", "haar"}, {"size", 112}}, job);
  ASSERT_TRUE(haarCrops) << haarCrops.error().message;
  ASSERT_GT((*haarCrops)["crops"].get<int>(), 0);
  EXPECT_EQ((*haarCrops)["alignment"]["box_only"], (*haarCrops)["crops"]);
  EXPECT_NE((*haarCrops)["alignment"]["note"].get<std::string>().find("no landmarks"), std::string::npos);
}

}  // namespace
}  // namespace winnow::faces
