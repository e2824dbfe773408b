// The runs table through the CLI: every command records what ran as parameters, normalised by the
// step's schema (defaults filled, paths absolute), never its raw command line (ingest, split,
// label and export used to store argv).
#include <gtest/gtest.h>

#include "pipeline/step_test_support.hpp"
#include "support/cli_runner.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::parseJson;
using test::runWinnow;
using test::TempDir;

nlohmann::json runsOf(const std::string& project, const TempDir& dir) {
  auto runs = parseJson(runWinnow({"runs", project, "--json"}, dir));
  nlohmann::json oldestFirst = nlohmann::json::array();
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) oldestFirst.push_back(*it);
  return oldestFirst;
}

TEST(RunRecords, CliCommandsRecordNormalisedParamsNotTheirCommandLine) {
  TempDir dir("winnow-run-records");
  test::writeClassFolders(dir / "in", {"a", "b"}, 4);
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  auto ingested = runWinnow({"ingest", project, (dir / "in").string(), "--map", "a=apple", "--video-fps", "2"}, dir);
  ASSERT_EQ(ingested.exitCode, 0) << ingested.err;
  auto split = runWinnow({"split", project, "--ratios", "50,25,25", "--seed", "3"}, dir);
  ASSERT_EQ(split.exitCode, 0) << split.err;
  auto dupes = runWinnow({"dupes", project, "--dry-run", "--phash-distance", "10"}, dir);
  ASSERT_EQ(dupes.exitCode, 0) << dupes.err;
  auto samples = parseJson(runWinnow({"samples", project, "--class", "b", "--limit", "1", "--json"}, dir));
  ASSERT_EQ(samples.size(), 1U);
  const std::int64_t id = samples[0]["id"].get<std::int64_t>();
  ASSERT_EQ(runWinnow({"label", project, "apple", std::to_string(id)}, dir).exitCode, 0);

  const nlohmann::json runs = runsOf(project, dir);
  ASSERT_EQ(runs.size(), 4U) << runs.dump(2);
  for (const auto& run : runs) EXPECT_TRUE(run["parameters"].is_object()) << "argv recorded: " << run.dump();
  EXPECT_EQ(runs[0]["command"], "ingest");
  EXPECT_EQ(runs[0]["parameters"], nlohmann::json({{"path", (dir / "in").string()},
                                                   {"map", {{"a", "apple"}}},
                                                   {"layout", "auto"},
                                                   {"thumbnail_side", 128},
                                                   {"video_fps", 2.0},
                                                   {"threads", 0},
                                                   {"max_pixels", 200000000}}));
  EXPECT_EQ(runs[1]["command"], "split");
  EXPECT_EQ(runs[1]["parameters"], nlohmann::json({{"ratios", {50.0, 25.0, 25.0}},
                                                   {"seed", 3},
                                                   {"burst_seconds", 5},
                                                   {"original_split", "keep"},
                                                   {"augmented", "train_only"}}));
  EXPECT_EQ(runs[2]["command"], "dupes");
  EXPECT_EQ(runs[2]["parameters"]["phash_distance"], 10);
  EXPECT_EQ(runs[2]["parameters"]["dhash_distance"], 8);
  EXPECT_EQ(runs[2]["parameters"]["apply"], false);
  EXPECT_EQ(runs[3]["command"], "label");
  EXPECT_EQ(runs[3]["parameters"], nlohmann::json({{"ids", {id}}, {"label", "apple"}, {"reason", "relabelled from the CLI"}}));
  for (const auto& run : runs) EXPECT_EQ(run["outcome"], "ok") << run.dump();
}

TEST(RunRecords, AParameterTheSchemaRefusesIsAUsageErrorAndNoRun) {
  TempDir dir("winnow-run-records-refused");
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  auto refused = runWinnow({"dupes", project, "--phash-distance", "99"}, dir);
  EXPECT_EQ(refused.exitCode, 2) << refused.err;
  EXPECT_NE(refused.err.find("dupes: params/phash_distance: "), std::string::npos) << refused.err;
  auto layout = runWinnow({"ingest", project, (dir / "none").string(), "--layout", "flatt"}, dir);
  EXPECT_EQ(layout.exitCode, 2) << layout.err;
  EXPECT_NE(layout.err.find("ingest: params/layout: "), std::string::npos) << layout.err;
  EXPECT_TRUE(runsOf(project, dir).empty());
}

}  // namespace
}  // namespace winnow
