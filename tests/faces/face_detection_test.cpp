#include "store/sqlite_statement.hpp"  // SqlAccess: the test reads the database itself
#include "winnow/faces/face_detection.hpp"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sqlite3.h>

#include <algorithm>

#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"
#include "winnow/ingest/folder_ingester.hpp"

namespace winnow::faces {
namespace {

namespace fs = std::filesystem;
using test::sharedData;
using test::TempDir;
using test::sortedFiles;

plugin::PluginHost makeHost() { return test::makeBuiltPluginHost(); }


TEST(FaceDetection, OneFileGivesBoxesInOriginalPixels) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  TempDir dir;
  auto host = makeHost();
  ASSERT_NE(host.findCapability("haar"), nullptr);
  const fs::path photo = sortedFiles(sharedData() / "realfake/hard/real", 1)[0];
  // The same photo enlarged 12x (3600 px): detection runs on a reduced decode, boxes come back
  // in full-size pixels, 12 times the small one's.
  cv::Mat small = cv::imread(photo.string());
  cv::Mat big;
  cv::resize(small, big, cv::Size(), 12, 12, cv::INTER_LINEAR);
  cv::imwrite((dir / "big.jpg").string(), big);
  auto smallResult = detectFacesInFile(host, photo, "haar", nlohmann::json::object(), 1024);
  auto bigResult = detectFacesInFile(host, dir / "big.jpg", "haar", nlohmann::json::object(), 1024);
  ASSERT_TRUE(smallResult) << smallResult.error().message;
  ASSERT_TRUE(bigResult) << bigResult.error().message;
  ASSERT_EQ((*smallResult)["faces"].size(), 1u);
  ASSERT_EQ((*bigResult)["faces"].size(), 1u);
  EXPECT_LE((*bigResult)["decoded_width"].get<int>(), 2 * 1024);
  const double smallWidth = (*smallResult)["faces"][0]["width"];
  const double bigWidth = (*bigResult)["faces"][0]["width"];
  EXPECT_NEAR(bigWidth / smallWidth, 12.0, 1.5);
}

TEST(FaceDetection, ProjectRunStoresFacesAndFlagsImagesWithoutOne) {
  if (!fs::exists(sharedData() / "realfake/hard/real")) GTEST_SKIP() << "no shared data";
  TempDir dir;
  const fs::path folder = dir / "photos";
  fs::create_directories(folder);
  for (const auto& file : sortedFiles(sharedData() / "realfake/hard/real", 12)) {
    fs::copy_file(file, folder / file.filename());
  }
  // Awkward inputs: no face (a smooth gradient), tiny, grey, 4-channel PNG.
  cv::Mat gradient(240, 320, CV_8UC3);
  for (int y = 0; y < gradient.rows; ++y) {
    gradient.row(y).setTo(cv::Scalar(y, 255 - y, 128));
  }
  cv::imwrite((folder / "no face.png").string(), gradient);
  cv::imwrite((folder / "tiny.png").string(), cv::Mat(3, 2, CV_8UC3, cv::Scalar(1, 2, 3)));
  cv::Mat grey = cv::imread(sortedFiles(sharedData() / "realfake/hard/real", 13)[12].string(), cv::IMREAD_GRAYSCALE);
  cv::imwrite((folder / "grey.png").string(), grey);
  cv::Mat rgba;
  cv::cvtColor(cv::imread(sortedFiles(sharedData() / "realfake/hard/real", 14)[13].string()), rgba, cv::COLOR_BGR2BGRA);
  cv::imwrite((folder / "alpha.png").string(), rgba);

  auto store = store::ProjectStore::create(dir / "p");
  ASSERT_TRUE(store);
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions options;
  options.root = folder;
  ASSERT_TRUE(ingest::ingestFolder(**store, options, job));

  auto host = makeHost();
  auto summary = runDetect(**store, host, {{"detector", "haar"}}, job);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ((*summary)["samples"], 16);
  EXPECT_EQ((*summary)["failed"], 0);
  EXPECT_GE((*summary)["one_face"].get<int>(), 12);  // 12 photos + grey + alpha, allow misses
  EXPECT_GE((*summary)["no_face"].get<int>(), 2);    // noise and the 2x3 image at least

  // Stored: face_count for every sample; boxes inside the image.
  sqlite3* db = winnow::store::SqlAccess::handle(*(*store));
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT s.original_path, m.value FROM samples s JOIN sample_measures m "
                               "ON m.sample_id=s.id AND m.name='face_count'",
                               -1, &statement, nullptr),
            SQLITE_OK);
  int rows = 0;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    ++rows;
    const std::string path = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    if (path.find("no face") != std::string::npos || path.find("tiny") != std::string::npos) {
      EXPECT_EQ(sqlite3_column_double(statement, 1), 0.0) << path;
    }
  }
  sqlite3_finalize(statement);
  EXPECT_EQ(rows, 16);

  // A second run does nothing new; redo does it again.
  auto again = runDetect(**store, host, {{"detector", "haar"}}, job);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["samples"], 0);
  auto bad = runDetect(**store, host, {{"detector", "haar"}, {"detector_params", {{"min_neighbors", 0}}}}, job);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("min_neighbors"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace winnow::faces
