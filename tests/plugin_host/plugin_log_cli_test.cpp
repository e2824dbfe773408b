// Plugin log messages reach the user through the winnow command: information with --verbose,
// as {"event": "plugin_log"} JSON lines on stderr under --json. The fixture augmenter logs
// "fixture.invert created" (INFO) when `winnow balance` creates it for augmented children.
#include <gtest/gtest.h>

#include <fstream>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

void writePpm(const fs::path& path, int shade) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << "P3\n4 4\n255\n";
  for (int i = 0; i < 16; ++i) out << (shade + i) % 256 << ' ' << (shade * 3 + i) % 256 << ' ' << (shade * 7) % 256 << "\n";
}

// A project of 6 "big" pictures and 2 "small" ones, so balancing augments the small class.
fs::path imbalancedProject(const winnow::test::TempDir& dir) {
  for (int i = 0; i < 6; ++i) writePpm(dir / "pictures" / "big" / ("b" + std::to_string(i) + ".ppm"), 10 * i + 1);
  for (int i = 0; i < 2; ++i) writePpm(dir / "pictures" / "small" / ("s" + std::to_string(i) + ".ppm"), 100 + 17 * i);
  const fs::path project = dir / "project";
  EXPECT_EQ(winnow::test::runWinnow({"init", project.string()}, dir).exitCode, 0);
  const auto ingested = winnow::test::runWinnow({"ingest", project.string(), (dir / "pictures").string()}, dir);
  EXPECT_EQ(ingested.exitCode, 0) << ingested.err;
  return project;
}

}  // namespace

TEST(PluginLog, InformationShowsWithVerboseAndAsJsonEvents) {
  winnow::test::TempDir dir("plugin-log");
  const fs::path project = imbalancedProject(dir);
  const std::vector<std::string> balance = {"balance", project.string(), "--augmenter", "fixture.invert",
                                            "--plugin-path", WINNOW_FIXTURE_DIR};

  auto quiet = winnow::test::runWinnow(balance, dir);
  ASSERT_EQ(quiet.exitCode, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("fixture.invert created"), std::string::npos) << "information shown without --verbose:\n" << quiet.err;

  // Undo the plan so the next run augments again.
  ASSERT_EQ(winnow::test::runWinnow({"undo", project.string(), "--count", "1000"}, dir).exitCode, 0);
  auto verbose = winnow::test::runWinnow(
      [&] { auto args = balance; args.push_back("--verbose"); return args; }(), dir);
  ASSERT_EQ(verbose.exitCode, 0) << verbose.err;
  EXPECT_NE(verbose.err.find("[fixture.good] fixture.invert created"), std::string::npos) << verbose.err;

  ASSERT_EQ(winnow::test::runWinnow({"undo", project.string(), "--count", "1000"}, dir).exitCode, 0);
  auto json = winnow::test::runWinnow(
      [&] { auto args = balance; args.push_back("--verbose"); args.push_back("--json"); return args; }(), dir);
  ASSERT_EQ(json.exitCode, 0) << json.err;
  bool found = false;
  std::istringstream lines(json.err);
  for (std::string line; std::getline(lines, line);) {
    const auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || event.value("event", "") != "plugin_log") continue;
    EXPECT_EQ(event.value("level", ""), "info");
    EXPECT_EQ(event.value("plugin", ""), "fixture.good");
    found = found || event.value("message", "") == "fixture.invert created";
  }
  EXPECT_TRUE(found) << json.err;
}
