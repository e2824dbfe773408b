// The workbench application under Xvfb (software OpenGL): a project built from ../shared/data
// (celeb24 faces and prajnasb mask photos, one planted near-duplicate, one missing and one
// corrupt file), driven by a --script of key presses; checks that the relabel, the reject and
// the keeper change reached the store, that the missing and corrupt files got placeholder tiles
// with their reasons, and that the screenshots are real pictures, not blank frames.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test reads the database itself
#include "support/temp_dir.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/dedupe/label_conflicts.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/atomic_file.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;

// Copies the first `perClass` files (name order) of each of the first `classes` class folders.
void copyClasses(const fs::path& from, const fs::path& to, int classes, int perClass) {
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(from)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  for (int c = 0; c < classes && c < static_cast<int>(folders.size()); ++c) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folders[static_cast<std::size_t>(c)])) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    fs::create_directories(to / folders[static_cast<std::size_t>(c)].filename());
    for (int f = 0; f < perClass && f < static_cast<int>(files.size()); ++f) {
      fs::copy_file(files[static_cast<std::size_t>(f)], to / folders[static_cast<std::size_t>(c)].filename() / files[static_cast<std::size_t>(f)].filename());
    }
  }
}

// Standard deviation of the grey values of a PNG, and its size.
struct PictureCheck {
  int width = 0;
  int height = 0;
  double greyStdDev = 0.0;
};

PictureCheck checkPicture(const fs::path& file) {
  PictureCheck check;
  auto bytes = image::readFileBytes(file);
  if (!bytes) return check;
  auto decoded = image::decodeImage(*bytes, file);
  if (!decoded) return check;
  const Image& image = decoded->image;
  check.width = image.width;
  check.height = image.height;
  double sum = 0.0, sumSquares = 0.0;
  const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    const double grey = (image.pixels[3 * i] + image.pixels[3 * i + 1] + image.pixels[3 * i + 2]) / 3.0;
    sum += grey;
    sumSquares += grey * grey;
  }
  const double mean = sum / static_cast<double>(pixels);
  check.greyStdDev = std::sqrt(std::max(0.0, sumSquares / static_cast<double>(pixels) - mean * mean));
  return check;
}

// Pixels within 12 of (r, g, b) in every channel.
int countPixelsNear(const fs::path& png, int r, int g, int b) {
  auto bytes = image::readFileBytes(png);
  if (!bytes) return -1;
  auto decoded = image::decodeImage(*bytes, png);
  if (!decoded) return -1;
  const Image& image = decoded->image;
  int count = 0;
  const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    const unsigned char* p = &image.pixels[3 * i];
    count += std::abs(p[0] - r) <= 12 && std::abs(p[1] - g) <= 12 && std::abs(p[2] - b) <= 12;
  }
  return count;
}

TEST(WorkbenchApp, ScriptedReviewUnderXvfbReachesTheStore) {
  const fs::path shared = test::sharedData();
  if (!fs::exists(shared / "faces" / "celeb24") || !fs::exists(shared / "mask" / "prajnasb")) {
    GTEST_SKIP() << "../shared/data (faces/celeb24, mask/prajnasb) is not beside the checkout";
  }
  if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0) GTEST_SKIP() << "xvfb-run is not installed";

  test::TempDir dir("winnow-workbench-app");
  copyClasses(shared / "faces" / "celeb24", dir / "data/celeb", 8, 20);
  copyClasses(shared / "mask" / "prajnasb", dir / "data/mask", 2, 60);
  // A planted near-duplicate: the first Obama photo, slightly smaller and re-encoded.
  fs::path original;
  for (const auto& entry : fs::directory_iterator(dir / "data/celeb/Barack_Obama")) {
    if (original.empty() || entry.path() < original) original = entry.path();
  }
  {
    auto decoded = image::decodeImage(*image::readFileBytes(original), original);
    ASSERT_TRUE(decoded);
    const Image smaller = image::resizeImage(decoded->image, decoded->image.width * 9 / 10,
                                             decoded->image.height * 9 / 10, image::Fit::Stretch);
    ASSERT_TRUE(writeFileAtomically(dir / "data/celeb/Barack_Obama/zz_copy.png", *image::encodePng(smaller)));
  }
  // A planted label conflict: the last Obama photo, re-encoded, filed under another person.
  fs::path twinClass;
  for (const auto& entry : fs::directory_iterator(dir / "data/celeb")) {
    if (entry.path().filename() != "Barack_Obama" && (twinClass.empty() || entry.path() > twinClass)) twinClass = entry.path();
  }
  {
    fs::path last;
    for (const auto& entry : fs::directory_iterator(dir / "data/celeb/Barack_Obama")) {
      if (entry.path().filename() != "zz_copy.png" && (last.empty() || entry.path() > last)) last = entry.path();
    }
    auto decoded = image::decodeImage(*image::readFileBytes(last), last);
    ASSERT_TRUE(decoded);
    const Image smaller = image::resizeImage(decoded->image, decoded->image.width * 19 / 20,
                                             decoded->image.height * 19 / 20, image::Fit::Stretch);
    ASSERT_TRUE(writeFileAtomically(twinClass / "zz_twin.png", *image::encodePng(smaller)));
  }

  const fs::path projectDir = dir / "project";
  {
    auto created = store::ProjectStore::create(projectDir);
    ASSERT_TRUE(created);
    job::JobContext job(job::ProgressStyle::Silent);
    for (const char* source : {"celeb", "mask"}) {
      ingest::IngestOptions options;
      options.root = dir / "data" / source;
      options.sourceName = source;
      auto summary = ingest::ingestFolder(**created, options, job);
      ASSERT_TRUE(summary) << summary.error().message;
      ASSERT_GT(summary->added, 100);
    }
    auto dupes = dedupe::runDupes(**created, nlohmann::json::object(), job, std::nullopt);
    ASSERT_TRUE(dupes) << dupes.error().message;
  }

  auto store = store::ProjectStore::open(projectDir);
  ASSERT_TRUE(store);
  auto catalog = review::loadReviewCatalog(**store);
  ASSERT_TRUE(catalog);
  ASSERT_GE(catalog->items.size(), 200U);
  ASSERT_GE(catalog->labels.size(), 2U);
  auto clusters = dedupe::listClusters(**store);
  ASSERT_TRUE(clusters);
  // The cluster holding the planted copy, and the member that is not its keeper now.
  std::size_t plantedCluster = clusters->size();
  std::int64_t newKeeper = 0;
  for (std::size_t c = 0; c < clusters->size(); ++c) {
    for (const auto& member : (*clusters)[c].members) {
      if (fs::path(member.path).filename() == "zz_copy.png") plantedCluster = c;
    }
  }
  ASSERT_LT(plantedCluster, clusters->size()) << "the planted near-duplicate was not clustered";
  std::size_t conflictCluster = clusters->size();
  for (std::size_t c = 0; c < clusters->size(); ++c) {
    for (const auto& member : (*clusters)[c].members) {
      if (fs::path(member.path).filename() == "zz_twin.png") conflictCluster = c;
    }
  }
  ASSERT_LT(conflictCluster, clusters->size()) << "the planted twin was not clustered";
  ASSERT_TRUE((*clusters)[conflictCluster].labelConflict);
  const std::int64_t conflictId = (*clusters)[conflictCluster].id;
  for (const auto& member : (*clusters)[conflictCluster].members) {
    EXPECT_EQ(member.status, store::kStatusActive) << "a member of another label was demoted";
  }
  for (const auto& member : (*clusters)[plantedCluster].members) {
    if (member.sampleId != (*clusters)[plantedCluster].keeperSampleId) newKeeper = member.sampleId;
  }

  // Samples the script acts on: the first active Obama photo is relabelled with class 2, the
  // next one rejected, the third opened in the full-image review. Two others lose their files.
  // None of them is in a duplicate cluster, whose keeper change writes decisions of its own.
  std::vector<std::int64_t> obama;
  for (const auto& item : catalog->items) {
    if (item.label == "Barack_Obama" && item.status == store::kStatusActive && item.duplicateClusterId == 0) {
      obama.push_back(item.sampleId);
    }
  }
  ASSERT_GE(obama.size(), 6U);
  const std::int64_t relabelled = obama[0], rejected = obama[1], reviewed = obama[2];
  const std::int64_t missing = obama[3], corrupt = obama[4];
  const auto& items = catalog->items;
  fs::remove(items[*catalog->itemIndex(missing)].imagePath);
  { std::ofstream(items[*catalog->itemIndex(corrupt)].imagePath, std::ios::trunc) << "not an image any more"; }
  const std::string secondClass = catalog->labels[1];
  // A stored face with two landmarks on the reviewed photo (112x112 celeb24 crop): the full-image
  // review must draw its box (green, the first face) and landmarks (magenta).
  {
    const std::string insert = "INSERT INTO faces(sample_id, detector, params_json, x, y, width, height, score, landmarks_json, created_at) "
                               "VALUES (" + std::to_string(reviewed) +
                               ", 'test_detector', '{}', 20, 24, 72, 70, 0.97, '[40,50,72,50]', '2026-01-01T00:00:00Z')";
    ASSERT_EQ(sqlite3_exec(winnow::store::SqlAccess::handle(*(*store)), insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }

  const fs::path shots = dir / "shots";
  std::ostringstream script;
  script << "view grid\nwait-thumbnails\nscreenshot " << (shots / "grid.png").string() << "\n"
         << "goto " << relabelled << "\nkey 2\n"
         << "goto " << rejected << "\nkey R\n"
         << "goto " << reviewed << "\nkey Enter\nframes 3\nscreenshot " << (shots / "review.png").string() << "\n"
         << "key Escape\n"
         << "view duplicates\ncluster " << plantedCluster << "\nframes 2\nwait-thumbnails\nscreenshot "
         << (shots / "duplicates.png").string() << "\n"
         << "keeper " << newKeeper << "\nframes 2\n"
         << "cluster " << conflictCluster << "\nframes 2\nwait-thumbnails\nscreenshot " << (shots / "conflict.png").string()
         << "\nkeep-all\nframes 2\n";
  { std::ofstream(dir / "review.script") << script.str(); }

  // Under the ASan+UBSan run, leak checking is switched off for the application only: Mesa's
  // llvmpipe driver leaves 112 bytes of indirect leaks in a module it has unloaded by the time
  // LSan reports (no symbols to suppress). Address errors and UBSan still end the app (and fail
  // this test); later options in ASAN_OPTIONS override earlier ones.
  const std::string command =
      "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "
      "xvfb-run -a -s \"-screen 0 1280x800x24\" " WINNOW_BINARY_DIR "/bin/winnow-workbench " +
                              projectDir.string() + " --script " + (dir / "review.script").string() + " 2> " +
                              (dir / "stderr.txt").string();
  const int status = std::system(command.c_str());
  std::ifstream errFile(dir / "stderr.txt");
  const std::string stderrText((std::istreambuf_iterator<char>(errFile)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << stderrText;
  ASSERT_EQ(WEXITSTATUS(status), 0) << stderrText;

  // The scripted actions are in the store (a fresh connection, after the app has exited).
  auto after = store::ProjectStore::open(projectDir);
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)->getSample(relabelled)->label, secondClass);
  EXPECT_EQ((*after)->getSample(rejected)->status, store::kStatusRejected);
  EXPECT_EQ((*after)->getSample(reviewed)->status, store::kStatusActive);
  auto decisions = (*after)->listDecisions(20);
  ASSERT_TRUE(decisions);
  int byWorkbench = 0;
  for (const auto& decision : *decisions) {
    if (decision.actor == "workbench" && (decision.sampleId == relabelled || decision.sampleId == rejected)) ++byWorkbench;
  }
  EXPECT_EQ(byWorkbench, 2);
  auto clustersAfter = dedupe::listClusters(**after);
  ASSERT_TRUE(clustersAfter);
  bool keeperChanged = false;
  for (const auto& cluster : *clustersAfter) keeperChanged |= cluster.keeperSampleId == newKeeper;
  EXPECT_TRUE(keeperChanged);
  // The conflict was resolved from the panel: reviewed, no longer open.
  auto openConflicts = dedupe::listLabelConflicts(**after, false);
  ASSERT_TRUE(openConflicts);
  for (const auto& conflict : *openConflicts) EXPECT_NE(conflict.clusterId, conflictId);
  auto allConflicts = dedupe::listLabelConflicts(**after, true);
  ASSERT_TRUE(allConflicts);
  bool keptAllReviewed = false;
  for (const auto& conflict : *allConflicts) {
    if (conflict.clusterId != conflictId) continue;
    for (const auto& member : conflict.members) keptAllReviewed |= member.reviewedBy == std::string("workbench");
  }
  EXPECT_TRUE(keptAllReviewed);

  // Missing and corrupt files became placeholder tiles carrying the reason.
  EXPECT_NE(stderrText.find("placeholder for sample " + std::to_string(missing) + ": "), std::string::npos) << stderrText;
  EXPECT_NE(stderrText.find("placeholder for sample " + std::to_string(corrupt) + ": "), std::string::npos) << stderrText;

  // Thumbnails were cached on disk inside the project.
  EXPECT_TRUE(fs::exists(projectDir / "cache" / "thumbs" / "128"));

  for (const char* name : {"grid.png", "review.png", "duplicates.png", "conflict.png"}) {
    const PictureCheck check = checkPicture(shots / name);
    EXPECT_EQ(check.width, 1280) << name;
    EXPECT_EQ(check.height, 800) << name;
    EXPECT_GT(check.greyStdDev, 20.0) << name << " looks blank";
  }
  EXPECT_GT(countPixelsNear(shots / "review.png", 60, 230, 90), 400) << "no face box drawn in the review";
  EXPECT_GT(countPixelsNear(shots / "review.png", 255, 80, 200), 10) << "no landmarks drawn in the review";
  EXPECT_LT(countPixelsNear(shots / "grid.png", 60, 230, 90), 20) << "the face-box colour is not specific to the review";
}

}  // namespace
}  // namespace winnow
