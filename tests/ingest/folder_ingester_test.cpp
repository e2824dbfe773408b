#include "store/sqlite_statement.hpp"  // SqlAccess: the test reads the database itself
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

#include <sqlite3.h>

#include "ingest/bad_file_fixtures.hpp"
#include "support/temp_dir.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/review/thumbnail_cache.hpp"

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
  EXPECT_EQ(summary.analysed, 8);  // frames are measured from the pixels the video decode gave
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
    // Everything recorded before the cancel is committed (issue 13: nothing done is lost), and
    // only whole samples: the store holds exactly what the summary counts.
    EXPECT_GE(summary->added, 1);
    EXPECT_EQ(store->stats()->activeSamples, summary->added);
  }
  const IngestSummary rest = ingestOk(*store, options);
  EXPECT_FALSE(rest.cancelled);
  EXPECT_EQ(store->stats()->activeSamples, 1289);
}

// Rows of one table as "sample_id/name" -> value (name empty for sample_hashes: phash and dhash).
std::map<std::string, double> tableRows(ProjectStore& store, const char* sql) {
  std::map<std::string, double> rows;
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(winnow::store::SqlAccess::handle(store), sql, -1, &statement, nullptr), SQLITE_OK);
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const std::string key = std::to_string(sqlite3_column_int64(statement, 0)) + "/" +
                            reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
    rows[key] = sqlite3_column_double(statement, 2);
  }
  sqlite3_finalize(statement);
  return rows;
}

std::map<std::string, double> hashRows(ProjectStore& store) {
  std::map<std::string, double> rows = tableRows(store, "SELECT sample_id, 'phash', phash FROM sample_hashes");
  for (const auto& [key, value] : tableRows(store, "SELECT sample_id, 'dhash', dhash FROM sample_hashes")) rows[key] = value;
  return rows;
}

// Issue 13 §1: ingest's one decode gives dupes its hashes and keeper measures, quality its
// measures and the workbench its thumbnails, with the very values those stages compute when
// they do it themselves (samples ingested before), so neither decodes the files again.
TEST(FolderIngester, OneDecodeFeedsDupesQualityAndTheWorkbench) {
  WINNOW_REQUIRE_SHARED_DATA("mask/prajnasb");
  TempDir dir;
  fs::create_directories(dir / "in/shared");
  // Shared JPEGs of several sizes, the largest file of the set among them (4,000+ px: 1/8 decode).
  std::vector<fs::path> shared;
  for (const auto& entry : fs::recursive_directory_iterator(sharedData() / "mask/prajnasb")) {
    if (entry.is_regular_file()) shared.push_back(entry.path());
  }
  std::sort(shared.begin(), shared.end());
  const fs::path largest = *std::max_element(shared.begin(), shared.end(), [](const fs::path& a, const fs::path& b) {
    return fs::file_size(a) < fs::file_size(b);
  });
  shared.resize(10);
  shared.push_back(largest);
  for (std::size_t i = 0; i < shared.size(); ++i) {
    fs::copy_file(shared[i], dir / "in/shared" / (std::to_string(i) + shared[i].extension().string()));
  }
  // Made here: a PNG and a grey JPEG.
  cv::Mat gradient(90, 140, CV_8UC3);
  for (int y = 0; y < gradient.rows; ++y) {
    for (int x = 0; x < gradient.cols; ++x) gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(x, y * 2, (x * y) % 251);
  }
  ASSERT_TRUE(cv::imwrite((dir / "in/shared/made.png").string(), gradient));
  cv::Mat grey;
  cv::cvtColor(cv::imread(shared[0].string()), grey, cv::COLOR_BGR2GRAY);
  ASSERT_TRUE(cv::imwrite((dir / "in/shared/grey.jpg").string(), grey));

  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = dir / "in";
  const IngestSummary summary = ingestOk(*store, options);
  ASSERT_EQ(summary.added, static_cast<std::int64_t>(shared.size() + 2));
  EXPECT_EQ(summary.analysed, summary.added);
  EXPECT_EQ(summary.thumbnailFailures, 0);

  // Nothing left for the later stages to decode.
  job::JobContext job(job::ProgressStyle::Silent);
  auto hashing = dedupe::computeMissingHashes(*store, 2, job);
  ASSERT_TRUE(hashing);
  EXPECT_EQ(hashing->computed, 0);
  EXPECT_EQ(hashing->cached, summary.added);
  auto measuring = quality::measureMissingSamples(*store, 2, job);
  ASSERT_TRUE(measuring);
  EXPECT_EQ(measuring->measured, 0);
  EXPECT_EQ(measuring->alreadyMeasured, summary.added);

  // The same values as the stages' own passes.
  const auto ingestHashes = hashRows(*store);
  const auto ingestMeasures = tableRows(*store, "SELECT sample_id, name, value FROM sample_measures");
  ASSERT_EQ(ingestHashes.size(), 2 * shared.size() + 4);
  ASSERT_GE(ingestMeasures.size(), (shared.size() + 2) * 17);
  ASSERT_EQ(sqlite3_exec(winnow::store::SqlAccess::handle(*store), "DELETE FROM sample_hashes; DELETE FROM sample_measures", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(dedupe::computeMissingHashes(*store, 2, job));
  auto remeasured = quality::measureMissingSamples(*store, 2, job);
  ASSERT_TRUE(remeasured);
  EXPECT_EQ(remeasured->measured, summary.added);
  EXPECT_EQ(hashRows(*store), ingestHashes);
  const auto stageMeasures = tableRows(*store, "SELECT sample_id, name, value FROM sample_measures");
  ASSERT_EQ(stageMeasures.size(), ingestMeasures.size());
  for (const auto& [key, value] : ingestMeasures) {
    ASSERT_EQ(stageMeasures.count(key), 1u) << key;
    EXPECT_NEAR(stageMeasures.at(key), value, 1e-6 * std::max(1.0, std::abs(value))) << key;
  }

  // One workbench thumbnail per sample, at most 128 px on its longer side.
  const review::ThumbnailCache thumbnails(store->projectDir(), 128);
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  for (const auto& sample : *samples) {
    const fs::path file = thumbnails.imageCacheFile(sample.contentHash);
    ASSERT_TRUE(fs::exists(file)) << sample.originalPath;
    const cv::Mat thumbnail = cv::imread(file.string());
    ASSERT_FALSE(thumbnail.empty()) << file;
    EXPECT_EQ(std::max(thumbnail.cols, thumbnail.rows), std::min(128, std::max(sample.width, sample.height)))
        << sample.originalPath;
  }

  // thumbnail_side 0: no cache written.
  TempDir other;
  auto bare = newStore(other);
  ASSERT_TRUE(bare);
  options.thumbnailSide = 0;
  EXPECT_EQ(ingestOk(*bare, options).analysed, summary.added);
  EXPECT_FALSE(fs::exists(bare->projectDir() / "cache"));
}

// Issue 15 §5: labels from a CSV as Kaggle ships them: a flat folder of real and GAN faces, an
// `id,label` file without extensions (BOM, CRLF, a quoted id with a comma), one row for a file
// that is not there, one file without a row; the class map applies to CSV labels too.
TEST(FolderIngester, LabelsFromAKaggleCsv) {
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
  TempDir dir;
  fs::create_directories(dir / "flat");
  const fs::path real = sharedData() / "realfake/hard/real";
  const fs::path fake = sharedData() / "realfake/hard/fake";
  std::vector<fs::path> reals;
  std::vector<fs::path> fakes;
  for (const auto& entry : fs::directory_iterator(real)) reals.push_back(entry.path());
  for (const auto& entry : fs::directory_iterator(fake)) fakes.push_back(entry.path());
  std::sort(reals.begin(), reals.end());
  std::sort(fakes.begin(), fakes.end());
  std::string csv = "\xEF\xBB\xBFid,label\r\n";
  for (int i = 0; i < 6; ++i) {
    fs::copy_file(reals[static_cast<std::size_t>(i)], dir / "flat" / ("r" + std::to_string(i) + ".jpg"));
    fs::copy_file(fakes[static_cast<std::size_t>(i)], dir / "flat" / ("f" + std::to_string(i) + ".jpg"));
    csv += "r" + std::to_string(i) + ",real\r\n";
    csv += "f" + std::to_string(i) + ".jpg,fake\r\n";
  }
  fs::copy_file(reals[6], dir / "flat" / "odd, name.jpg");
  csv += "\"odd, name\",real\r\n";
  csv += "gone,fake\r\n";                     // names no file
  fs::copy_file(reals[7], dir / "flat" / "unlisted.jpg");  // has no row
  { std::ofstream(dir / "labels.csv", std::ios::binary) << csv; }

  auto store = newStore(dir);
  ASSERT_TRUE(store);
  IngestOptions options;
  options.root = dir / "flat";
  options.labelsCsv = dir / "labels.csv";
  options.labelMap = {{"fake", "synthetic"}};
  const IngestSummary summary = ingestOk(*store, options);
  EXPECT_EQ(summary.added, 14);
  EXPECT_EQ(summary.csvLabelledFiles, 13);
  ASSERT_EQ(summary.csvMissingFiles.size(), 1u);
  EXPECT_EQ(fs::path(summary.csvMissingFiles[0]).filename(), "unlisted.jpg");
  EXPECT_EQ(summary.csvUnmatchedRows, std::vector<std::string>{"gone"});
  EXPECT_EQ(summary.addedByLabel.at("real"), 7);
  EXPECT_EQ(summary.addedByLabel.at("synthetic"), 6);
  EXPECT_EQ(summary.addedByLabel.at(""), 1);
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  for (const auto& sample : *samples) {
    const std::string name = fs::path(sample.originalPath).filename().string();
    if (name[0] == 'f') {
      EXPECT_EQ(sample.originalLabel, "fake") << name;
      EXPECT_EQ(sample.label.value_or(""), "synthetic") << name;
    } else if (name != "unlisted.jpg") {
      EXPECT_EQ(sample.label.value_or(""), "real") << name;
    }
  }

  // Bad CSVs stop the run before anything is ingested, naming the file and the reason.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"path,kind,score\na.jpg,x,1\n", "cannot tell the file and label columns"},
      {"filename,label\nr0.jpg,real\nr0.jpg,fake\n", "row 3 labels 'r0.jpg' fake but row 2 labels it real"},
      {"", "empty"},
      {"filename,label\n\"r0.jpg,real\n", "not a valid CSV file"}};
  for (const auto& [text, reason] : bad) {
    { std::ofstream(dir / "bad.csv", std::ios::binary | std::ios::trunc) << text; }
    TempDir other;
    auto fresh = newStore(other);
    ASSERT_TRUE(fresh);
    options.labelsCsv = dir / "bad.csv";
    job::JobContext job(job::ProgressStyle::Silent);
    auto failed = ingestFolder(*fresh, options, job);
    ASSERT_FALSE(failed) << text;
    EXPECT_NE(failed.error().message.find("bad.csv"), std::string::npos) << failed.error().message;
    EXPECT_NE(failed.error().message.find(reason), std::string::npos) << failed.error().message;
    EXPECT_EQ(fresh->stats()->activeSamples, 0);
  }
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
