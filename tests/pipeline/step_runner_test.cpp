// The workbench's step runner (workbench/state) runs a step through runStep on a worker thread:
// no pipeline file is written and read back, the run is recorded with normalised params, and its
// Cancel reaches a long plugin call through the plugins' cancellation poll.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "pipeline/step_test_support.hpp"
#include "support/temp_dir.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/workbench/step_runner.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// What a plugin's is_cancelled() reaches: the services its host was built with.
std::shared_ptr<plugin::HostServices> gPluginServices;

// A plugin call that runs until the plugin sees the cancel (or 30 s pass).
void ensureLongPluginCallStep() {
  static const Status registered = test::registerPluginProbe(
      "long_plugin_call", [](pipeline::StepContext&, const nlohmann::json&) -> Result<pipeline::StepResult> {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        int polls = 0;
        while (!gPluginServices->isCancelled()) {
          if (std::chrono::steady_clock::now() > deadline) return makeError(ErrorCode::Internal, "never cancelled");
          ++polls;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return pipeline::StepResult({{"cancelled", true}, {"polls", polls}});
      });
  ASSERT_TRUE(registered) << registered.error().message;
}

struct Workbench {
  TempDir dir{"winnow-step-runner"};
  std::shared_ptr<plugin::HostServices> services = std::make_shared<plugin::HostServices>();
  pipeline::StepHost host{[services = services](plugin::HostServices given) {
    *services = given;
    return plugin::PluginHost(std::move(given));
  }};
  workbench::StepRunner runner;

  Result<nlohmann::json> waitForResult() {
    for (int i = 0; i < 6000; ++i) {
      if (auto result = runner.takeResult()) return std::move(*result);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return makeError(ErrorCode::Internal, "the step did not finish in 60 s");
  }
};

TEST(WorkbenchStepRunner, RunsAStepThroughRunStepWithoutAPipelineFile) {
  Workbench bench;
  test::writeClassFolders(bench.dir / "in", {"a", "b"}, 2);
  ASSERT_TRUE(store::ProjectStore::create(bench.dir / "p"));
  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"ingest", {{"path", (bench.dir / "in").string()}}}));
  auto ingested = bench.waitForResult();
  ASSERT_TRUE(ingested) << ingested.error().message;
  EXPECT_EQ((*ingested)["added"], 4);

  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"dupes", {{"apply", false}}}));
  auto dupes = bench.waitForResult();
  ASSERT_TRUE(dupes) << dupes.error().message;
  EXPECT_TRUE(dupes->contains("clusters"));
  EXPECT_FALSE(bench.host.built()) << "no step so far uses plugins";

  // Parameter problems come back as the result, naming the key.
  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"dupes", {{"phash_distance", -3}}}));
  auto refused = bench.waitForResult();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("params/phash_distance"), std::string::npos) << refused.error().message;

  EXPECT_FALSE(fs::exists(bench.dir / "p" / "cache" / "workbench-last-step.pipeline.json"));
  auto store = store::ProjectStore::open(bench.dir / "p");
  ASSERT_TRUE(store) << store.error().message;
  const auto runs = test::recordedRuns(**store);
  ASSERT_EQ(runs.size(), 2U);
  EXPECT_EQ(runs[0].command, "ingest");
  EXPECT_EQ(runs[0].parameters["layout"], "auto");
  EXPECT_EQ(runs[1].command, "dupes");
  EXPECT_EQ(runs[1].parameters["phash_distance"], 12);
}

// The workbench user does not watch stderr: the step's warnings (here: a file that is not an
// image) are kept for the Plugins panel, worded as the console words them.
TEST(WorkbenchStepRunner, KeepsTheStepsWarningsForThePanel) {
  Workbench bench;
  test::writeClassFolders(bench.dir / "in", {"a", "b"}, 2);
  {
    std::ofstream bad(bench.dir / "in" / "a" / "broken.jpg", std::ios::binary);
    bad << "not a jpeg";
  }
  ASSERT_TRUE(store::ProjectStore::create(bench.dir / "p"));
  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"ingest", {{"path", (bench.dir / "in").string()}}}));
  auto ingested = bench.waitForResult();
  ASSERT_TRUE(ingested) << ingested.error().message;
  EXPECT_EQ((*ingested)["added"], 4);
  const std::vector<std::string> messages = bench.runner.messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].rfind("warning: ", 0), 0U) << messages[0];
  EXPECT_NE(messages[0].find("broken.jpg"), std::string::npos) << messages[0];

  // The next run starts with its own messages.
  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"dupes", {{"apply", false}}}));
  ASSERT_TRUE(bench.waitForResult());
  EXPECT_TRUE(bench.runner.messages().empty());
}

TEST(WorkbenchStepRunner, CancelReachesALongPluginCall) {
  ensureLongPluginCallStep();
  Workbench bench;
  gPluginServices = bench.services;
  ASSERT_TRUE(store::ProjectStore::create(bench.dir / "p"));
  ASSERT_TRUE(bench.runner.start(bench.dir / "p", bench.host, {"long_plugin_call", nlohmann::json::object()}));
  EXPECT_TRUE(bench.runner.running());
  EXPECT_FALSE(bench.runner.start(bench.dir / "p", bench.host, {"long_plugin_call", nlohmann::json::object()}))
      << "one step at a time";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bench.runner.cancel();  // the Cancel button
  auto result = bench.waitForResult();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ((*result)["cancelled"], true);
  EXPECT_GT((*result)["polls"].get<int>(), 0) << "the plugin was running when Cancel came";
  auto store = store::ProjectStore::open(bench.dir / "p");
  ASSERT_TRUE(store) << store.error().message;
  const auto runs = test::recordedRuns(**store);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].outcome, "cancelled");
  gPluginServices.reset();
}

}  // namespace
}  // namespace winnow
