// The merge/class report on two real sources: one class almost entirely from one source, an
// exact duplicate across sources, and a near-duplicate cluster spanning sources.
#include <gtest/gtest.h>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "quality/curation_fixtures.hpp"
#include "winnow/audit/class_report.hpp"

namespace winnow::audit {
namespace {

namespace fs = std::filesystem;

TEST(ClassReport, WarnsWhenAClassComesFromOneSourceAndCountsCrossSourceDuplicates) {
  const auto real = test::firstFiles(test::sharedData() / "realfake/hard/real", ".jpg", 17);
  const auto fake = test::firstFiles(test::sharedData() / "realfake/hard/fake", ".jpg", 15);
  if (real.size() < 17 || fake.size() < 15) GTEST_SKIP() << "no shared data";
  test::TempDir dir("winnow-report");
  // Source "web": 15 real. Source "gan": 15 fake, 1 other real, and a copy of one web photo
  // filed as "photo" (an exact duplicate across sources, with another original label).
  fs::create_directories(dir / "web/real");
  fs::create_directories(dir / "gan/fake");
  fs::create_directories(dir / "gan/photo");
  for (std::size_t i = 0; i < 15; ++i) fs::copy_file(real[i], dir / "web/real" / real[i].filename());
  for (const auto& file : fake) fs::copy_file(file, dir / "gan/fake" / file.filename());
  fs::copy_file(real[15], dir / "gan/photo/extra.jpg");
  fs::copy_file(real[0], dir / "gan/photo/copy.jpg");

  auto store = test::createProject(dir / "project");
  ASSERT_TRUE(store);
  test::ingestClassFolders(*store, dir / "web", "web");
  {
    ingest::IngestOptions options;
    options.root = dir / "gan";
    options.sourceName = "gan";
    options.labelMap = {{"photo", "real"}};
    job::JobContext job(job::ProgressStyle::Silent);
    ASSERT_TRUE(ingest::ingestFolder(*store, options, job, std::nullopt));
  }
  // A near-duplicate cluster (as the dedupe step records it) spanning both sources.
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  std::int64_t webId = 0;
  std::int64_t ganId = 0;
  for (const auto& sample : *samples) (sample.sourceName == "web" ? webId : ganId) = sample.id;
  const std::string now = store::nowUtcIso8601();
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*store, "INSERT INTO duplicate_clusters(id, method, keeper_sample_id, keeper_reason, created_at) "
                             "VALUES(1, 'phash', " + std::to_string(webId) + ", 'test', '" + now + "')"));
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*store, "INSERT INTO duplicate_cluster_members(cluster_id, sample_id) VALUES(1, " +
                             std::to_string(ganId) + ")"));

  job::JobContext job(job::ProgressStyle::Silent);
  auto report = runReport(*store, nlohmann::json::object(), job, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  const auto& classes = report->at("classes");
  EXPECT_EQ(classes.at("real").at("total").get<int>(), 16);
  EXPECT_EQ(classes.at("real").at("by_source").at("web").get<int>(), 15);
  EXPECT_EQ(classes.at("real").at("by_source").at("gan").get<int>(), 1);
  EXPECT_EQ(classes.at("real").at("by_original_label").at("photo").get<int>(), 1);
  EXPECT_EQ(classes.at("fake").at("by_source").at("gan").get<int>(), 15);
  EXPECT_DOUBLE_EQ(report->at("sources").at("web").at("mean_width").get<double>(), 300.0);
  EXPECT_EQ(report->at("exact_duplicates").at("total").get<int>(), 1);
  EXPECT_EQ(report->at("exact_duplicates").at("cross_source").get<int>(), 1);
  EXPECT_EQ(report->at("near_duplicate_clusters").at("cross_source").get<int>(), 1);
  // real: 94% web; fake: 100% gan. Both are warned about.
  ASSERT_EQ(report->at("warnings").size(), 2u) << report->dump(2);
  const std::string text = formatClassReport(*report);
  EXPECT_NE(text.find("WARNING: class 'fake' comes 100% from source 'gan'"), std::string::npos) << text;
  EXPECT_NE(text.find("WARNING: class 'real' comes 94% from source 'web'"), std::string::npos) << text;

  auto strict = runReport(*store, {{"source_dominance", 0.99}}, job, std::nullopt);
  ASSERT_TRUE(strict);
  ASSERT_EQ(strict->at("warnings").size(), 1u);
  EXPECT_EQ(strict->at("warnings").at(0).at("class"), "fake");
}

TEST(ClassReport, NoWarningWhenEveryClassComesFromTheSameSource) {
  const auto real = test::firstFiles(test::sharedData() / "realfake/hard/real", ".jpg", 6);
  const auto fake = test::firstFiles(test::sharedData() / "realfake/hard/fake", ".jpg", 6);
  if (real.size() < 6 || fake.size() < 6) GTEST_SKIP() << "no shared data";
  test::TempDir dir("winnow-report-one");
  fs::create_directories(dir / "set/real");
  fs::create_directories(dir / "set/fake");
  for (const auto& file : real) fs::copy_file(file, dir / "set/real" / file.filename());
  for (const auto& file : fake) fs::copy_file(file, dir / "set/fake" / file.filename());
  auto store = test::createProject(dir / "project");
  ASSERT_TRUE(store);
  test::ingestClassFolders(*store, dir / "set", "rf");
  job::JobContext job(job::ProgressStyle::Silent);
  auto report = runReport(*store, nlohmann::json::object(), job, std::nullopt);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->at("warnings").empty()) << report->dump(2);
}

}  // namespace
}  // namespace winnow::audit
