// runBalance on a project ingested from real pictures: realfake/hard (real 589, fake 700) plus a
// mask/prajnasb/with_mask (linked, as their own source). Undersample to the smallest class, augment to
// the largest (children decode, carry lineage, inherit label/split), undo, re-run without
// stacking, oversample repeat counts, class weights.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "store/sqlite_statement.hpp"
#include "support/temp_dir.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/util/content_hash.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;

constexpr int kMaskSubset = 690;  // all of with_mask: 644 unique pictures

plugin::PluginHost& host() {
  static plugin::PluginHost* instance = [] {
    auto* created = new plugin::PluginHost();
    created->discover({WINNOW_PLUGIN_BUILD_DIR});
    return created;
  }();
  return *instance;
}

class BalanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    templateDir_ = new test::TempDir("winnow-balance-template");
    const fs::path masks = *templateDir_ / "masks" / "with_mask";
    fs::create_directories(masks);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(test::sharedData() / "mask/prajnasb/with_mask")) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (int i = 0; i < kMaskSubset && i < static_cast<int>(files.size()); ++i) {
      fs::create_symlink(files[static_cast<std::size_t>(i)], masks / files[static_cast<std::size_t>(i)].filename());
    }
    auto store = store::ProjectStore::create(*templateDir_ / "project");
    ASSERT_TRUE(store.ok()) << store.error().message;
    job::JobContext job(job::ProgressStyle::Silent);
    ingest::IngestOptions rf;
    rf.root = test::sharedData() / "realfake/hard";
    rf.sourceName = "rf";
    auto ingestedRf = ingest::ingestFolder(**store, rf, job);
    ASSERT_TRUE(ingestedRf.ok()) << ingestedRf.error().message;
    ingest::IngestOptions mask;
    mask.root = *templateDir_ / "masks";
    mask.sourceName = "mask";
    auto ingestedMask = ingest::ingestFolder(**store, mask, job);
    ASSERT_TRUE(ingestedMask.ok()) << ingestedMask.error().message;
  }
  static void TearDownTestSuite() {
    delete templateDir_;
    templateDir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(templateDir_, nullptr);
    fs::create_directories(dir_ / "project");
    for (const char* name : {"winnow.db", "winnow.db-wal", "winnow.db-shm"}) {
      const fs::path from = *templateDir_ / "project" / name;
      if (fs::exists(from)) fs::copy_file(from, dir_ / "project" / name);
    }
    auto opened = store::ProjectStore::open(dir_ / "project");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  std::map<std::string, std::int64_t> activeByLabel() {
    store::SampleFilter filter;
    filter.status = store::kStatusActive;
    std::map<std::string, std::int64_t> counts;
    auto samples = store_->listSamples(filter);
    EXPECT_TRUE(samples.ok());
    if (!samples) return counts;
    for (const auto& sample : *samples) ++counts[sample.label.value_or("")];
    return counts;
  }

  Result<nlohmann::json> balance(const nlohmann::json& params) {
    job::JobContext job(job::ProgressStyle::Silent);
    auto runId = store_->beginRun("balance", params.dump());
    return balance::runBalance(*store_, host(), params, job, *runId);
  }

  std::int64_t scalar(const std::string& sql) {
    store::SqliteStatement statement(winnow::store::SqlAccess::handle(*store_), sql.c_str());
    EXPECT_EQ(statement.step(), SQLITE_ROW) << sql;
    return statement.columnInt64(0);
  }

  static test::TempDir* templateDir_;
  test::TempDir dir_{"winnow-balance"};
  std::unique_ptr<store::ProjectStore> store_;
};

test::TempDir* BalanceTest::templateDir_ = nullptr;

TEST_F(BalanceTest, IngestedTheRealData) {
  const auto counts = activeByLabel();
  EXPECT_EQ(counts.at("real"), 589);
  EXPECT_EQ(counts.at("fake"), 700);
  // The mask set holds byte-identical copies: fewer unique samples than linked files.
  EXPECT_GT(counts.at("with_mask"), 500);
  EXPECT_LE(counts.at("with_mask"), kMaskSubset);
}

TEST_F(BalanceTest, UndersampleToTheSmallestAndUndo) {
  const std::int64_t masks = activeByLabel().at("with_mask");
  const std::int64_t smallest = std::min<std::int64_t>(589, masks);
  auto summary = balance({{"params", {{"target", "smallest"}}}, {"seed", 3}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  auto counts = activeByLabel();
  EXPECT_EQ(counts.at("real"), smallest);
  EXPECT_EQ(counts.at("fake"), smallest);
  EXPECT_EQ(counts.at("with_mask"), smallest);
  const std::int64_t removed = (*summary)["removed"].get<std::int64_t>();
  EXPECT_EQ(removed, (589 + 700 + masks) - 3 * smallest);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM samples WHERE status='balanced_out'"), removed);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM decisions WHERE actor='balance' AND new_value='balanced_out'"), removed);
  // Same seed on a fresh copy would keep the same ones: re-running now changes nothing.
  auto rerun = balance({{"params", {{"target", "smallest"}}}, {"seed", 3}});
  ASSERT_TRUE(rerun.ok());
  EXPECT_EQ((*rerun)["removed"].get<std::int64_t>(), 0);
  auto undone = store_->undoLast(static_cast<int>(removed), "user:test");
  ASSERT_TRUE(undone.ok()) << undone.error().message;
  counts = activeByLabel();
  EXPECT_EQ(counts.at("real"), 589);
  EXPECT_EQ(counts.at("fake"), 700);
  EXPECT_EQ(counts.at("with_mask"), masks);
}

TEST_F(BalanceTest, MostDiverseUsesPerceptualHashesWhenPresent) {
  // Plant perceptual hashes for every sample (ingest or the dedupe step normally writes them).
  {
    auto transaction = store_->beginTransaction();
    ASSERT_TRUE(transaction.ok());
    store::SqliteStatement insert(winnow::store::SqlAccess::handle(*store_),
                                  "INSERT OR REPLACE INTO sample_hashes(sample_id, phash, dhash, computed_at) "
                                  "SELECT id, (id * 2654435761) % 9223372036854775807, id, 'now' FROM samples");
    ASSERT_EQ(insert.step(), SQLITE_DONE);
    ASSERT_TRUE(transaction->commit().ok());
  }
  auto summary = balance({{"params", {{"target", "smallest"}, {"undersample_method", "most_diverse"}}},
                          {"dry_run", true}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  for (const auto& entry : (*summary)["classes"]) EXPECT_EQ(entry["features"], "phash-bits");
  EXPECT_EQ(activeByLabel().at("fake"), 700) << "dry run changed the store";
  auto applied = balance({{"params", {{"target", "smallest"}, {"undersample_method", "most_diverse"}}}});
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(activeByLabel().at("fake"), std::min<std::int64_t>(589, activeByLabel().at("with_mask")));
}

TEST_F(BalanceTest, AugmentToTheLargestWithLineageUndoAndNoStacking) {
  // Give the parents a split and an identity: children must inherit both.
  const std::int64_t masks = activeByLabel().at("with_mask");
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*store_, "UPDATE samples SET split='train', identity='person-' || (id % 50)").ok());
  const nlohmann::json params = {{"params", {{"target", "largest"}}}, {"seed", 5}};
  auto summary = balance(params);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  auto counts = activeByLabel();
  EXPECT_EQ(counts.at("fake"), 700);
  EXPECT_EQ(counts.at("real"), 700);
  EXPECT_EQ(counts.at("with_mask"), 700);
  const std::int64_t added = (*summary)["augmented"].get<std::int64_t>();
  EXPECT_EQ(added, (700 - 589) + (700 - masks));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM lineage"), added);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM lineage l JOIN samples c ON c.id=l.child_sample_id "
                   "JOIN samples p ON p.id=l.parent_sample_id WHERE c.label=p.label AND c.split=p.split "
                   "AND c.identity=p.identity AND c.source_id=p.source_id AND c.format='augmented' "
                   "AND l.augmentation='chain' AND p.format<>'augmented'"),
            added);
  // Every child decodes, matches its stored hash and has its parent's size.
  store::SqliteStatement children(winnow::store::SqlAccess::handle(*store_),
                                  "SELECT c.derived_path, c.content_hash, p.width, p.height FROM lineage l "
                                  "JOIN samples c ON c.id=l.child_sample_id JOIN samples p ON p.id=l.parent_sample_id");
  int checked = 0;
  while (children.step() == SQLITE_ROW) {
    const fs::path path = store_->projectDir() / children.columnText(0);
    auto bytes = image::readFileBytes(path);
    ASSERT_TRUE(bytes.ok()) << path;
    EXPECT_EQ(contentHash(*bytes), children.columnText(1));
    auto decoded = image::decodeImage(*bytes, path);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->image.width, children.columnInt(2));
    EXPECT_EQ(decoded->image.height, children.columnInt(3));
    ++checked;
  }
  EXPECT_EQ(checked, added);

  // Re-running counts the children: nothing new.
  auto rerun = balance(params);
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  EXPECT_EQ((*rerun)["augmented"].get<std::int64_t>(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM samples WHERE format='augmented'"), added);

  // Undo deactivates the children; re-running restores the very same children.
  auto undone = store_->undoLast(static_cast<int>(added), "user:test");
  ASSERT_TRUE(undone.ok());
  counts = activeByLabel();
  EXPECT_EQ(counts.at("real"), 589);
  EXPECT_EQ(counts.at("with_mask"), masks);
  auto redo = balance(params);
  ASSERT_TRUE(redo.ok()) << redo.error().message;
  EXPECT_EQ((*redo)["augmented"].get<std::int64_t>(), 0);
  EXPECT_EQ((*redo)["reactivated"].get<std::int64_t>(), added);
  EXPECT_EQ(activeByLabel().at("real"), 700);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM samples WHERE format='augmented'"), added);
}

TEST_F(BalanceTest, OversampleStoresRepeatCountsAndClassWeightsAreReported) {
  const std::int64_t masks = activeByLabel().at("with_mask");
  auto summary = balance({{"params", {{"target", "largest"}, {"small_classes", "oversample"}}}});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(scalar("SELECT CAST(SUM(m.value) AS INTEGER) FROM sample_measures m JOIN samples s ON s.id=m.sample_id "
                   "WHERE m.name='repeat_count' AND s.label='real'"),
            700);
  EXPECT_EQ(scalar("SELECT CAST(SUM(m.value) AS INTEGER) FROM sample_measures m JOIN samples s ON s.id=m.sample_id "
                   "WHERE m.name='repeat_count' AND s.label='with_mask'"),
            700);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sample_measures m JOIN samples s ON s.id=m.sample_id "
                   "WHERE m.name='repeat_count' AND s.label='fake'"),
            0);
  EXPECT_EQ(activeByLabel().at("real"), 589);  // no copies

  auto weights = balance({{"balancer", "class_weights"}});
  ASSERT_TRUE(weights.ok()) << weights.error().message;
  const double total = static_cast<double>(589 + 700 + masks);
  EXPECT_NEAR((*weights)["class_weights"]["with_mask"].get<double>(), total / (3.0 * static_cast<double>(masks)), 1e-4);
  EXPECT_NEAR((*weights)["class_weights"]["fake"].get<double>(), total / (3.0 * 700), 1e-4);
  // Switching away from oversampling clears the repeat counts of the classes it planned.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sample_measures WHERE name='repeat_count'"), 0);
}

TEST_F(BalanceTest, BadParamsNameTheKey) {
  auto bad = balance({{"scope", "everything"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("scope"), std::string::npos) << bad.error().message;
  auto badBalancer = balance({{"params", {{"target", "huge"}}}});
  ASSERT_FALSE(badBalancer.ok());
  EXPECT_NE(badBalancer.error().message.find("target"), std::string::npos) << badBalancer.error().message;
  // Scope train (the default) before any split: everything is balanced, and the summary says so.
  auto noSplitYet = balance({{"scope", "train"}, {"dry_run", true}});
  ASSERT_TRUE(noSplitYet.ok()) << noSplitYet.error().message;
  EXPECT_EQ((*noSplitYet)["scope_applied"], "all");
  ASSERT_EQ((*noSplitYet)["notes"].size(), 1U);
  EXPECT_EQ((*noSplitYet)["notes"][0].get<std::string>().rfind("no split yet: balanced all", 0), 0U);
}

}  // namespace
}  // namespace winnow
