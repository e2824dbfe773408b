// The step registry: a step declared once (here, in the test itself) runs through runStep and
// through a pipeline loaded from memory with nothing else changed; runStep validates once, records
// the run with normalised params, builds no plugin host for a step without plugins, and binds the
// job to the plugins' cancellation poll.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/step_test_support.hpp"
#include "support/temp_dir.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/pipeline/pipeline.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// ---- the whole of adding a step (docs/architecture.md, "Adding a step") ----------------------
Status registerCountLabel() {
  pipeline::StepDefinition step;
  step.name = "count_label";
  step.description = "count the active samples of one class";
  step.schema = R"({"type": "object", "additionalProperties": false, "required": ["label"],
                    "properties": {"label": {"type": "string", "minLength": 1},
                                   "min": {"type": "integer", "minimum": 0, "default": 1}}})";
  step.run = [](pipeline::StepContext& context, const nlohmann::json& params) -> Result<pipeline::StepResult> {
    auto stats = context.store->stats();
    if (!stats) return stats.error();
    std::int64_t count = 0;
    for (const store::CountByKey& entry : stats->byLabel) {
      if (entry.key == params["label"].get<std::string>()) count = entry.count;
    }
    return pipeline::StepResult({{"label", params["label"]}, {"count", count}, {"enough", count >= params["min"].get<int>()}});
  };
  return pipeline::registerStep(std::move(step));
}
// ----------------------------------------------------------------------------------------------

void ensureCountLabel() {
  static const Status registered = registerCountLabel();
  ASSERT_TRUE(registered) << registered.error().message;
}

// A plugin host that is never expected to be built (no step here needs one) unless a test says so.
struct ProbeHost {
  std::shared_ptr<bool> built = std::make_shared<bool>(false);
  std::shared_ptr<plugin::HostServices> services = std::make_shared<plugin::HostServices>();
  pipeline::StepHost host{[built = built, services = services](plugin::HostServices given) {
    *built = true;
    *services = given;
    return plugin::PluginHost(std::move(given));
  }};
};

struct Project {
  TempDir dir{"winnow-steps"};
  std::unique_ptr<store::ProjectStore> store;
  ProbeHost plugins;

  Project() {
    test::writeClassFolders(dir / "in", {"a", "b"}, 3);
    auto created = store::ProjectStore::create(dir / "p");
    EXPECT_TRUE(created) << created.error().message;
    if (created) store = std::move(created.value());
  }
  Result<pipeline::StepResult> run(const std::string& step, const nlohmann::json& params) {
    job::JobContext job(job::ProgressStyle::Silent);
    pipeline::StepRunOptions options;
    options.store = store.get();
    options.host = &plugins.host;
    return pipeline::runStep(step, params, job, options);
  }
};

TEST(StepRegistry, CoreStepsAreDeclaredOnceEachWithItsSchema) {
  const std::vector<std::string> core = {"ingest", "stats",  "detect",    "crops",   "embed", "identity",
                                         "dupes",  "quality", "report",   "audit",   "mislabels", "balance",
                                         "split",  "export",  "train",    "evaluate"};
  std::vector<std::string> names;
  for (const pipeline::StepDefinition* step : pipeline::allSteps()) {
    names.push_back(step->name);
    EXPECT_FALSE(step->description.empty()) << step->name;
    EXPECT_TRUE(step->run) << step->name;
    const auto& schema = pipeline::stepSchema(*step);
    EXPECT_TRUE(schema) << step->name << ": " << (schema ? "" : schema.error().message);
  }
  ASSERT_GE(names.size(), core.size());
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(core.size())), core);
  EXPECT_EQ(pipeline::findStep("dupez"), nullptr);
  EXPECT_NE(pipeline::unknownStepMessage("dupez").find("did you mean 'dupes'?"), std::string::npos);
}

TEST(StepRegistry, AStepDeclaredInTheTestRunsThroughRunStepAndIsRecordedWithNormalisedParams) {
  ensureCountLabel();
  Project project;
  ASSERT_TRUE(project.store);
  auto ingested = project.run("ingest", {{"path", (project.dir / "in").string()}, {"map", {{"a", "apple"}}}});
  ASSERT_TRUE(ingested) << ingested.error().message;
  EXPECT_EQ(ingested->summary["added"], 6);
  EXPECT_EQ(ingested->typed<ingest::IngestSummary>().added, 6);

  auto counted = project.run("count_label", {{"label", "apple"}});
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->summary, nlohmann::json({{"label", "apple"}, {"count", 3}, {"enough", true}}));

  const auto runs = test::recordedRuns(*project.store);
  ASSERT_EQ(runs.size(), 2U);
  EXPECT_EQ(runs[0].command, "ingest");
  // Defaults come from the schema and are recorded: what ran, not what was typed.
  EXPECT_EQ(runs[0].parameters, nlohmann::json({{"path", (project.dir / "in").string()},
                                                {"map", {{"a", "apple"}}},
                                                {"layout", "auto"},
                                                {"thumbnail_side", 128},
                                                {"video_fps", 1.0},
                                                {"threads", 0},
                                                {"max_pixels", 200000000}}));
  EXPECT_EQ(runs[0].outcome, "ok");
  EXPECT_EQ(runs[1].command, "count_label");
  EXPECT_EQ(runs[1].parameters, nlohmann::json({{"label", "apple"}, {"min", 1}}));
  EXPECT_EQ(runs[1].outcome, "ok");
  EXPECT_EQ(runs[1].summary["count"], 3);
  EXPECT_FALSE(project.plugins.host.built()) << "neither step uses plugins";
}

TEST(StepRegistry, TheSameStepRunsInAPipelineLoadedFromMemory) {
  ensureCountLabel();
  TempDir dir("winnow-pipeline-memory");
  test::writeClassFolders(dir / "in", {"a", "b"}, 3);
  const nlohmann::json document = {
      {"version", 1},
      {"name", "in memory"},
      {"project", "p"},
      {"steps",
       {{{"run", "ingest"}, {"params", {{"path", "in"}, {"map", {{"b", "banana"}}}}}},
        {{"name", "how many bananas"}, {"run", "count_label"}, {"params", {{"label", "banana"}, {"min", 4}}}},
        {{"run", "stats"}}}}};
  ProbeHost plugins;
  auto loaded = pipeline::loadPipeline(document, dir.path(), plugins.host.get(), std::nullopt, "memory");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->file.empty());
  EXPECT_EQ(loaded->project, dir / "p");
  ASSERT_EQ(loaded->steps.size(), 3U);
  EXPECT_EQ(loaded->steps[0].params["path"], (dir / "in").string()) << "path params resolve against the base folder";
  EXPECT_EQ(loaded->steps[1].params, nlohmann::json({{"label", "banana"}, {"min", 4}}));

  job::JobContext job(job::ProgressStyle::Silent);
  auto report = pipeline::runPipeline(*loaded, plugins.host, job);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_TRUE((*report)["ok"].get<bool>()) << report->dump(2);
  EXPECT_EQ((*report)["steps"][1]["name"], "how many bananas");
  EXPECT_EQ((*report)["steps"][1]["summary"], nlohmann::json({{"label", "banana"}, {"count", 3}, {"enough", false}}));
  EXPECT_EQ((*report)["steps"][2]["summary"]["active_samples"], 6);

  auto store = store::ProjectStore::open(dir / "p");
  ASSERT_TRUE(store) << store.error().message;
  const auto runs = test::recordedRuns(**store);
  ASSERT_EQ(runs.size(), 1U) << "a pipeline is one run; its steps run inside it";
  EXPECT_EQ(runs[0].command, "run in memory");
  EXPECT_EQ(runs[0].outcome, "ok");
}

TEST(StepRegistry, APipelineFromMemoryNamesEveryProblemBeforeAnythingRuns) {
  ensureCountLabel();
  TempDir dir("winnow-pipeline-memory-bad");
  const nlohmann::json document = {
      {"version", 1},
      {"project", "p"},
      {"steps", {{{"run", "count_label"}, {"params", {{"lable", "a"}}}}, {{"run", "dupez"}}}}};
  ProbeHost plugins;
  auto loaded = pipeline::loadPipeline(document, dir.path(), plugins.host.get(), std::nullopt, "memory");
  ASSERT_FALSE(loaded);
  const std::string& message = loaded.error().message;
  EXPECT_NE(message.find("memory: /steps/0/params/lable: "), std::string::npos) << message;
  EXPECT_NE(message.find("memory: /steps/0/params/label: "), std::string::npos) << message;
  EXPECT_NE(message.find("memory: /steps/1/run: unknown step 'dupez' (did you mean 'dupes'?)"), std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(dir / "p"));
}

TEST(StepRegistry, ParamsTheSchemaRefusesAreOneErrorAndNoRun) {
  Project project;
  ASSERT_TRUE(project.store);
  auto refused = project.run("dupes", {{"phash_distance", -1}, {"bogus", 1}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Schema);
  EXPECT_NE(refused.error().message.find("dupes: params/phash_distance: "), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("params/bogus"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(test::recordedRuns(*project.store).empty()) << "nothing ran, so nothing is recorded";
  auto unknown = project.run("dupez", nlohmann::json::object());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::InvalidArgument);
}

TEST(StepRegistry, AStepWithoutPluginsBuildsNoPluginHost) {
  Project project;
  ASSERT_TRUE(project.store);
  ASSERT_TRUE(project.run("ingest", {{"path", (project.dir / "in").string()}}));
  auto dupes = project.run("dupes", {{"apply", false}});
  ASSERT_TRUE(dupes) << dupes.error().message;
  EXPECT_FALSE(*project.plugins.built);
  EXPECT_FALSE(project.plugins.host.built());
  const auto runs = test::recordedRuns(*project.store);
  ASSERT_EQ(runs.size(), 2U);
  EXPECT_EQ(runs[1].parameters["phash_distance"], 12) << "the schema's default, recorded";
  EXPECT_FALSE(runs[1].summary.contains("cluster_list")) << "kept out of the runs table";
  EXPECT_TRUE(dupes->summary.contains("cluster_list")) << "but part of the result";
}

// What a plugin's is_cancelled() reaches: the services its host was built with.
std::shared_ptr<plugin::HostServices> gProbeServices;

TEST(StepRegistry, RunStepBindsTheJobToThePluginsCancellationPoll) {
  // Cancels its own job, as a Cancel button does, and asks the plugins' poll before and after.
  static const Status registered = test::registerPluginProbe(
      "cancel_probe", [](pipeline::StepContext& context, const nlohmann::json&) -> Result<pipeline::StepResult> {
        const bool before = gProbeServices->isCancelled();
        context.job.cancel();
        const bool after = gProbeServices->isCancelled();
        return pipeline::StepResult({{"before", before}, {"after", after}, {"cancelled", true}});
      });
  ASSERT_TRUE(registered) << registered.error().message;

  Project project;
  ASSERT_TRUE(project.store);
  gProbeServices = project.plugins.services;
  auto result = project.run("cancel_probe", nlohmann::json::object());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(project.plugins.host.built());
  EXPECT_EQ(result->summary["before"], false);
  EXPECT_EQ(result->summary["after"], true) << "cancelling the job reaches the plugins' poll";
  EXPECT_TRUE(result->cancelled());
  EXPECT_FALSE(gProbeServices->isCancelled()) << "after the step the job is unbound (the host's own poll: none)";
  const auto runs = test::recordedRuns(*project.store);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].outcome, "cancelled");
  gProbeServices.reset();
}

TEST(StepRegistry, ANameIsDeclaredOnlyOnce) {
  pipeline::StepDefinition again;
  again.name = "dupes";
  again.schema = R"({"type": "object"})";
  again.run = [](pipeline::StepContext&, const nlohmann::json&) -> Result<pipeline::StepResult> {
    return pipeline::StepResult();
  };
  Status refused = pipeline::registerStep(again);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("already registered"), std::string::npos);
  again.name = "broken_schema";
  again.schema = R"({"type": )";
  EXPECT_FALSE(pipeline::registerStep(again));
  EXPECT_EQ(pipeline::findStep("broken_schema"), nullptr);
}

}  // namespace
}  // namespace winnow
