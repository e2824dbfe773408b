#include "winnow/ingest/folder_ingester.hpp"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "ingest/bad_file_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace winnow::ingest {
namespace {

namespace fs = std::filesystem;
using store::ProjectStore;
using test::sharedData;
using test::TempDir;

std::unique_ptr<ProjectStore> newStore(const TempDir& dir) {
  auto store = ProjectStore::create(dir / "project");
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(store.value()) : nullptr;
}

IngestSummary ingestOk(ProjectStore& store, IngestOptions options) {
  job::JobContext job(job::ProgressStyle::Silent);
  auto summary = ingestFolder(store, options, job);
  EXPECT_TRUE(summary) << (summary ? "" : summary.error().message);
  return summary ? *summary : IngestSummary{};
}

std::int64_t countOf(const std::vector<store::CountByKey>& counts, const std::string& key) {
  for (const auto& entry : counts) {
    if (entry.key == key) return entry.count;
  }
  return 0;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}


// Issue 2, must-show 2: the mask set (97 byte-identical copies inside its classes) merged with
// realfake/hard, without_mask mapped to real.
TEST(FolderIngester, MergesMaskAndRealFakeWithClassMappingAndExactDuplicates) {
  WINNOW_REQUIRE_SHARED_DATA("mask/prajnasb");
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  TempDir dir;
  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions mask;
  mask.root = sharedData() / "mask/prajnasb";
  mask.sourceName = "mask";
  mask.labelMap = {{"without_mask", "real"}};
  const IngestSummary first = ingestOk(*store, mask);
  EXPECT_EQ(first.layout, "class_folders");
  EXPECT_EQ(first.filesSeen, 1376);
  EXPECT_EQ(first.duplicates, 97);
  EXPECT_TRUE(first.badFiles.empty()) << first.badFiles.front().path << ": " << first.badFiles.front().reason;

  IngestOptions realFake;
  realFake.root = sharedData() / "realfake/hard";
  realFake.sourceName = "rf";
  const IngestSummary second = ingestOk(*store, realFake);
  EXPECT_EQ(second.filesSeen, 1289);
  EXPECT_EQ(first.filesSeen + second.filesSeen, 2665);

  auto stats = store->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->activeSamples, 2568);
  EXPECT_EQ(stats->byLabel.size(), 3u);
  EXPECT_EQ(countOf(stats->byLabel, "real"), 1224);
  EXPECT_EQ(countOf(stats->byLabel, "fake"), 700);
  EXPECT_EQ(countOf(stats->byLabel, "with_mask"), 644);
  EXPECT_EQ(stats->duplicates, 97);

  // Every duplicate points at an original with the same content, and keeps its own label.
  auto duplicates = store->listDuplicates();
  ASSERT_TRUE(duplicates);
  ASSERT_EQ(duplicates->size(), 97u);
  for (const auto& duplicate : *duplicates) {
    auto original = store->getSample(duplicate.sampleId);
    ASSERT_TRUE(original);
    EXPECT_EQ(original->contentHash, duplicate.contentHash);
    EXPECT_NE(original->originalPath, duplicate.path);
    EXPECT_FALSE(duplicate.originalLabel.empty());
  }
  // Mapped samples keep their original label and source.
  store::SampleFilter realFilter;
  realFilter.label = "real";
  auto realSamples = store->listSamples(realFilter);
  ASSERT_TRUE(realSamples);
  std::set<std::string> originals;
  for (const auto& sample : *realSamples) originals.insert(sample.sourceName + "/" + sample.originalLabel);
  EXPECT_EQ(originals, (std::set<std::string>{"mask/without_mask", "rf/real"}));

  // Re-running adds nothing, and does not re-read unchanged files.
  const IngestSummary again = ingestOk(*store, mask);
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.duplicates, 0);
  EXPECT_EQ(again.unchanged, 1376);
  EXPECT_EQ(store->stats()->activeSamples, 2568);
}

TEST(FolderIngester, ReportsEveryBadFileAndIngestsEveryGoodOne) {
  WINNOW_REQUIRE_SHARED_DATA("mask/prajnasb");
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  TempDir dir;
  const fs::path folder = dir / "mixed";
  const fs::path real = sharedData() / "realfake/hard/real";
  std::vector<fs::path> reals;
  for (const auto& entry : fs::directory_iterator(real)) reals.push_back(entry.path());
  std::sort(reals.begin(), reals.end());
  ASSERT_GE(reals.size(), 6u);
  const auto fixtures = test::writeBadFiles(folder, reals[0]);
  ASSERT_GE(fixtures.size(), 10u);
  // Good files, with spaces and non-ASCII characters in their names.
  const std::vector<std::string> goodNames = {"plain.jpg", "with space.jpg", "été à la plage.jpg",
                                              "日本の写真.jpg", "Ünïcödé (1).jpg"};
  for (std::size_t i = 0; i < goodNames.size(); ++i) fs::copy_file(reals[i + 1], folder / goodNames[i]);
  std::ofstream(folder / "readme.txt") << "not an image and not pretending to be one\n";

  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = folder;
  const IngestSummary summary = ingestOk(*store, options);
  EXPECT_EQ(summary.layout, "flat");
  EXPECT_EQ(summary.added, static_cast<std::int64_t>(goodNames.size()));
  EXPECT_EQ(summary.skippedNonImage, 1);
  ASSERT_EQ(summary.badFiles.size(), fixtures.size());
  for (const auto& fixture : fixtures) {
    auto found = std::find_if(summary.badFiles.begin(), summary.badFiles.end(),
                              [&](const BadFile& bad) { return bad.path == fixture.path.string(); });
    ASSERT_NE(found, summary.badFiles.end()) << fixture.path << " not reported";
    EXPECT_FALSE(found->reason.empty());
    EXPECT_EQ(found->reason.find('\n'), std::string::npos) << "reason must be one line";
    EXPECT_NE(lower(found->reason).find(fixture.expectedReasonWord), std::string::npos)
        << fixture.path << ": '" << found->reason << "' lacks '" << fixture.expectedReasonWord << "'";
  }
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  std::set<std::string> names;
  for (const auto& sample : *samples) {
    names.insert(fs::path(sample.originalPath).filename().string());
    EXPECT_FALSE(sample.label.has_value());  // flat folder: label unknown
    EXPECT_EQ(sample.width, 300);
  }
  EXPECT_EQ(names, std::set<std::string>(goodNames.begin(), goodNames.end()));
  EXPECT_EQ(store->stats()->badFiles, static_cast<std::int64_t>(fixtures.size()));
}

TEST(FolderIngester, ReadsKaggleSplitFoldersAndKeepsTheShippedSplit) {
  WINNOW_REQUIRE_SHARED_DATA("mask/prajnasb");
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  TempDir dir;
  const fs::path root = dir / "kaggle";
  int copied = 0;
  for (const std::string cls : {"real", "fake"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(sharedData() / "realfake/hard" / cls)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    const std::vector<std::string> splits = {"train", "train", "valid", "test"};
    for (std::size_t i = 0; i < splits.size(); ++i) {
      fs::create_directories(root / splits[i] / cls);
      fs::copy_file(files[i], root / splits[i] / cls / files[i].filename());
      ++copied;
    }
  }
  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = root;
  const IngestSummary summary = ingestOk(*store, options);
  EXPECT_EQ(summary.layout, "split_class_folders");
  EXPECT_EQ(summary.added, copied);
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  std::map<std::string, int> perSplit;
  for (const auto& sample : *samples) {
    ++perSplit[sample.originalSplit];
    ASSERT_TRUE(sample.label);
    EXPECT_TRUE(*sample.label == "real" || *sample.label == "fake");
  }
  EXPECT_EQ(perSplit["train"], 4);
  EXPECT_EQ(perSplit["valid"], 2);
  EXPECT_EQ(perSplit["test"], 2);
}

TEST(FolderIngester, SamplesVideoFramesAtTheGivenRate) {
  TempDir dir;
  const fs::path video = dir / "clips/person a/walk.avi";
  fs::create_directories(video.parent_path());
  {
    cv::VideoWriter writer(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0,
                           cv::Size(96, 64));
    ASSERT_TRUE(writer.isOpened());
    for (int frame = 0; frame < 40; ++frame) {  // 4 seconds
      cv::Mat image(64, 96, CV_8UC3, cv::Scalar(20, 20, 20));
      cv::circle(image, {10 + frame * 2, 32}, 8, cv::Scalar(0, 200, 255), cv::FILLED);
      writer.write(image);
    }
  }
  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = dir / "clips";
  options.videoFramesPerSecond = 2.0;
  const IngestSummary summary = ingestOk(*store, options);
  EXPECT_EQ(summary.videoFrames, 8);
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  ASSERT_EQ(samples->size(), 8u);
  for (const auto& sample : *samples) {
    EXPECT_EQ(sample.format, "video-frame");
    EXPECT_EQ(sample.label.value_or(""), "person a");
    ASSERT_TRUE(sample.videoFrameIndex);
    EXPECT_EQ(*sample.videoFrameIndex % 5, 0);
    EXPECT_TRUE(fs::exists(store->projectDir() / sample.derivedPath));
    EXPECT_EQ(sample.width, 96);
  }
  // Re-running adds nothing.
  const IngestSummary again = ingestOk(*store, options);
  EXPECT_EQ(again.added, 0);
}

TEST(FolderIngester, CancelKeepsCommittedWorkAndResumes) {
  WINNOW_REQUIRE_SHARED_DATA("mask/prajnasb");
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  TempDir dir;
  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = sharedData() / "realfake/hard";
  options.batchSize = 16;
  {
    // Cancel after the first progress tick beyond 40 files.
    class CancelAfter : public job::JobContext {
     public:
      CancelAfter() : JobContext(job::ProgressStyle::Silent) {}
    } job;
    std::thread canceller([&job] {
      while (job.done() < 40) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      job.cancel();
    });
    auto summary = ingestFolder(*store, options, job);
    canceller.join();
    ASSERT_TRUE(summary);
    EXPECT_TRUE(summary->cancelled);
    EXPECT_LT(summary->added, 1289);
    // Whole batches only: nothing half-written.
    EXPECT_EQ(summary->added % 16, 0);
    EXPECT_EQ(store->stats()->activeSamples, summary->added);
  }
  const IngestSummary rest = ingestOk(*store, options);
  EXPECT_FALSE(rest.cancelled);
  EXPECT_EQ(store->stats()->activeSamples, 1289);
}

TEST(FolderIngester, MissingFolderIsAClearError) {
  TempDir dir;
  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = dir / "nope";
  job::JobContext job(job::ProgressStyle::Silent);
  auto summary = ingestFolder(*store, options, job);
  ASSERT_FALSE(summary);
  EXPECT_NE(summary.error().message.find("nope"), std::string::npos);
  EXPECT_NE(summary.error().message.find("not found"), std::string::npos);
}

}  // namespace
}  // namespace winnow::ingest
