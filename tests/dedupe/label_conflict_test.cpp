// Honest near-duplicates (issue 12 §1, §2): a keeper is chosen only among members of one label,
// clusters that mix labels are label conflicts kept in one split group, and a video keeps a
// diverse set of frames (a slow zoom keeps several, a static shot one).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "support/temp_dir.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/dedupe/label_conflicts.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/split/sample_groups.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {
namespace {

namespace fs = std::filesystem;

class LabelConflictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(real_ / "real_1.jpg")) GTEST_SKIP() << "no shared data";
    auto created = store::ProjectStore::create(dir_ / "project");
    ASSERT_TRUE(created.ok()) << created.error().message;
    store_ = std::move(created.value());
  }

  void ingest(const fs::path& root, ingest::FolderLayout layout, double fps = 1.0) {
    ingest::IngestOptions options;
    options.root = root;
    options.layout = layout;
    options.threads = 2;
    options.videoFramesPerSecond = fps;
    auto ingested = ingest::ingestFolder(*store_, options, job_);
    ASSERT_TRUE(ingested.ok()) << ingested.error().message;
    ASSERT_TRUE(ingested->badFiles.empty()) << ingested->badFiles.front().reason;
    auto samples = store_->listSamples();
    ASSERT_TRUE(samples.ok());
    for (const auto& s : *samples) {
      idOf_[fs::path(s.originalPath).parent_path().filename().string() + "/" +
            fs::path(s.originalPath).stem().string()] = s.id;
    }
  }

  nlohmann::json run(nlohmann::json params = nlohmann::json::object()) {
    auto summary = runDupes(*store_, params, job_, std::nullopt);
    EXPECT_TRUE(summary.ok()) << (summary ? "" : summary.error().message);
    return summary ? *summary : nlohmann::json();
  }
  std::string status(std::int64_t id) { return store_->getSample(id)->status; }

  const fs::path real_ = test::sharedData() / "realfake/hard/real";
  test::TempDir dir_{"winnow-conflicts"};
  job::JobContext job_{job::ProgressStyle::Silent};
  std::unique_ptr<store::ProjectStore> store_;
  std::map<std::string, std::int64_t> idOf_;
};

// Class folders: plain/ holds photos 1-3 and a recompressed copy of photo 1 (a same-label
// near-twin); masked/ holds photos 1 and 2 with a grey box pasted on (another label, the
// prajnasb pattern); unlabelled twins come in through a flat source.
TEST_F(LabelConflictTest, KeepersArePerLabelAndMixedClustersAreConflicts) {
  const fs::path set = dir_ / "set";
  fs::create_directories(set / "plain");
  fs::create_directories(set / "masked");
  for (int k = 1; k <= 3; ++k) {
    fs::copy_file(real_ / ("real_" + std::to_string(k) + ".jpg"), set / "plain" / ("p" + std::to_string(k) + ".jpg"));
  }
  const cv::Mat photo1 = cv::imread((real_ / "real_1.jpg").string());
  const cv::Mat photo2 = cv::imread((real_ / "real_2.jpg").string());
  ASSERT_FALSE(photo1.empty());
  cv::imwrite((set / "plain" / "p1_q50.jpg").string(), photo1, {cv::IMWRITE_JPEG_QUALITY, 50});
  for (const auto& [name, photo] : {std::pair{"m1", photo1}, std::pair{"m2", photo2}}) {
    cv::Mat masked = photo.clone();
    // A small patch low on the picture: the hashes stay near, the label differs.
    cv::rectangle(masked, cv::Rect(masked.cols * 2 / 5, masked.rows * 4 / 5, masked.cols / 6, masked.rows / 12),
                  cv::Scalar(180, 180, 180), cv::FILLED);
    cv::imwrite((set / "masked" / (std::string(name) + ".jpg")).string(), masked, {cv::IMWRITE_JPEG_QUALITY, 92});
  }
  ingest(set, ingest::FolderLayout::ClassFolders);
  fs::create_directories(dir_ / "phone");
  cv::imwrite((dir_ / "phone" / "u2.jpg").string(), photo2, {cv::IMWRITE_JPEG_QUALITY, 60});
  ingest(dir_ / "phone", ingest::FolderLayout::Flat);

  const nlohmann::json summary = run();
  ASSERT_EQ(summary["label_conflicts"].get<int>(), 2) << summary.dump(1);
  // Only the same-label twin (p1_q50) and the unlabelled copy (u2) are demoted.
  EXPECT_EQ(summary["marked_duplicate"].get<int>(), 2) << summary.dump(1);
  EXPECT_EQ(status(idOf_["plain/p1_q50"]), store::kStatusDuplicate);
  EXPECT_EQ(status(idOf_["phone/u2"]), store::kStatusDuplicate);
  for (const char* kept : {"plain/p1", "plain/p2", "plain/p3", "masked/m1", "masked/m2"}) {
    EXPECT_EQ(status(idOf_[kept]), store::kStatusActive) << kept;
  }
  EXPECT_EQ(summary["active_by_class"]["masked"]["before"].get<int>(), 2);
  EXPECT_EQ(summary["active_by_class"]["masked"]["after"].get<int>(), 2);
  EXPECT_EQ(summary["active_by_class"]["plain"]["after"].get<int>(), 3);

  // No member was demoted against a keeper of another label.
  auto clusters = listClusters(*store_);
  ASSERT_TRUE(clusters.ok());
  int conflicts = 0;
  for (const auto& cluster : *clusters) {
    std::map<std::int64_t, std::optional<std::string>> labelOf;
    for (const auto& m : cluster.members) labelOf[m.sampleId] = m.label;
    conflicts += cluster.labelConflict ? 1 : 0;
    for (const auto& m : cluster.members) {
      if (!m.duplicateOf || !m.label) continue;
      EXPECT_EQ(labelOf[*m.duplicateOf], m.label) << "sample " << m.sampleId << " in cluster " << cluster.id;
    }
    if (cluster.labelConflict) {
      EXPECT_NE(cluster.keeperReason.find("label conflict"), std::string::npos) << cluster.keeperReason;
    }
  }
  EXPECT_EQ(conflicts, 2);

  // Every conflict is listed, counted, and sits in one split group.
  auto listed = listLabelConflicts(*store_, false);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  auto stats = store_->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->labelConflicts, 2);
  EXPECT_EQ(stats->openLabelConflicts, 2);
  auto groups = split::computeSampleGroups(*store_, {});
  ASSERT_TRUE(groups.ok());
  for (const auto& conflict : *listed) {
    std::set<std::int64_t> groupIds;
    for (const auto& m : conflict.members) groupIds.insert(groups->groupOf.at(m.sampleId));
    EXPECT_EQ(groupIds.size(), 1u) << "cluster " << conflict.clusterId;
    EXPECT_EQ(conflict.labelCounts.size(), 2u);
  }

  // Resolutions: keep all (reviewed), relabel (no longer a conflict), reject.
  const std::int64_t first = listed->at(0).clusterId;
  const std::int64_t second = listed->at(1).clusterId;
  ASSERT_TRUE(keepAllLabelConflict(*store_, first, "user:test", "both belong").ok());
  EXPECT_EQ(store_->stats()->openLabelConflicts, 1);
  EXPECT_EQ(listLabelConflicts(*store_, false)->size(), 1u);
  EXPECT_EQ(listLabelConflicts(*store_, true)->size(), 2u);
  ASSERT_TRUE(reopenLabelConflict(*store_, first).ok());
  EXPECT_EQ(store_->stats()->openLabelConflicts, 2);
  std::int64_t maskedInSecond = 0;
  for (const auto& m : listed->at(1).members) {
    if (m.label && *m.label == "masked") maskedInSecond = m.sampleId;
  }
  ASSERT_NE(maskedInSecond, 0);
  ASSERT_TRUE(store_->applyDecision(maskedInSecond, "status", std::string(store::kStatusRejected), "user:test",
                                    "wrong twin").ok());
  EXPECT_EQ(store_->stats()->labelConflicts, 1);
  EXPECT_FALSE(keepAllLabelConflict(*store_, second, "user:test", "x").ok());  // no conflict any more
  EXPECT_FALSE(keepAllLabelConflict(*store_, 999999, "user:test", "x").ok());

  // A re-run changes nothing that was decided and finds one conflict.
  const nlohmann::json again = run();
  EXPECT_EQ(again["marked_duplicate"].get<int>(), 0) << again.dump(1);
  EXPECT_EQ(again["label_conflicts"].get<int>(), 1);

  // A user keeper in a conflict cluster only displaces a kept member of its own label.
  clusters = listClusters(*store_);
  for (const auto& cluster : *clusters) {
    if (!cluster.labelConflict) continue;
    std::int64_t twin = 0;
    for (const auto& m : cluster.members) {
      if (!m.kept && m.label && *m.label == "plain") twin = m.sampleId;
    }
    if (twin == 0) continue;
    ASSERT_TRUE(setKeeper(*store_, cluster.id, twin, "user:test").ok());
    EXPECT_EQ(status(twin), store::kStatusActive);
    EXPECT_EQ(status(idOf_["plain/p1"]), store::kStatusDuplicate);
    EXPECT_EQ(status(idOf_["masked/m1"]), store::kStatusActive);
  }
}

// Writes a clip of `seconds` at 25 fps: a photo seen through a window that zooms in by
// `zoom` (0.3 = 30% narrower at the end) linearly over the clip.
void writeZoomClip(const fs::path& path, const cv::Mat& photo, double seconds, double zoom) {
  const cv::Size size(320, 240);
  cv::VideoWriter writer(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25.0, size);
  ASSERT_TRUE(writer.isOpened());
  const int frames = static_cast<int>(seconds * 25.0);
  for (int f = 0; f < frames; ++f) {
    const double scale = 1.0 - zoom * f / std::max(1, frames - 1);
    const int w = static_cast<int>(photo.cols * scale);
    const int h = static_cast<int>(photo.cols * scale * size.height / size.width);
    const cv::Rect window((photo.cols - w) / 2, (photo.rows - h) / 2, w, h);
    cv::Mat frame;
    cv::resize(photo(window), frame, size, 0, 0, cv::INTER_AREA);
    cv::Mat noise(frame.size(), CV_16SC3);
    cv::randn(noise, 0, 3);  // sensor noise: no two frames are byte-identical
    cv::Mat noisy;
    frame.convertTo(noisy, CV_16SC3);
    noisy += noise;
    noisy.convertTo(frame, CV_8UC3);
    writer.write(frame);
  }
}

TEST_F(LabelConflictTest, SlowZoomKeepsSeveralFramesStaticShotKeepsOne) {
  const cv::Mat photo = cv::imread((real_ / "real_7.jpg").string());
  ASSERT_FALSE(photo.empty());
  fs::create_directories(dir_ / "clips");
  writeZoomClip(dir_ / "clips" / "zoom.avi", photo, 10.0, 0.3);
  writeZoomClip(dir_ / "clips" / "still.avi", cv::imread((real_ / "real_8.jpg").string()), 10.0, 0.0);
  ingest(dir_ / "clips", ingest::FolderLayout::Flat, 5.0);
  auto samples = store_->listSamples();
  ASSERT_TRUE(samples.ok());
  std::map<std::string, std::vector<std::int64_t>> framesOf;
  for (const auto& s : *samples) framesOf[fs::path(s.originalPath).filename().string()].push_back(s.id);
  ASSERT_GE(framesOf["zoom.avi"].size(), 48u);
  ASSERT_LE(framesOf["zoom.avi"].size(), 51u);

  if (std::getenv("WINNOW_FRAME_KEEP_SWEEP") != nullptr) {
    for (int d = 0; d <= 8; ++d) {
      run({{"frame_keep_distance", d}});
      int kept = 0;
      int still = 0;
      for (std::int64_t id : framesOf["zoom.avi"]) kept += status(id) == store::kStatusActive ? 1 : 0;
      for (std::int64_t id : framesOf["still.avi"]) still += status(id) == store::kStatusActive ? 1 : 0;
      std::cout << "frame_keep_distance " << d << ": zoom " << kept << " kept, still " << still << " kept\n";
    }
  }
  run();
  auto countActive = [&](const std::vector<std::int64_t>& ids) {
    int active = 0;
    for (std::int64_t id : ids) active += status(id) == store::kStatusActive ? 1 : 0;
    return active;
  };
  const int zoomKept = countActive(framesOf["zoom.avi"]);
  const int stillKept = countActive(framesOf["still.avi"]);
  std::cout << "[ measure  ] slow 30% zoom, " << framesOf["zoom.avi"].size() << " frames: " << zoomKept
            << " kept; static shot, " << framesOf["still.avi"].size() << " frames: " << stillKept << " kept\n";
  EXPECT_GE(zoomKept, 5);
  EXPECT_LE(zoomKept, 25);
  EXPECT_EQ(stillKept, 1);

  // The keeper reason and the decisions speak of frames; all frames of a video are one group.
  auto clusters = listClusters(*store_);
  ASSERT_TRUE(clusters.ok());
  bool sawZoom = false;
  for (const auto& cluster : *clusters) {
    if (cluster.members.front().path.find("zoom.avi") == std::string::npos) continue;
    sawZoom = true;
    EXPECT_NE(cluster.keeperReason.find("video frames: kept"), std::string::npos) << cluster.keeperReason;
  }
  EXPECT_TRUE(sawZoom);
  auto decisions = store_->listDecisions(5);
  ASSERT_TRUE(decisions.ok());
  ASSERT_FALSE(decisions->empty());
  EXPECT_NE(decisions->front().reason.find("video frame"), std::string::npos) << decisions->front().reason;
  auto groups = split::computeSampleGroups(*store_, {});
  ASSERT_TRUE(groups.ok());
  for (const auto& [video, ids] : framesOf) {
    std::set<std::int64_t> groupIds;
    for (std::int64_t id : ids) groupIds.insert(groups->groupOf.at(id));
    EXPECT_EQ(groupIds.size(), 1u) << video;
  }
}

}  // namespace
}  // namespace winnow::dedupe
