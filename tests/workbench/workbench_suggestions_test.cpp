// The Suggestions view under Xvfb (issue 17, must-show 4): faces of three celeb24 people, a few
// labelled per person and the rest as unlabelled phone photos, embedded with the CLI (face-api
// descriptors). A --script opens the view, retrains in the background, accepts one suggestion with
// Enter and one by id, corrects one by a typed (partial) class name, accepts and undoes another,
// and opens the Identities panel with every member of a group shown. Checked in the store after
// the app exits: the labels, and each decision's actor ("user:workbench") and reason.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/review/suggestions.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::runWinnow;
using test::TempDir;

// Grey-value standard deviation of a PNG (0 when unreadable) and its width.
std::pair<int, double> pictureSpread(const fs::path& file) {
  auto bytes = image::readFileBytes(file);
  if (!bytes) return {0, 0.0};
  auto decoded = image::decodeImage(*bytes, file);
  if (!decoded) return {0, 0.0};
  const Image& image = decoded->image;
  double sum = 0.0, squares = 0.0;
  const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    const double grey = (image.pixels[3 * i] + image.pixels[3 * i + 1] + image.pixels[3 * i + 2]) / 3.0;
    sum += grey;
    squares += grey * grey;
  }
  const double mean = sum / static_cast<double>(pixels);
  return {image.width, std::sqrt(std::max(0.0, squares / static_cast<double>(pixels) - mean * mean))};
}

// The newest label decision of a sample that is not undone (nullopt when none).
std::optional<store::DecisionRecord> liveLabelDecision(const std::vector<store::DecisionRecord>& decisions, std::int64_t id) {
  for (const auto& decision : decisions) {  // newest first
    if (decision.sampleId == id && decision.field == "label" && !decision.undone && decision.reason.rfind("undo", 0) != 0) {
      return decision;
    }
  }
  return std::nullopt;
}

TEST(WorkbenchSuggestions, ScriptedAcceptAndCorrectionReachTheStore) {
  WINNOW_REQUIRE_TORCH_PLUGINS();
  const fs::path celeb = test::sharedData() / "faces" / "celeb24";
  if (!fs::exists(celeb)) GTEST_SKIP() << "../shared/data (faces/celeb24) is not beside the checkout";
  if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0) GTEST_SKIP() << "xvfb-run is not installed";

  TempDir dir("winnow-workbench-suggestions");
  const std::vector<std::string> people = {"Gwyneth_Paltrow", "Tom_Hanks", "Will_Smith"};
  for (const auto& person : people) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(celeb / person)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 11U);
    fs::create_directories(dir / "labelled" / person);
    fs::create_directories(dir / "phone");
    for (std::size_t i = 0; i < 11; ++i) {
      if (i < 5) {
        fs::copy_file(files[i], dir / "labelled" / person / files[i].filename());
      } else {
        fs::copy_file(files[i], dir / "phone" / (person + "_" + files[i].filename().string()));
      }
    }
  }
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "labelled").string(), "--layout", "class_folders"}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "phone").string(), "--layout", "flat"}, dir).exitCode, 0);
  auto detected = runWinnow({"detect", project, "--detector", "faceapi_whole_face"}, dir);
  ASSERT_EQ(detected.exitCode, 0) << detected.err;
  auto embedded = runWinnow({"embed", project, "--detector", "faceapi_whole_face"}, dir);
  ASSERT_EQ(embedded.exitCode, 0) << embedded.err;

  // The suggestions the app will compute (suggestLabels is deterministic), in review order.
  std::vector<review::StoredSuggestion> rows;
  {
    auto store = store::ProjectStore::open(dir / "p");
    ASSERT_TRUE(store);
    auto run = review::suggestLabels(**store, {});
    ASSERT_TRUE(run) << run.error().message;
    rows = run->suggestions;
  }
  ASSERT_EQ(rows.size(), 18U);
  const review::StoredSuggestion first = rows[0], accepted = rows[1], corrected = rows[2], undone = rows[3];
  std::string correctedTo;
  for (const auto& person : people) {
    if (person != corrected.label) correctedTo = person;
  }
  // Typed in part and in lower case: the class box completes it.
  std::string typed = correctedTo.substr(0, 4);
  std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  const fs::path shots = dir / "shots";
  std::ostringstream script;
  script << "view suggestions\nsuggest\nwait-thumbnails\nscreenshot " << (shots / "suggestions.png").string() << "\n"
         << "key Enter\n"
         << "accept-suggestion " << accepted.sampleId << "\n"
         << "correct " << corrected.sampleId << " " << typed << "\n"
         << "accept-suggestion " << undone.sampleId << "\n"
         << "key ctrl+Z\nframes 3\n"
         << "type-class " << typed << "\nframes 2\nscreenshot " << (shots / "typing.png").string() << "\n"
         << "view identities\nframes 2\nshow-group 1\nframes 2\nwait-thumbnails\nscreenshot "
         << (shots / "identities.png").string() << "\n";
  { std::ofstream(dir / "suggest.script") << script.str(); }
  const std::string command =
      "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "
      "xvfb-run -a -s \"-screen 0 1280x800x24\" " WINNOW_BINARY_DIR "/bin/winnow-workbench " +
      project + " --script " + (dir / "suggest.script").string() + " 2> " + (dir / "app-stderr.txt").string();
  const int status = std::system(command.c_str());
  std::ifstream errFile(dir / "app-stderr.txt");
  const std::string stderrText((std::istreambuf_iterator<char>(errFile)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << stderrText;
  ASSERT_EQ(WEXITSTATUS(status), 0) << stderrText;
  EXPECT_NE(stderrText.find("retrained on 15 labelled faces of 3 classes"), std::string::npos) << stderrText;

  auto after = store::ProjectStore::open(dir / "p");
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)->getSample(first.sampleId)->label, first.label);
  EXPECT_EQ((*after)->getSample(accepted.sampleId)->label, accepted.label);
  EXPECT_EQ((*after)->getSample(corrected.sampleId)->label, correctedTo);
  EXPECT_FALSE((*after)->getSample(undone.sampleId)->label.has_value()) << "the undo did not reach the store";
  auto decisions = (*after)->listDecisions(200);
  ASSERT_TRUE(decisions);
  for (std::int64_t id : {first.sampleId, accepted.sampleId}) {
    const auto decision = liveLabelDecision(*decisions, id);
    ASSERT_TRUE(decision) << "no decision for sample " << id;
    EXPECT_EQ(decision->actor, "user:workbench");
    EXPECT_EQ(decision->reason.rfind("accepted suggestion", 0), 0U) << decision->reason;
  }
  const auto correction = liveLabelDecision(*decisions, corrected.sampleId);
  ASSERT_TRUE(correction);
  EXPECT_EQ(correction->actor, "user:workbench");
  EXPECT_EQ(correction->reason, "corrected suggestion " + corrected.label + " (confidence " +
                                    [&] {
                                      char text[16];
                                      std::snprintf(text, sizeof text, "%.2f", corrected.confidence);
                                      return std::string(text);
                                    }() +
                                    ") to " + correctedTo);
  int undoneAcceptances = 0, undos = 0;
  for (const auto& decision : *decisions) {
    if (decision.sampleId != undone.sampleId || decision.field != "label") continue;
    EXPECT_EQ(decision.actor, "user:workbench") << decision.reason;
    undoneAcceptances += decision.undone ? 1 : 0;
    undos += decision.reason.rfind("undo", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(undoneAcceptances, 1);
  EXPECT_EQ(undos, 1);

  for (const char* name : {"suggestions.png", "typing.png", "identities.png"}) {
    const auto [width, spread] = pictureSpread(shots / name);
    EXPECT_EQ(width, 1280) << name;
    EXPECT_GT(spread, 20.0) << name << " looks blank";
  }
}

}  // namespace
}  // namespace winnow
