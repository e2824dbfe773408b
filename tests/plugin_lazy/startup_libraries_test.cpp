// What the `winnow` command loads (issue 13: start-up): commands that use no plugin map no plugin
// library; a command that uses one capability maps that plugin's library alone; OpenCV's videoio
// (FFmpeg, GStreamer) is loaded only to read a video, imgcodecs (GDAL, OpenEXR, ...) only to
// decode or encode through it, LibTorch only with a plugin that needs it. The account comes from
// the dynamic loader itself: LD_DEBUG=files logs "file=<object> [0];  generating link map" for
// every object it maps, at start-up or through dlopen. Times are measured by
// bench/startup_times.sh, not here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace winnow::test {
namespace {

namespace fs = std::filesystem;

struct MappedRun {
  CommandResult result;
  std::set<std::string> mapped;  // file names of the shared objects the process mapped
};

// Runs winnow with `args` under LD_DEBUG=files (its log goes to <dir>/ld-debug/ld.<pid>).
MappedRun runMapped(const std::vector<std::string>& args, const TempDir& dir) {
  const fs::path logDir = dir / "ld-debug";
  fs::remove_all(logDir);
  fs::create_directories(logDir);
  std::string command = "LD_DEBUG=files LD_DEBUG_OUTPUT=" + quote((logDir / "ld").string()) + " " + quote(WINNOW_CLI);
  for (const auto& arg : args) command += " " + quote(arg);
  MappedRun run;
  run.result = runCommand(command, dir);
  for (const auto& entry : fs::directory_iterator(logDir)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find("file=");
      if (at == std::string::npos || line.find("generating link map") == std::string::npos) continue;
      const std::string file = line.substr(at + 5, line.find(' ', at) - at - 5);
      run.mapped.insert(fs::path(file).filename().string());
    }
  }
  EXPECT_FALSE(run.mapped.empty()) << "no LD_DEBUG output for winnow " << args[0];
  return run;
}

// The mapped objects whose names start with one of `prefixes`.
std::vector<std::string> matching(const std::set<std::string>& mapped, const std::vector<std::string>& prefixes) {
  std::vector<std::string> found;
  for (const auto& name : mapped) {
    for (const auto& prefix : prefixes) {
      if (name.rfind(prefix, 0) == 0) found.push_back(name);
    }
  }
  return found;
}

const std::vector<std::string> kPluginLibraries = {"libwinnow_"};
const std::vector<std::string> kVideo = {"libopencv_videoio", "libavcodec", "libavformat", "libgst"};
const std::vector<std::string> kImageCodecs = {"libopencv_imgcodecs", "libgdal", "libOpenEXR"};
const std::vector<std::string> kTorch = {"libtorch", "libc10"};

// `count` distinct small JPEGs, numbered from `first` (a different `first` gives different pictures).
void writePhotos(const fs::path& folder, int count, int first = 0) {
  fs::create_directories(folder);
  for (int i = first; i < first + count; ++i) {
    cv::Mat image(48, 64, CV_8UC3, cv::Scalar(30 * i, 90, 200));
    cv::circle(image, {20 + i * 5, 24}, 9, cv::Scalar(250, 250, 250), cv::FILLED);
    ASSERT_TRUE(cv::imwrite((folder / ("photo" + std::to_string(i) + ".jpg")).string(), image));
  }
}

class Startup : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = (dir_ / "project").string();
    writePhotos(dir_ / "photos" / "cat", 3);
    writePhotos(dir_ / "photos" / "dog", 3, 3);
    ASSERT_EQ(runWinnow({"init", project_}, dir_).exitCode, 0);
    CommandResult ingested = runWinnow({"ingest", project_, (dir_ / "photos").string()}, dir_);
    ASSERT_EQ(ingested.exitCode, 0) << ingested.out << ingested.err;
  }
  TempDir dir_{"winnow-startup"};
  std::string project_;
};

TEST_F(Startup, CommandsWithoutPluginsMapNoPluginVideoCodecOrTorchLibrary) {
  const std::vector<std::vector<std::string>> commands = {
      {"--help"}, {"stats", project_}, {"samples", project_}, {"runs", project_}, {"decisions", project_}};
  for (const auto& args : commands) {
    SCOPED_TRACE(args[0]);
    MappedRun run = runMapped(args, dir_);
    EXPECT_EQ(run.result.exitCode, 0) << run.result.err;
    EXPECT_EQ(matching(run.mapped, kPluginLibraries), std::vector<std::string>{});
    EXPECT_EQ(matching(run.mapped, kVideo), std::vector<std::string>{});
    EXPECT_EQ(matching(run.mapped, kImageCodecs), std::vector<std::string>{});
    EXPECT_EQ(matching(run.mapped, kTorch), std::vector<std::string>{});
  }
}

TEST_F(Startup, VideoSupportIsLoadedOnlyToReadAVideo) {
  writePhotos(dir_ / "more" / "cat", 1, 6);
  MappedRun photos = runMapped({"ingest", project_, (dir_ / "more").string(), "--json"}, dir_);
  ASSERT_EQ(photos.result.exitCode, 0) << photos.result.err;
  EXPECT_EQ(parseJson(photos.result)["added"], 1) << photos.result.out;
  EXPECT_EQ(matching(photos.mapped, kVideo), std::vector<std::string>{});
  // JPEG is decoded by libjpeg directly: the imgcodecs stack stays out too.
  EXPECT_EQ(matching(photos.mapped, kImageCodecs), std::vector<std::string>{});

  const fs::path video = dir_ / "clips" / "cat" / "walk.avi";
  fs::create_directories(video.parent_path());
  {
    cv::VideoWriter writer(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0, cv::Size(64, 48));
    ASSERT_TRUE(writer.isOpened());
    for (int frame = 0; frame < 20; ++frame) {  // 2 seconds: 2 frames at the default 1 per second
      cv::Mat image(48, 64, CV_8UC3, cv::Scalar(20, 20, 20));
      cv::circle(image, {10 + frame * 2, 24}, 8, cv::Scalar(0, 200, 255), cv::FILLED);
      writer.write(image);
    }
  }
  MappedRun clip = runMapped({"ingest", project_, (dir_ / "clips").string(), "--json"}, dir_);
  ASSERT_EQ(clip.result.exitCode, 0) << clip.result.out << clip.result.err;
  EXPECT_EQ(parseJson(clip.result)["added"], 2) << clip.result.out;
  EXPECT_EQ(matching(clip.mapped, {"libopencv_videoio"}).size(), 1U) << "a video was read without videoio?";
}

TEST_F(Startup, AListingOpensEveryPluginAndACommandOnlyThePluginItUses) {
  MappedRun listing = runMapped({"plugins", "--json"}, dir_);
  ASSERT_EQ(listing.result.exitCode, 0) << listing.result.err;
  const nlohmann::json plugins = parseJson(listing.result);
  int loaded = 0;
  for (const auto& plugin : plugins["plugins"]) {
    if (plugin["state"] != "loaded") continue;
    ++loaded;
    const std::string library = fs::path(plugin["library"].get<std::string>()).filename().string();
    EXPECT_EQ(listing.mapped.count(library), 1U) << library << " listed as loaded but never mapped";
  }
  if (loaded == 0) GTEST_SKIP() << "no plugins built";

  // Validating a whole pipeline checks every step's parameters from the manifests alone.
  MappedRun check = runMapped({"run", std::string(WINNOW_SOURCE_DIR) + "/samples/demo.pipeline.json", "--check"}, dir_);
  ASSERT_EQ(check.result.exitCode, 0) << check.result.out << check.result.err;
  EXPECT_EQ(matching(check.mapped, kPluginLibraries), std::vector<std::string>{});

  MappedRun exported = runMapped({"export", project_, "--format", "imagefolder", "--output", (dir_ / "out").string()}, dir_);
  if (exported.result.err.find("unknown exporter 'imagefolder'") != std::string::npos) {
    GTEST_SKIP() << "imagefolder exporter not built";
  }
  ASSERT_EQ(exported.result.exitCode, 0) << exported.result.out << exported.result.err;
  EXPECT_EQ(matching(exported.mapped, kPluginLibraries), std::vector<std::string>{"libwinnow_exporter_imagefolder.so"});
  EXPECT_EQ(matching(exported.mapped, kTorch), std::vector<std::string>{});
}

}  // namespace
}  // namespace winnow::test
