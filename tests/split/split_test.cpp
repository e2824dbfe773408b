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
    WINNOW_REQUIRE_SHARED_DATA("realfake/hard");
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
    store::SqliteStatement select(winnow::store::SqlAccess::handle(*store_), sql.c_str());
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
      store::SqliteStatement cluster(winnow::store::SqlAccess::handle(*store_),
                                     "INSERT INTO duplicate_clusters(method, keeper_sample_id, keeper_reason, created_at) "
                                     "VALUES('phash', ?, 'test', 'now')");
      cluster.bind(1, *members.begin());
      ASSERT_EQ(cluster.step(), SQLITE_DONE);
      const std::int64_t clusterId = sqlite3_last_insert_rowid(winnow::store::SqlAccess::handle(*store_));
      std::vector<std::int64_t> group(members.begin(), members.end());
      for (std::int64_t id : group) {
        store::SqliteStatement member(winnow::store::SqlAccess::handle(*store_),
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
        store::SqliteStatement identity(winnow::store::SqlAccess::handle(*store_), "UPDATE samples SET identity=? WHERE id=?");
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
        store::SqliteStatement capture(winnow::store::SqlAccess::handle(*store_), "UPDATE samples SET capture_time=? WHERE id=?");
        capture.bind(1, std::string(time));
        capture.bind(2, id);
        ASSERT_EQ(capture.step(), SQLITE_DONE);
      }
      planted_["burst"].push_back(group);
    }
    ASSERT_TRUE(transaction->commit().ok());
    planted_["video"].push_back(ids("format='video-frame'"));
    store::SqliteStatement lineage(winnow::store::SqlAccess::handle(*store_), "SELECT child_sample_id, parent_sample_id FROM lineage");
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
    return split::runSplit(*store_, params, job, std::nullopt);
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

  auto twoWay = split({{"ratios", {80, 0, 20}}, {"seed", 3}});
  ASSERT_TRUE(twoWay.ok()) << twoWay.error().message;
  expectNoGroupCrossesSplits();
  for (const auto& entry : (*twoWay)["classes"]) {
    EXPECT_NEAR(entry["ratios"]["test"].get<double>(), 0.20, 0.03) << entry.dump();
    EXPECT_EQ(entry["counts"]["val"], 0) << entry.dump();
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
  auto done = split({{"ratios", {70, 30, 0}}, {"seed", 9}});
  ASSERT_TRUE(done.ok());
  auto undone = store_->undoLast(static_cast<int>((*done)["changed"].get<std::int64_t>()), "user:test");
  ASSERT_TRUE(undone.ok());
  for (const auto& [id, sample] : samplesById()) {
    if (sample.status == store::kStatusActive && sample.format != "augmented") {
      EXPECT_TRUE(sample.split.empty()) << id;
    }
  }
}

// Balance ran before the split (the fixture): the default split keeps every augmented child in
// train (or sets it aside when its parent is evaluated), and is idempotent.
TEST_F(SplitTest, AugmentedChildrenNeverLandInValOrTest) {
  const auto children = ids("id IN (SELECT child_sample_id FROM lineage) AND status='active'");
  ASSERT_GT(children.size(), 20U);
  auto summary = split({{"ratios", {70, 15, 15}}, {"seed", 4}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  const auto& augmented = (*summary)["augmented"];
  EXPECT_EQ(augmented["mode"], "train_only");
  EXPECT_EQ(augmented["in_val_test"], 0);
  EXPECT_EQ(augmented["in_train"].get<std::size_t>() + augmented["set_aside"].get<std::size_t>(), children.size());
  EXPECT_GT(augmented["in_train"].get<std::size_t>(), augmented["set_aside"].get<std::size_t>());
  const auto samples = samplesById();
  for (std::int64_t id : children) {
    const auto& child = samples.at(id);
    if (child.status == store::kStatusActive) {
      EXPECT_EQ(child.split, "train") << id;
    } else {
      EXPECT_EQ(child.status, "balanced_out") << id;
      EXPECT_TRUE(child.split.empty()) << id;
    }
  }
  expectNoGroupCrossesSplits();
  // The ratios count real samples only.
  for (const auto& entry : (*summary)["classes"]) {
    EXPECT_NEAR(entry["ratios"]["test"].get<double>(), 0.15, 0.03) << entry.dump();
  }
  auto again = split({{"ratios", {70, 15, 15}}, {"seed", 4}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["changed"].get<std::int64_t>(), 0);

  // Balance after the split, default scope: only train is balanced, its children go to train.
  job::JobContext job(job::ProgressStyle::Silent);
  auto balanced = balance::runBalance(*store_, host(),
                                      {{"params", {{"target", "count"}, {"target_count", 520}}}, {"seed", 5}}, job,
                                      std::nullopt);
  ASSERT_TRUE(balanced.ok()) << balanced.error().message;
  EXPECT_EQ((*balanced)["scope"], "train");
  EXPECT_EQ((*balanced)["scope_applied"], "train");
  ASSERT_FALSE((*balanced)["notes"].empty());
  EXPECT_GT((*balanced)["augmented"].get<std::int64_t>(), 0);
  EXPECT_EQ((*balanced)["augmented_by_split"].size(), 1U) << balanced->dump();
  EXPECT_GT((*balanced)["augmented_by_split"].value("train", 0), 0);
  EXPECT_TRUE(ids("id IN (SELECT child_sample_id FROM lineage) AND status='active' AND split<>'train'").empty());
}

TEST(SplitRatios, MustBeThreeNonNegativeNumbersSummingTo100Or1) {
  auto two = split::normalizedRatios({70, 15});
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("expected 3 numbers"), std::string::npos) << two.error().message;
  auto over = split::normalizedRatios({70, 20, 20});
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("sums to 110"), std::string::npos) << over.error().message;
  auto negative = split::normalizedRatios({80, -5, 25});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message.find("-5"), std::string::npos) << negative.error().message;
  EXPECT_FALSE(split::normalizedRatios({0, 50, 50}).ok());
  auto fractions = split::normalizedRatios({0.7, 0.15, 0.15});
  ASSERT_TRUE(fractions.ok()) << fractions.error().message;
  EXPECT_NEAR((*fractions)[0], 0.7, 1e-12);
  auto percent = split::normalizedRatios({80, 0, 20});
  ASSERT_TRUE(percent.ok());
  EXPECT_EQ((*percent)[1], 0.0);
  EXPECT_EQ(split::canonicalSplitName("Valid"), "val");
  EXPECT_EQ(split::canonicalSplitName("validation"), "val");
  EXPECT_EQ(split::canonicalSplitName("training"), "train");
  EXPECT_EQ(split::canonicalSplitName("TEST"), "test");
  EXPECT_EQ(split::canonicalSplitName("holdout"), "");
}

// Small projects ingested from symlinked realfake/hard pictures laid out as a test asks.
class ShippedSplitTest : public ::testing::Test {
 protected:
  // layout: relative folder -> number of pictures (taken in order from realfake/hard/<kind>).
  void SetUp() override { WINNOW_REQUIRE_SHARED_DATA("realfake/hard"); }

  void build(const std::vector<std::pair<std::string, int>>& layout) {
    std::map<std::string, int> next;
    for (const auto& [folder, count] : layout) {
      const std::string kind = folder.find("fake") != std::string::npos ? "fake" : "real";
      fs::create_directories(dir_ / "data" / folder);
      for (int i = 0; i < count; ++i) {
        const int n = ++next[kind];
        const fs::path from = test::sharedData() / "realfake/hard" / kind / (kind + "_" + std::to_string(n) + ".jpg");
        fs::create_symlink(from, dir_ / "data" / folder / from.filename());
      }
    }
    auto created = store::ProjectStore::create(dir_ / "project");
    ASSERT_TRUE(created.ok()) << created.error().message;
    store_ = std::move(created).value();
    job::JobContext job(job::ProgressStyle::Silent);
    ingest::IngestOptions options;
    options.root = dir_ / "data";
    options.sourceName = "data";
    auto ingested = ingest::ingestFolder(*store_, options, job);
    ASSERT_TRUE(ingested.ok()) << ingested.error().message;
  }

  Result<nlohmann::json> split(const nlohmann::json& params) {
    job::JobContext job(job::ProgressStyle::Silent);
    return split::runSplit(*store_, params, job, std::nullopt);
  }

  std::map<std::string, std::map<std::string, int>> countsByOriginalAndSplit() {
    std::map<std::string, std::map<std::string, int>> counts;
    auto all = store_->listSamples();
    EXPECT_TRUE(all.ok());
    for (const auto& sample : *all) ++counts[sample.originalSplit][sample.split];
    return counts;
  }

  test::TempDir dir_{"winnow-shipped-split"};
  std::unique_ptr<store::ProjectStore> store_;
};

TEST_F(ShippedSplitTest, TrainTestTreeKeepsTestAndCarvesValFromTrain) {
  build({{"train/real", 40}, {"train/fake", 40}, {"test/real", 10}, {"test/fake", 10}});
  auto summary = split(nlohmann::json::object());
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  auto counts = countsByOriginalAndSplit();
  EXPECT_EQ(counts["test"], (std::map<std::string, int>{{"test", 20}})) << summary->dump();
  // val carved from shipped train at 15 / (70 + 15) = 17.6% of 80 = 14.
  EXPECT_EQ(counts["train"]["test"], 0);
  EXPECT_NEAR(counts["train"]["val"], 14, 2);
  EXPECT_EQ(counts["train"]["train"] + counts["train"]["val"], 80);
  EXPECT_EQ((*summary)["original_split"]["kept"]["test"], 20);
  EXPECT_EQ((*summary)["original_split"]["carved_from_train"], nlohmann::json({"val"}));
  EXPECT_TRUE((*summary)["warnings"].empty()) << summary->dump();
  EXPECT_EQ((*summary)["result"], "verified");
  ASSERT_EQ((*summary)["notes"].size(), 1U);
  EXPECT_NE((*summary)["notes"][0].get<std::string>().find("kept the shipped split"), std::string::npos);
  for (const auto& entry : (*summary)["classes"]) {
    EXPECT_GT(entry["counts"]["val"].get<int>(), 4) << entry.dump();  // stratified
  }

  // ignore: everything re-split by the ratios.
  auto ignored = split({{"original_split", "ignore"}});
  ASSERT_TRUE(ignored.ok()) << ignored.error().message;
  counts = countsByOriginalAndSplit();
  EXPECT_GT(counts["train"]["test"], 0);
  EXPECT_GT(counts["test"]["train"], 0);
}

TEST_F(ShippedSplitTest, TrainValidTestTreeIsKeptAsShipped) {
  build({{"train/real", 12}, {"train/fake", 12}, {"valid/real", 4}, {"valid/fake", 4}, {"test/real", 5},
         {"test/fake", 5}});
  auto summary = split({{"ratios", {60, 20, 20}}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  auto counts = countsByOriginalAndSplit();
  EXPECT_EQ(counts["train"], (std::map<std::string, int>{{"train", 24}}));
  EXPECT_EQ(counts["valid"], (std::map<std::string, int>{{"val", 8}}));
  EXPECT_EQ(counts["test"], (std::map<std::string, int>{{"test", 10}}));
  EXPECT_TRUE((*summary)["original_split"]["carved_from_train"].empty());
}

// A near-duplicate pair shipped across train and test (a leak in the shipped data): warned, and
// the pair goes whole to test (tie -> the held-out split).
TEST_F(ShippedSplitTest, GroupStraddlingShippedSplitsIsWarnedAndMovedWhole) {
  build({{"train/real", 20}, {"train/fake", 20}, {"test/real", 6}, {"test/fake", 6}});
  store::SampleFilter trainReal;
  trainReal.label = std::string("real");
  auto all = store_->listSamples(trainReal);
  ASSERT_TRUE(all.ok());
  std::int64_t shippedTrain = 0;
  std::int64_t shippedTest = 0;
  for (const auto& sample : *all) {
    if (sample.originalSplit == "train" && shippedTrain == 0) shippedTrain = sample.id;
    if (sample.originalSplit == "test" && shippedTest == 0) shippedTest = sample.id;
  }
  ASSERT_GT(shippedTrain, 0);
  ASSERT_GT(shippedTest, 0);
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, "INSERT INTO duplicate_clusters(method, keeper_sample_id, keeper_reason, created_at) "
                              "VALUES('phash', " + std::to_string(shippedTest) + ", 'test', 'now')").ok());
  const std::int64_t cluster = sqlite3_last_insert_rowid(winnow::store::SqlAccess::handle(*store_));
  for (std::int64_t id : {shippedTrain, shippedTest}) {
    ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, "INSERT INTO duplicate_cluster_members(cluster_id, sample_id) VALUES(" +
                                std::to_string(cluster) + ", " + std::to_string(id) + ")").ok());
  }
  auto summary = split(nlohmann::json::object());
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ((*summary)["original_split"]["straddling_groups"], 1);
  ASSERT_EQ((*summary)["warnings"].size(), 1U) << summary->dump();
  const std::string warning = (*summary)["warnings"][0].get<std::string>();
  EXPECT_NE(warning.find("straddle"), std::string::npos) << warning;
  EXPECT_NE(warning.find("1 shipped in train -> test"), std::string::npos) << warning;
  EXPECT_EQ((*summary)["result"], "verified_with_warnings");
  EXPECT_EQ(store_->getSample(shippedTrain)->split, "test");
  EXPECT_EQ(store_->getSample(shippedTest)->split, "test");
}

// A class too small for every split: a warning naming it, not a clean "verified".
TEST_F(ShippedSplitTest, ClassMissingFromValOrTestIsAWarning) {
  build({{"real", 40}, {"fake", 2}});
  auto summary = split(nlohmann::json::object());
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ((*summary)["result"], "verified_with_warnings");
  EXPECT_TRUE((*summary)["verified"].get<bool>());  // no group crosses splits
  ASSERT_FALSE((*summary)["warnings"].empty());
  const std::string warning = (*summary)["warnings"][0].get<std::string>();
  EXPECT_NE(warning.find("class 'fake'"), std::string::npos) << warning;
  EXPECT_TRUE(warning.find("in val") != std::string::npos || warning.find("in test") != std::string::npos) << warning;
  for (const auto& w : (*summary)["warnings"]) EXPECT_EQ(w.get<std::string>().find("'real'"), std::string::npos);
}

// face_crops: only samples with a crop of the detector are split; the rest are unassigned and
// counted per class.
TEST_F(ShippedSplitTest, FaceCropsSplitsOnlySamplesWithACrop) {
  build({{"real", 30}, {"fake", 30}});
  auto all = store_->listSamples();
  ASSERT_TRUE(all.ok());
  int withoutCrop = 0;
  for (const auto& sample : *all) {
    if (sample.label == std::optional<std::string>("fake") && withoutCrop < 7) {
      ++withoutCrop;
      continue;
    }
    ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, "INSERT INTO face_crops(sample_id, detector, face_index, path, width, height, centre_x, "
                                "centre_y, side_x, side_y, angle_degrees, params_json, created_at) VALUES(" +
                                std::to_string(sample.id) + ", 'planted', 0, 'x.png', 8, 8, 0, 0, 8, 8, 0, '{}', 'now')")
                    .ok());
  }
  auto summary = split({{"face_crops", "planted"}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ((*summary)["no_face_crop"], 7);
  EXPECT_EQ((*summary)["samples"], 53);
  for (const auto& entry : (*summary)["classes"]) {
    EXPECT_EQ(entry["no_face_crop"], entry["class"] == "fake" ? 7 : 0) << entry.dump();
    EXPECT_EQ(entry["total"], entry["class"] == "fake" ? 23 : 30) << entry.dump();
  }
  auto unassigned = countsByOriginalAndSplit()[""][""];
  EXPECT_EQ(unassigned, 7);
  auto unknown = split({{"face_crops", "nobody"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no face crops of detector 'nobody'"), std::string::npos);
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
