// Leak-free splits on real data: realfake/hard (real 589, fake 700) plus a video made here with
// cv::VideoWriter, with planted groups: augmented children (runBalance), near-duplicate clusters
// and identities (rows written directly), and photo bursts (capture times). Proves that no
// group crosses splits, that per-class ratios are met, and that the seed decides the split.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <cstdio>
#include <random>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "store/sqlite_statement.hpp"
#include "support/temp_dir.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/split/dataset_splitter.hpp"
#include "winnow/split/sample_groups.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using Groups = std::vector<std::vector<std::int64_t>>;

plugin::PluginHost& host() {
  static plugin::PluginHost* instance = [] {
    auto* created = new plugin::PluginHost();
    created->discover({WINNOW_PLUGIN_BUILD_DIR});
    return created;
  }();
  return *instance;
}

class SplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A 3 s, 10 fps MJPEG video of 30 different real photos, in class folder "real".
    const fs::path clips = dir_ / "clips" / "real";
    fs::create_directories(clips);
    cv::VideoWriter writer((clips / "clip.avi").string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0,
                           cv::Size(300, 300));
    ASSERT_TRUE(writer.isOpened());
    for (int i = 1; i <= 30; ++i) {
      cv::Mat frame = cv::imread((test::sharedData() / "realfake/hard/real" / ("real_" + std::to_string(i) + ".jpg")).string());
      ASSERT_FALSE(frame.empty());
      writer.write(frame);
    }
    writer.release();

    auto created = store::ProjectStore::create(dir_ / "project");
    ASSERT_TRUE(created.ok()) << created.error().message;
    store_ = std::move(created).value();
    job::JobContext job(job::ProgressStyle::Silent);
    ingest::IngestOptions rf;
    rf.root = test::sharedData() / "realfake/hard";
    rf.sourceName = "rf";
    ASSERT_TRUE(ingest::ingestFolder(*store_, rf, job).ok());
    ingest::IngestOptions video;
    video.root = dir_ / "clips";
    video.sourceName = "clips";
    video.videoFramesPerSecond = 2.0;
    auto ingested = ingest::ingestFolder(*store_, video, job);
    ASSERT_TRUE(ingested.ok()) << ingested.error().message;
    ASSERT_GE(ingested->videoFrames, 5);

    // Lineage: augment real up to 620 (31 children) and undersample fake to 620.
    nlohmann::json balanceParams = {{"params", {{"target", "count"}, {"target_count", 620}}}, {"seed", 1}};
    auto balanced = balance::runBalance(*store_, host(), balanceParams, job, std::nullopt);
    ASSERT_TRUE(balanced.ok()) << balanced.error().message;
    ASSERT_GT((*balanced)["augmented"].get<std::int64_t>(), 20);

    plantGroups();
  }

  std::vector<std::int64_t> ids(const std::string& where) {
    std::vector<std::int64_t> result;
    const std::string sql = "SELECT id FROM samples WHERE " + where + " ORDER BY id";
    store::SqliteStatement select(store_->handle(), sql.c_str());
    while (select.step() == SQLITE_ROW) result.push_back(select.columnInt64(0));
    return result;
  }

  void plantGroups() {
    std::mt19937_64 random(2024);
    const auto originals = ids("format='jpeg'");  // any status: clusters include non-keepers
    ASSERT_GT(originals.size(), 1000U);
    auto pick = [&] { return originals[random() % originals.size()]; };
    // Identities and capture times are one value per sample: those picks never repeat.
    std::set<std::int64_t> used;
    auto pickUnused = [&] {
      std::int64_t id = pick();
      while (!used.insert(id).second) id = pick();
      return id;
    };
    auto transaction = store_->beginTransaction();
    ASSERT_TRUE(transaction.ok());
    for (int c = 0; c < 40; ++c) {
      std::set<std::int64_t> members;
      while (members.size() < 3) members.insert(pick());
      store::SqliteStatement cluster(store_->handle(),
                                     "INSERT INTO duplicate_clusters(method, keeper_sample_id, keeper_reason, created_at) "
                                     "VALUES('phash', ?, 'test', 'now')");
      cluster.bind(1, *members.begin());
      ASSERT_EQ(cluster.step(), SQLITE_DONE);
      const std::int64_t clusterId = sqlite3_last_insert_rowid(store_->handle());
      std::vector<std::int64_t> group(members.begin(), members.end());
      for (std::int64_t id : group) {
        store::SqliteStatement member(store_->handle(),
                                      "INSERT INTO duplicate_cluster_members(cluster_id, sample_id) VALUES(?,?)");
        member.bind(1, clusterId);
        member.bind(2, id);
        ASSERT_EQ(member.step(), SQLITE_DONE);
      }
      planted_["duplicate_cluster"].push_back(group);
    }
    for (int person = 0; person < 30; ++person) {
      std::vector<std::int64_t> group;
      for (int k = 0; k < 4; ++k) {
        const std::int64_t id = pickUnused();
        group.push_back(id);
        store::SqliteStatement identity(store_->handle(), "UPDATE samples SET identity=? WHERE id=?");
        identity.bind(1, "person-" + std::to_string(person));
        identity.bind(2, id);
        ASSERT_EQ(identity.step(), SQLITE_DONE);
      }
      planted_["identity"].push_back(group);
    }
    for (int burst = 0; burst < 10; ++burst) {
      std::vector<std::int64_t> group;
      for (int k = 0; k < 3; ++k) {
        const std::int64_t id = pickUnused();
        group.push_back(id);
        char time[32];
        std::snprintf(time, sizeof(time), "2024-05-%02dT10:00:%02d", burst + 1, k * 2);
        store::SqliteStatement capture(store_->handle(), "UPDATE samples SET capture_time=? WHERE id=?");
        capture.bind(1, std::string(time));
        capture.bind(2, id);
        ASSERT_EQ(capture.step(), SQLITE_DONE);
      }
      planted_["burst"].push_back(group);
    }
    ASSERT_TRUE(transaction->commit().ok());
    planted_["video"].push_back(ids("format='video-frame'"));
    store::SqliteStatement lineage(store_->handle(), "SELECT child_sample_id, parent_sample_id FROM lineage");
    while (lineage.step() == SQLITE_ROW) {
      planted_["lineage"].push_back({lineage.columnInt64(0), lineage.columnInt64(1)});
    }
  }

  std::map<std::int64_t, store::SampleRecord> samplesById() {
    std::map<std::int64_t, store::SampleRecord> result;
    auto all = store_->listSamples();
    EXPECT_TRUE(all.ok());
    if (!all) return result;
    for (auto& sample : *all) result.emplace(sample.id, std::move(sample));
    return result;
  }

  Result<nlohmann::json> split(const nlohmann::json& params) {
    job::JobContext job(job::ProgressStyle::Silent);
    return split::runSplit(*store_, host(), params, job, std::nullopt);
  }

  // Every planted group's active members share one split; returns how many planted groups had
  // at least two active members (so the check had something to check).
  int expectNoGroupCrossesSplits() {
    const auto samples = samplesById();
    int checked = 0;
    for (const auto& [kind, groups] : planted_) {
      for (const auto& group : groups) {
        std::set<std::string> splits;
        int active = 0;
        for (std::int64_t id : group) {
          const auto& sample = samples.at(id);
          if (sample.status != store::kStatusActive) continue;
          ++active;
          splits.insert(sample.split);
        }
        if (active >= 2) ++checked;
        EXPECT_LE(splits.size(), 1U) << kind << " group of sample " << group.front() << " crosses splits";
      }
    }
    for (const auto& [id, sample] : samples) {
      if (sample.status == store::kStatusActive) {
        EXPECT_FALSE(sample.split.empty()) << "active sample " << id << " unassigned";
      } else {
        EXPECT_TRUE(sample.split.empty()) << "inactive sample " << id << " has split " << sample.split;
      }
    }
    return checked;
  }

  test::TempDir dir_{"winnow-split"};
  std::unique_ptr<store::ProjectStore> store_;
  std::map<std::string, Groups> planted_;
};

TEST_F(SplitTest, NoPlantedGroupCrossesSplitsAndRatiosHold) {
  auto summary = split({{"ratios", {70, 15, 15}}, {"seed", 1}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_TRUE((*summary)["verified"].get<bool>());
  EXPECT_EQ((*summary)["groups_crossing_splits"].get<int>(), 0);
  for (const char* kind : {"duplicate_cluster", "lineage", "identity", "video", "burst"}) {
    EXPECT_GT((*summary)["group_joins"].value(kind, 0), 0) << kind;
  }
  const int checked = expectNoGroupCrossesSplits();
  EXPECT_GT(checked, 100);
  for (const auto& entry : (*summary)["classes"]) {
    EXPECT_NEAR(entry["ratios"]["train"].get<double>(), 0.70, 0.03) << entry.dump();
    EXPECT_NEAR(entry["ratios"]["val"].get<double>(), 0.15, 0.03) << entry.dump();
    EXPECT_NEAR(entry["ratios"]["test"].get<double>(), 0.15, 0.03) << entry.dump();
  }
  // Same seed: the same split (nothing changes); decisions make it undoable.
  auto again = split({{"ratios", {70, 15, 15}}, {"seed", 1}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["changed"].get<std::int64_t>(), 0);
}

TEST_F(SplitTest, SeedDecidesTheSplitAndOtherRatiosWork) {
  ASSERT_TRUE(split({{"ratios", {60, 30, 10}}, {"seed", 1}}).ok());
  const auto first = samplesById();
  auto other = split({{"ratios", {60, 30, 10}}, {"seed", 2}});
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_GT((*other)["changed"].get<std::int64_t>(), 100);
  expectNoGroupCrossesSplits();
  for (const auto& entry : (*other)["classes"]) {
    EXPECT_NEAR(entry["ratios"]["train"].get<double>(), 0.60, 0.03) << entry.dump();
    EXPECT_NEAR(entry["ratios"]["val"].get<double>(), 0.30, 0.03) << entry.dump();
    EXPECT_NEAR(entry["ratios"]["test"].get<double>(), 0.10, 0.03) << entry.dump();
  }
  // Back to seed 1 reproduces the first split exactly.
  ASSERT_TRUE(split({{"ratios", {60, 30, 10}}, {"seed", 1}}).ok());
  const auto again = samplesById();
  for (const auto& [id, sample] : first) EXPECT_EQ(again.at(id).split, sample.split) << id;

  auto twoWay = split({{"ratios", {80, 20}}, {"names", {"train", "test"}}, {"seed", 3}});
  ASSERT_TRUE(twoWay.ok()) << twoWay.error().message;
  expectNoGroupCrossesSplits();
  for (const auto& entry : (*twoWay)["classes"]) {
    EXPECT_NEAR(entry["ratios"]["test"].get<double>(), 0.20, 0.03) << entry.dump();
    EXPECT_FALSE(entry["counts"].contains("val"));
  }
}

TEST_F(SplitTest, GroupsComeFromEveryKindOfLink) {
  auto groups = split::computeSampleGroups(*store_, {});
  ASSERT_TRUE(groups.ok()) << groups.error().message;
  for (const auto& [kind, planted] : planted_) {
    for (const auto& group : planted) {
      for (std::int64_t id : group) {
        EXPECT_EQ(groups->groupOf.at(id), groups->groupOf.at(group.front())) << kind;
      }
    }
  }
  // Bursts off: the burst photos are no longer tied together (unless linked otherwise).
  split::GroupingOptions noBursts;
  noBursts.burstSeconds = 0;
  auto loose = split::computeSampleGroups(*store_, noBursts);
  ASSERT_TRUE(loose.ok());
  EXPECT_EQ(loose->joinsByKind.count("burst"), 0U);
}

TEST_F(SplitTest, BadParamsAndUndo) {
  auto bad = split({{"ratios", {100}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ratios"), std::string::npos) << bad.error().message;
  auto badNames = split({{"ratios", {50, 50}}, {"names", {"train", "val", "test"}}});
  ASSERT_FALSE(badNames.ok());
  auto done = split({{"ratios", {70, 30}}, {"seed", 9}});
  ASSERT_TRUE(done.ok());
  auto undone = store_->undoLast(static_cast<int>((*done)["changed"].get<std::int64_t>()), "user:test");
  ASSERT_TRUE(undone.ok());
  for (const auto& [id, sample] : samplesById()) {
    if (sample.status == store::kStatusActive && sample.format != "augmented") {
      EXPECT_TRUE(sample.split.empty()) << id;
    }
  }
}

TEST(CaptureTime, ParsesIsoAndRejectsJunk) {
  EXPECT_EQ(split::parseCaptureTime("1970-01-01T00:00:10"), 10);
  EXPECT_EQ(*split::parseCaptureTime("2024-03-01 00:00:00") - *split::parseCaptureTime("2024-02-28T00:00:00"),
            2 * 86400);  // leap year
  EXPECT_FALSE(split::parseCaptureTime("2024-13-01T00:00:00").has_value());
  EXPECT_FALSE(split::parseCaptureTime("yesterday").has_value());
}

}  // namespace
}  // namespace winnow
