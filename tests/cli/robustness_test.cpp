// Issue 16 items 2 and 6 through the `winnow` command: a truncated plugin library, hostile class
// names, runs killed mid-way, the rate of a cancelled ingest, and a store with damaged pages.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/report/summary_json.hpp"
#include "winnow/util/display_text.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::parseJson;
using test::runWinnow;
using test::sharedData;
using test::TempDir;

const fs::path kPluginDir = WINNOW_PLUGIN_BUILD_DIR;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// `count` distinct small PNGs in folder/<className>/.
void writeImages(const fs::path& folder, const std::string& className, int count, int seed) {
  fs::create_directories(folder / className);
  for (int i = 0; i < count; ++i) {
    cv::Mat image(24, 24, CV_8UC3, cv::Scalar((seed * 37 + i * 11) % 256, (i * 53) % 256, (seed + i * 7) % 256));
    image.at<cv::Vec3b>(i % 24, (seed + i) % 24) = cv::Vec3b(255, 0, 255);
    ASSERT_TRUE(cv::imwrite((folder / className / ("img_" + std::to_string(i) + ".png")).string(), image));
  }
}

bool isValidUtf8(const std::string& text) {
  // displayText leaves valid, control-free text alone; use it as the validator for the bytes
  // that are not control characters.
  std::string withoutControls;
  for (char c : text) {
    if (c != '\n' && c != '\t') withoutControls += c;
  }
  return displayText(withoutControls) == withoutControls;
}

// ---- 16.2: truncated plugin libraries ---------------------------------------------------------

class TruncatedPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_ = kPluginDir / "winnow_exporter_imagefolder.winnow-plugin.json";
    library_ = kPluginDir / "libwinnow_exporter_imagefolder.so";
    if (!fs::exists(manifest_) || !fs::exists(library_)) GTEST_SKIP() << "imagefolder exporter not built";
    whole_ = readAll(library_);
  }
  // A plugin folder holding the exporter's manifest and `bytes` as its library.
  void makePluginFolder(const fs::path& folder, const std::string& bytes) {
    fs::create_directories(folder);
    fs::copy_file(manifest_, folder / manifest_.filename(), fs::copy_options::overwrite_existing);
    writeAll(folder / library_.filename(), bytes);
  }
  fs::path manifest_;
  fs::path library_;
  std::string whole_;
};

TEST_F(TruncatedPlugin, PluginsListsEachCutCopyAsRejectedInsteadOfDying) {
  TempDir dir;
  for (std::size_t cut : {std::size_t{64}, whole_.size() / 2, whole_.size() * 9 / 10}) {
    const fs::path folder = dir / ("cut_" + std::to_string(cut));
    makePluginFolder(folder, whole_.substr(0, cut));
    CommandResult result = runWinnow({"plugins", "--plugin-path", folder.string()}, dir);
    // Before: SIGBUS inside dlopen (exit 135 through the shell, -1 here).
    ASSERT_EQ(result.exitCode, 0) << "cut at " << cut << "\n" << result.out << result.err;
    const std::string expected = (folder / library_.filename()).string() + ": not loaded: truncated ELF file (";
    EXPECT_NE(result.out.find(expected), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("file has " + std::to_string(cut) + " bytes)"), std::string::npos) << result.out;
    // The intact exporter from the default folder still loads.
    EXPECT_NE(result.out.find("loaded    winnow.exporter.imagefolder"), std::string::npos) << result.out;
  }
  const fs::path garbage = dir / "garbage";
  makePluginFolder(garbage, std::string(10000, '\x5a'));
  CommandResult result = runWinnow({"plugins", "--plugin-path", garbage.string()}, dir);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("not a loadable library"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find((garbage / library_.filename()).string()), std::string::npos) << result.out;
}

TEST_F(TruncatedPlugin, ExportSkipsTheCutCopyAndFinishes) {
  TempDir dir;
  const fs::path project = dir / "p";
  writeImages(dir / "in", "cat", 4, 1);
  writeImages(dir / "in", "dog", 4, 2);
  ASSERT_EQ(runWinnow({"init", project.string()}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project.string(), (dir / "in").string()}, dir).exitCode, 0);
  makePluginFolder(dir / "plugins", whole_.substr(0, whole_.size() / 2));
  CommandResult result = runWinnow({"export", project.string(), "--format", "imagefolder", "--output",
                                    (dir / "out").string(), "--plugin-path", (dir / "plugins").string()},
                                   dir);
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_TRUE(fs::exists(dir / "out"));
}

// ---- 16.6: hostile names ----------------------------------------------------------------------

TEST(DisplayText, OrdinaryTextIsUnchangedAndHostileTextIsQuotedAndEscaped) {
  EXPECT_EQ(displayText("with_mask"), "with_mask");
  EXPECT_EQ(displayText("Café – 東京 😀"), "Café – 東京 😀");
  EXPECT_EQ(displayText("a b \"q\" \\"), "a b \"q\" \\");
  EXPECT_EQ(displayText("a\x1b[31mred\nb"), "\"a\\x1b[31mred\\nb\"");
  EXPECT_EQ(displayText("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(displayText("bad\xff\xfe" "end"), "\"bad\\xff\\xfeend\"");
  EXPECT_EQ(displayText("q\"\x01"), "\"q\\\"\\x01\"");
  // A name that looks like a quoted form is quoted itself: "a\nb" typed vs a real newline.
  EXPECT_EQ(displayText("\"a\\nb\""), "\"\\\"a\\\\nb\\\"\"");
  EXPECT_NE(displayText("\"a\\nb\""), displayText("a\nb"));
  EXPECT_EQ(displayText("\xc2\x9b" "31m"), "\"\\u009b31m\"");                 // C1 CSI
  EXPECT_EQ(displayText("abc\xe2\x80\xae" "gpj.exe"), "\"abc\\u202egpj.exe\"");  // RTL override
  EXPECT_EQ(displayText("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");              // surrogate
  EXPECT_EQ(displayText("\xc0\xaf"), "\"\\xc0\\xaf\"");                       // overlong '/'
  EXPECT_EQ(displayText("cut\xe6\x9d"), "\"cut\\xe6\\x9d\"");                 // sequence cut short
  EXPECT_EQ(terminalSafeText("line 1\n\tline 2\x1b[2J", true), "line 1\n\tline 2\\x1b[2J");
  EXPECT_EQ(completeUtf8Prefix("ab\xe6\x9d"), 2U);
  EXPECT_EQ(completeUtf8Prefix("ab\xe6\x9d\xb1"), 5U);
  EXPECT_EQ(completeUtf8Prefix("ab\xff"), 3U);
}

class HostileNames : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = (dir_ / "p").string();
    writeImages(dir_ / "in", kEscapeName, 3, 1);
    writeImages(dir_ / "in", kInvalidName, 2, 2);
    writeImages(dir_ / "in", "plain", 2, 3);
    ASSERT_EQ(runWinnow({"init", project_}, dir_).exitCode, 0);
    CommandResult ingest = runWinnow({"ingest", project_, (dir_ / "in").string()}, dir_);
    ASSERT_EQ(ingest.exitCode, 0) << ingest.out << ingest.err;
    expectSafe(ingest, "ingest");
  }
  static void expectSafe(const CommandResult& result, const std::string& what) {
    for (const std::string* stream : {&result.out, &result.err}) {
      EXPECT_EQ(stream->find('\x1b'), std::string::npos) << what << " printed a raw escape:\n" << *stream;
      EXPECT_TRUE(isValidUtf8(*stream)) << what << " printed bytes that are not UTF-8:\n" << *stream;
    }
  }
  const std::string kEscapeName = "a\x1b[31mred\nb";
  const std::string kInvalidName = "bad\xff\xfe";
  TempDir dir_;
  std::string project_;
};

TEST_F(HostileNames, StatsQuotesAndEscapesClassNames) {
  CommandResult stats = runWinnow({"stats", project_}, dir_);
  ASSERT_EQ(stats.exitCode, 0) << stats.err;
  expectSafe(stats, "stats");
  EXPECT_NE(stats.out.find("\"a\\x1b[31mred\\nb\""), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("\"bad\\xff\\xfe\""), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("plain"), std::string::npos) << stats.out;
  CommandResult json = runWinnow({"stats", project_, "--json"}, dir_);
  ASSERT_EQ(json.exitCode, 0) << json.err;
  auto parsed = parseJson(json);
  EXPECT_TRUE(parsed.is_object());
}

TEST_F(HostileNames, SamplesKeepOneLineAndSevenColumnsPerSample) {
  CommandResult samples = runWinnow({"samples", project_}, dir_);
  ASSERT_EQ(samples.exitCode, 0) << samples.err;
  expectSafe(samples, "samples");
  std::istringstream lines(samples.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 6) << line;
  }
  EXPECT_EQ(count, 7);
  // --json used to throw (invalid UTF-8 in a class and a path); now it is JSON with U+FFFD.
  CommandResult json = runWinnow({"samples", project_, "--json"}, dir_);
  ASSERT_EQ(json.exitCode, 0) << json.err;
  auto parsed = parseJson(json);
  ASSERT_TRUE(parsed.is_array());
  EXPECT_EQ(parsed.size(), 7U);
  CommandResult runs = runWinnow({"runs", project_}, dir_);
  ASSERT_EQ(runs.exitCode, 0) << runs.err;
  expectSafe(runs, "runs");
  CommandResult runsJson = runWinnow({"runs", project_, "--json"}, dir_);
  ASSERT_EQ(runsJson.exitCode, 0) << runsJson.err;
}

TEST_F(HostileNames, ErrorsAndOtherCommandsDoNotPassEscapesThrough) {
  CommandResult unknown = runWinnow({"samples", project_, "--class", "zz\x1b]0;owned\x07"}, dir_);
  EXPECT_EQ(unknown.exitCode, 2);
  expectSafe(unknown, "samples --class");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"decisions", project_}, {"report", project_}, {"conflicts", project_},
        {"quality", project_}, {"flagged", project_, "--flag", "blurry"}}) {
    CommandResult result = runWinnow(command, dir_);
    expectSafe(result, command[0]);
  }
}

// ---- 16.6: runs killed by a signal --------------------------------------------------------------

TEST(KilledRuns, AnIngestKilledMidRunIsShownInterrupted) {
  if (!fs::exists(sharedData() / "mask/prajnasb")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir;
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const std::string folder = (sharedData() / "mask/prajnasb").string();
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(WINNOW_CLI, WINNOW_CLI, "ingest", project.c_str(), folder.c_str(), "--threads", "1",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once its run is recorded (the runs row appears at the start).
  bool running = false;
  for (int i = 0; i < 200 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CommandResult runs = runWinnow({"runs", project, "--json"}, dir);
    running = runs.out.find("\"running\"") != std::string::npos;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(running) << "the ingest never showed as running";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the ingest finished before it was killed";

  CommandResult runs = runWinnow({"runs", project, "--json"}, dir);
  ASSERT_EQ(runs.exitCode, 0) << runs.err;
  auto parsed = parseJson(runs);
  ASSERT_EQ(parsed.size(), 1U);
  EXPECT_EQ(parsed[0]["outcome"], "interrupted") << runs.out;
  EXPECT_NE(parsed[0]["finished_at"], "");
  CommandResult text = runWinnow({"runs", project}, dir);
  EXPECT_NE(text.out.find("\tinterrupted\t"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("killed or crashed"), std::string::npos) << text.out;
  // The store is intact (bench/kill_loop.sh re-runs and compares).
  EXPECT_EQ(runWinnow({"check", project}, dir).exitCode, 0);
}

// ---- 16.6: rate of a cancelled ingest -----------------------------------------------------------

TEST(CancelledIngest, RateIsOverTheFilesDoneNotAllFilesFound) {
  ingest::IngestSummary summary;
  summary.sourceName = "s";
  summary.layout = "class_folders";
  summary.filesSeen = 1000;
  summary.added = 40;
  summary.duplicates = 5;
  summary.unchanged = 5;
  summary.cancelled = true;
  summary.seconds = 2.0;
  const auto json = report::toJson(summary);
  EXPECT_DOUBLE_EQ(json["files_per_second"].get<double>(), 25.0);  // 50 files in 2 s, not 500/s
  EXPECT_EQ(json["files_done"], 50);
  const std::string text = report::formatIngestSummary(summary);
  EXPECT_NE(text.find("(25.0 files/s)"), std::string::npos) << text;
  EXPECT_NE(text.find("[cancelled after 50 files]"), std::string::npos) << text;
  summary.cancelled = false;
  EXPECT_DOUBLE_EQ(report::toJson(summary)["files_per_second"].get<double>(), 500.0);
}

TEST(CancelledIngest, CtrlCMidRunReportsTheRateOfTheFilesDone) {
  if (!fs::exists(sharedData() / "mask/prajnasb")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir;
  const std::string project = (dir / "p").string();
  const std::string output = (dir / "ingest.json").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const std::string folder = (sharedData() / "mask/prajnasb").string();
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(out, 1);
    ::dup2(devnull, 2);
    ::execl(WINNOW_CLI, WINNOW_CLI, "ingest", project.c_str(), folder.c_str(), "--threads", "1", "--json",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool running = false;
  for (int i = 0; i < 200 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    running = runWinnow({"runs", project, "--json"}, dir).out.find("\"running\"") != std::string::npos;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(child, SIGINT);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(running);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 0) GTEST_SKIP() << "the ingest finished before Ctrl-C";
  ASSERT_EQ(WEXITSTATUS(status), 130);
  const auto summary = nlohmann::json::parse(readAll(output), nullptr, false);
  ASSERT_TRUE(summary.is_object()) << readAll(output);
  EXPECT_EQ(summary["cancelled"], true);
  const auto done = summary["files_done"].get<std::int64_t>();
  EXPECT_LT(done, summary["files_seen"].get<std::int64_t>());
  const double seconds = summary["seconds"].get<double>();
  ASSERT_GT(seconds, 0.0);
  // Before: files_seen / seconds, as if every file found had been done.
  EXPECT_NEAR(summary["files_per_second"].get<double>(), static_cast<double>(done) / seconds, 1e-6);
}

// ---- 16.6: damaged store --------------------------------------------------------------------------

TEST(DamagedStore, StatsAndExportSayTheStoreIsCorruptAndCheckListsTheProblems) {
  TempDir dir;
  const fs::path project = dir / "p";
  for (int c = 0; c < 6; ++c) writeImages(dir / "in", "class_" + std::to_string(c), 60, c);
  ASSERT_EQ(runWinnow({"init", project.string()}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project.string(), (dir / "in").string()}, dir).exitCode, 0);
  CommandResult clean = runWinnow({"check", project.string()}, dir);
  EXPECT_EQ(clean.exitCode, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find(": ok"), std::string::npos) << clean.out;

  const fs::path database = project / "winnow.db";
  ASSERT_FALSE(fs::exists(project / "winnow.db-wal") && fs::file_size(project / "winnow.db-wal") > 0);
  const auto size = fs::file_size(database);
  ASSERT_GT(size, 4096U * 8) << "store too small to damage its middle";
  {
    std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
    std::mt19937 random(7);
    file.seekp(static_cast<std::streamoff>((size / 4096 / 2) * 4096));
    for (int i = 0; i < 4096 * 2; ++i) file.put(static_cast<char>(random() & 0xff));
  }
  const std::string expected = database.string() + ": database is corrupt (";
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"stats", project.string()},
        {"export", project.string(), "--format", "imagefolder", "--output", (dir / "out").string()},
        {"label", project.string(), "class_0", "1"}}) {
    CommandResult result = runWinnow(command, dir);
    EXPECT_EQ(result.exitCode, 1) << command[0] << "\n" << result.out << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << command[0] << ": " << result.err;
    EXPECT_NE(result.err.find("winnow check"), std::string::npos) << command[0] << ": " << result.err;
  }
  CommandResult check = runWinnow({"check", project.string()}, dir);
  EXPECT_EQ(check.exitCode, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("database is corrupt"), std::string::npos) << check.out << check.err;
  CommandResult checkJson = runWinnow({"check", project.string(), "--json"}, dir);
  auto parsed = parseJson(checkJson);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_FALSE(parsed["problems"].empty()) << checkJson.out;
}

}  // namespace
}  // namespace winnow
