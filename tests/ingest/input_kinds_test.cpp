// Issue 16 item 5: inputs that used to vanish. GIFs (with and without extension), a WebP named
// like "black3.jpg_1088Wx1632H", hidden files and folders, a JPEG with garbage EXIF: each either
// comes in or is named with its reason, in the summary that text and --json print.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>

#include "ingest/bad_file_fixtures.hpp"
#include "support/temp_dir.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/report/summary_json.hpp"

namespace winnow::ingest {
namespace {

using test::TempDir;

std::vector<unsigned char> tinyGif(int frames) {
  std::vector<unsigned char> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0, 0, 0, 0, 0};
  for (int i = 0; i < frames; ++i) {
    const std::vector<unsigned char> frame = {0x21, 0xF9, 4, 0, 10, 0, static_cast<unsigned char>(i), 0,
                                              0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0};
    gif.insert(gif.end(), frame.begin(), frame.end());
  }
  gif.push_back(0x3B);
  return gif;
}

std::vector<unsigned char> encoded(const std::string& ext, int shade) {
  std::vector<unsigned char> bytes;
  cv::imencode(ext, cv::Mat(24, 32, CV_8UC3, cv::Scalar(shade, 255 - shade, shade / 2)), bytes);
  return bytes;
}

const BadFile* findPath(const std::vector<BadFile>& list, const std::string& name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const BadFile& f) {
    return std::filesystem::path(f.path).filename() == name;
  });
  return it == list.end() ? nullptr : &*it;
}

TEST(IngestInputKinds, NothingVanishesUnnamed) {
  TempDir dir;
  const auto folder = dir / "yale";
  std::filesystem::create_directories(folder / ".cache");
  test::writeAll(folder / "subject01.happy", tinyGif(1));       // Yale: GIF without extension
  test::writeAll(folder / "subject02.gif", tinyGif(3));          // animated, with extension
  test::writeAll(folder / "black3.jpg_1088Wx1632H", encoded(".webp", 40));
  test::writeAll(folder / "garbage exif.jpg", test::jpegWithBrokenExif(encoded(".jpg", 90)));
  test::writeAll(folder / ".hidden.jpg", encoded(".jpg", 120));
  test::writeAll(folder / ".cache" / "thumb.jpg", encoded(".jpg", 150));
  const std::string text = "not an image\n";
  test::writeAll(folder / "notes.txt", std::vector<unsigned char>(text.begin(), text.end()));

  auto store = store::ProjectStore::create(dir / "project");
  ASSERT_TRUE(store) << store.error().message;
  IngestOptions options;
  options.root = folder;
  job::JobContext job(job::ProgressStyle::Silent);
  auto summary = ingestFolder(**store, options, job);
  ASSERT_TRUE(summary) << summary.error().message;

  for (const auto& bad : summary->badFiles) ADD_FAILURE() << bad.path << ": " << bad.reason;
  EXPECT_EQ(summary->added, 4);  // two GIFs, the WebP, the JPEG with garbage EXIF
  EXPECT_EQ(summary->skippedNonImage, 1);
  EXPECT_EQ(summary->skippedHidden, 2);  // .hidden.jpg and the .cache folder
  const BadFile* notes = findPath(summary->skippedFiles, "notes.txt");
  ASSERT_NE(notes, nullptr);
  EXPECT_NE(notes->reason.find("not an image"), std::string::npos);
  ASSERT_NE(findPath(summary->skippedFiles, ".hidden.jpg"), nullptr);
  const BadFile* cache = findPath(summary->skippedFiles, ".cache");
  ASSERT_NE(cache, nullptr);
  EXPECT_NE(cache->reason.find("hidden folder"), std::string::npos);

  const BadFile* exif = findPath(summary->fileWarnings, "garbage exif.jpg");
  ASSERT_NE(exif, nullptr);
  EXPECT_NE(exif->reason.find("broken EXIF"), std::string::npos);
  const BadFile* animated = findPath(summary->fileWarnings, "subject02.gif");
  ASSERT_NE(animated, nullptr);
  EXPECT_NE(animated->reason.find("first of 3 frames"), std::string::npos);

  auto samples = (*store)->listSamples({});
  ASSERT_TRUE(samples);
  for (const auto& sample : *samples) {
    if (std::filesystem::path(sample.originalPath).filename() == "garbage exif.jpg") {
      EXPECT_EQ(sample.exifOrientation, 1);
      EXPECT_EQ(sample.width, 32);
    }
  }

  // Text and --json carry every skipped file with its reason.
  const nlohmann::json json = report::toJson(*summary);
  EXPECT_EQ(json["skipped_hidden"], 2);
  EXPECT_EQ(json["skipped_files"].size(), 3u);
  EXPECT_EQ(json["file_warnings"].size(), 2u);
  const std::string textSummary = report::formatIngestSummary(*summary);
  EXPECT_NE(textSummary.find("2 hidden skipped"), std::string::npos) << textSummary;
}

}  // namespace
}  // namespace winnow::ingest
