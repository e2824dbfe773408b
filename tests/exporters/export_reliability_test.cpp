// Issue 16 items 1 and 4 through the CLI: a 108-megapixel phone photo (12,000 x 9,000 JPEG, made
// here from a shared photo) flows through ingest, quality, dupes and export with the defaults;
// a file that turns bad before export is named and skipped, never aborting the export; an
// existing output is refused unless --overwrite; temp files of killed exports are cleaned up.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <tuple>

#include <unistd.h>

#include "support/cli_runner.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::runWinnow;
using test::TempDir;

fs::path sharedPhoto(const std::string& relative) { return fs::path(WINNOW_SHARED_DATA_DIR) / relative; }

class ExportReliability : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sharedPhoto("realfake/hard/real/real_1.jpg"))) GTEST_SKIP() << "../shared/data not present";
    fs::create_directories(dir / "photos/a");
    fs::create_directories(dir / "photos/b");
    fs::copy_file(sharedPhoto("realfake/hard/real/real_2.jpg"), dir / "photos/a/small.jpg");
    fs::copy_file(sharedPhoto("realfake/hard/real/real_3.jpg"), dir / "photos/b/other.jpg");
    fs::copy_file(sharedPhoto("realfake/hard/real/real_4.jpg"), dir / "photos/b/later_broken.jpg");
    project = (dir / "p").string();
    ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  }
  void addPhonePhoto() {
    const cv::Mat source = cv::imread(sharedPhoto("realfake/hard/real/real_1.jpg").string());
    cv::Mat big;
    cv::resize(source, big, cv::Size(12000, 9000), 0, 0, cv::INTER_LINEAR);
    ASSERT_TRUE(cv::imwrite((dir / "photos/a/phone_108mp.jpg").string(), big, {cv::IMWRITE_JPEG_QUALITY, 90}));
  }
  test::CommandResult ingest() { return runWinnow({"ingest", project, (dir / "photos").string(), "--json"}, dir); }

  TempDir dir;
  std::string project;
};

TEST_F(ExportReliability, PhonePhotoFlowsThroughEveryStage) {
  addPhonePhoto();
  auto ingested = ingest();
  ASSERT_EQ(ingested.exitCode, 0) << ingested.out << ingested.err;  // was: refused, "too large"
  EXPECT_EQ(test::parseJson(ingested)["added"], 4);

  auto quality = runWinnow({"quality", project, "--json"}, dir);
  EXPECT_EQ(quality.exitCode, 0) << quality.err;
  EXPECT_EQ(quality.err.find("phone_108mp"), std::string::npos) << quality.err;  // was: skipped
  auto dupes = runWinnow({"dupes", project, "--json"}, dir);
  EXPECT_EQ(dupes.exitCode, 0) << dupes.err;
  EXPECT_EQ(dupes.err.find("phone_108mp"), std::string::npos) << dupes.err;  // was: unreadable

  for (const auto& [format, output, extra] :
       {std::tuple<std::string, std::string, std::string>{"hdf5", "out.h5", "image_size=64"},
        {"imagefolder", "folder", "mode=copy"}}) {
    auto exported = runWinnow({"export", project, "--format", format, "--output", (dir / output).string(), "-p",
                               extra, "--json"}, dir);
    ASSERT_EQ(exported.exitCode, 0) << format << ": " << exported.err;  // was: exit 1, whole export aborted
    EXPECT_EQ(test::parseJson(exported)["exported"], 4) << format;
  }
  EXPECT_TRUE(fs::exists(dir / "folder/train") || fs::exists(dir / "folder/unassigned") || fs::exists(dir / "folder"));
}

TEST_F(ExportReliability, BadFileIsSkippedNotAborting) {
  ASSERT_EQ(ingest().exitCode, 0);
  // Same size, now garbage: passes the size check, fails the header probe.
  const auto victim = dir / "photos/b/later_broken.jpg";
  const auto size = fs::file_size(victim);
  {
    std::ofstream out(victim, std::ios::binary | std::ios::trunc);
    for (std::uintmax_t i = 0; i < size; ++i) out.put(static_cast<char>((i * 131) & 0xFF));
  }
  for (const std::string format : {"hdf5", "imagefolder"}) {
    const auto output = dir / ("skip-" + format);
    auto exported = runWinnow({"export", project, "--format", format, "--output", output.string(), "--json"}, dir);
    ASSERT_EQ(exported.exitCode, 0) << format << ": " << exported.err;
    const auto json = test::parseJson(exported);
    EXPECT_EQ(json["exported"], 2);
    ASSERT_EQ(json["skipped_bad"].size(), 1u);
    EXPECT_NE(json["skipped_bad"][0]["path"].get<std::string>().find("later_broken.jpg"), std::string::npos);
    EXPECT_FALSE(json["skipped_bad"][0]["reason"].get<std::string>().empty());
    EXPECT_NE(exported.err.find("later_broken.jpg"), std::string::npos) << "one JSON line names the file";
  }
}

TEST_F(ExportReliability, ExistingOutputNeedsOverwrite) {
  ASSERT_EQ(ingest().exitCode, 0);
  const auto output = dir / "out.h5";
  { std::ofstream(output) << "my notes, not a dataset\n"; }
  auto refused = runWinnow({"export", project, "--format", "hdf5", "--output", output.string()}, dir);
  EXPECT_NE(refused.exitCode, 0);  // was: silently replaced
  EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
  std::ifstream kept(output);
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "my notes, not a dataset");
  auto replaced = runWinnow({"export", project, "--format", "hdf5", "--output", output.string(), "--overwrite"}, dir);
  EXPECT_EQ(replaced.exitCode, 0) << replaced.err;
  EXPECT_GT(fs::file_size(output), 1000u);
  EXPECT_FALSE(fs::exists(output.string() + ".old-" + std::to_string(::getpid())));

  fs::create_directories(dir / "folder");
  { std::ofstream(dir / "folder/keep.txt") << "x"; }
  auto folderRefused = runWinnow({"export", project, "--format", "imagefolder", "--output", (dir / "folder").string()}, dir);
  EXPECT_NE(folderRefused.exitCode, 0);
  auto folderReplaced = runWinnow({"export", project, "--format", "imagefolder", "--output", (dir / "folder").string(),
                                   "--overwrite"}, dir);
  EXPECT_EQ(folderReplaced.exitCode, 0) << folderReplaced.err;
  EXPECT_FALSE(fs::exists(dir / "folder/keep.txt"));
}

TEST_F(ExportReliability, TempFilesOfKilledExportsAreRemoved) {
  ASSERT_EQ(ingest().exitCode, 0);
  const auto output = dir / "out.h5";
  // pid_max is at most 4194304 on Linux: these processes cannot exist.
  const fs::path orphans[] = {output.string() + ".tmp-4194999", output.string() + ".tmp-4195000"};
  for (const auto& orphan : orphans) std::ofstream(orphan) << std::string(4096, 'x');
  auto exported = runWinnow({"export", project, "--format", "hdf5", "--output", output.string(), "--json"}, dir);
  ASSERT_EQ(exported.exitCode, 0) << exported.err;
  for (const auto& orphan : orphans) EXPECT_FALSE(fs::exists(orphan)) << orphan;  // was: never cleaned
  EXPECT_EQ(test::parseJson(exported)["removed_temp_files"].size(), 2u);
}

}  // namespace
}  // namespace winnow
