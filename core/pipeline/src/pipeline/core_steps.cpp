// The core steps, each declared once: name, one-line description, parameter schema
// (schemas/steps/<name>.schema.json), what it needs, and its run function. The CLI's step
// commands, pipelines and the workbench all reach a step through this table (step_registry.hpp).
#include "pipeline/core_steps.hpp"

#include <filesystem>
#include <utility>

#include "winnow/audit/class_report.hpp"
#include "winnow/audit/mislabel_finder.hpp"
#include "winnow/audit/shortcut_audit.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/report/summary_json.hpp"
#include "winnow/split/dataset_splitter.hpp"
#include "winnow/training/model_training.hpp"

namespace winnow::pipeline {

namespace {

using nlohmann::json;
using config::SchemaViolation;

StepDefinition step(std::string name, std::string description, StepFunction run) {
  StepDefinition definition;
  definition.schema = "steps/" + name + ".schema.json";
  definition.name = std::move(name);
  definition.description = std::move(description);
  definition.run = std::move(run);
  return definition;
}

Result<StepResult> asStep(Result<json> summary) {
  if (!summary) return summary.error();
  return StepResult(std::move(summary).value());
}

// A step that is one operation on the project using no plugin: operation(store, params, job, runId).
template <typename Operation>
StepDefinition projectStep(std::string name, std::string description, Operation operation) {
  return step(std::move(name), std::move(description), [operation](StepContext& context, const json& params) {
    return asStep(operation(*context.store, params, context.job, context.runId));
  });
}

// The same through plugins: operation(store, host, params, job, runId).
template <typename Operation>
StepDefinition pluginStep(std::string name, std::string description, Operation operation) {
  StepDefinition definition =
      step(std::move(name), std::move(description), [operation](StepContext& context, const json& params) {
        return asStep(operation(*context.store, *context.host, params, context.job, context.runId));
      });
  definition.needsPluginHost = true;
  return definition;
}

// The one translation of validated ingest params into IngestOptions (defaults: the schema's).
ingest::IngestOptions ingestOptions(const json& params) {
  ingest::IngestOptions options;
  options.root = params.at("path").get<std::string>();
  options.sourceName = params.value("source", std::string());
  if (params.contains("map")) {
    for (const auto& [from, to] : params.at("map").items()) options.labelMap[from] = to.get<std::string>();
  }
  options.layout = ingest::parseFolderLayout(params.at("layout").get<std::string>()).value_or(ingest::FolderLayout::Invalid);
  options.videoFramesPerSecond = params.at("video_fps").get<double>();
  options.threads = params.at("threads").get<int>();
  options.limits.maxPixels = params.at("max_pixels").get<std::int64_t>();
  options.thumbnailSide = params.at("thumbnail_side").get<int>();
  if (params.contains("labels_csv")) options.labelsCsv = params.at("labels_csv").get<std::string>();
  return options;
}

StepDefinition ingestStep() {
  StepDefinition ingest = step("ingest", "add a folder of images/videos to a project",
                               [](StepContext& context, const json& params) -> Result<StepResult> {
                                 auto summary = ingest::ingestFolder(*context.store, ingestOptions(params), context.job,
                                                                     context.runId);
                                 if (!summary) return summary.error();
                                 return StepResult(report::toJson(*summary), *summary);
                               });
  ingest.pathParams = {"path", "labels_csv"};
  ingest.describe = [](const StepResult& result) {
    return std::vector<std::string>{report::formatIngestSummary(result.typed<ingest::IngestSummary>())};
  };
  return ingest;
}

StepDefinition statsStep() {
  StepDefinition stats = step("stats", "counts per class, source, split and status",
                              [](StepContext& context, const json& /*params*/) -> Result<StepResult> {
                                auto counted = context.store->stats();
                                if (!counted) return counted.error();
                                return StepResult(report::toJson(*counted), *counted);
                              });
  stats.describe = [](const StepResult& result) {
    return std::vector<std::string>{report::formatStats(result.typed<store::ProjectStats>())};
  };
  return stats;
}

// The exporter named by "capability" must be loaded; its own params ("params") are validated
// against its schema and get its defaults.
std::vector<SchemaViolation> checkExporter(json& params, const plugin::PluginHost* host) {
  const std::string id = params.at("capability").get<std::string>();
  const plugin::CapabilityDescriptor* capability = host != nullptr ? host->findCapability(id) : nullptr;
  if (capability == nullptr) return {{"/capability", "no loaded plugin offers '" + id + "' (see 'winnow plugins')"}};
  if (capability->kind != plugin::CapabilityKind::Exporter) {
    return {{"/capability", "'" + id + "' is a " + plugin::capabilityKindName(capability->kind) + ", not an exporter"}};
  }
  auto schema = config::JsonSchema::compile(capability->paramsSchema, id);
  if (!schema) return {{"/capability", schema.error().message}};
  std::vector<SchemaViolation> violations = schema->validate(params.at("params"));
  for (SchemaViolation& violation : violations) violation.pointer = "/params" + violation.pointer;
  if (violations.empty()) params["params"] = schema->withDefaults(params.at("params"));
  return violations;
}

StepDefinition exportStep() {
  StepDefinition exporter = step(
      "export", "export the dataset through an exporter plugin (hdf5, imagefolder)",
      [](StepContext& context, const json& params) -> Result<StepResult> {
        exporting::ExportOptions options;
        options.capabilityId = params.at("capability").get<std::string>();
        options.params = params.at("params");
        options.output = std::filesystem::absolute(params.at("output").get<std::string>());
        if (params.contains("split")) options.split = params.at("split").get<std::string>();
        options.includeUnlabelled = params.at("include_unlabelled").get<bool>();
        options.overwrite = params.at("overwrite").get<bool>();
        if (params.contains("face_crops")) options.faceCropsDetector = params.at("face_crops").get<std::string>();
        options.pipelineConfigJson = context.provenance.dump(-1, ' ', false, json::error_handler_t::replace);
        auto summary = exporting::exportDataset(*context.store, *context.host, options, context.job);
        if (!summary) return summary.error();
        return StepResult(exporting::toJson(*summary), *summary);
      });
  exporter.needsPluginHost = true;
  exporter.paramsAreStepFields = true;
  exporter.pathParams = {"output"};
  exporter.check = checkExporter;
  exporter.describe = [](const StepResult& result) {
    const auto& summary = result.typed<exporting::ExportSummary>();
    return std::vector<std::string>{"exported " + std::to_string(summary.exported) + " samples to " +
                                    summary.output.string()};
  };
  return exporter;
}

// train and evaluate: their classification report after the one-line summary, as `winnow train`
// and `winnow evaluate` print it.
std::vector<std::string> describeTraining(const StepResult& result, const std::string& name) {
  std::vector<std::string> lines = describeStep(*findStep(name), result);
  if (!result.summary.contains("test")) return lines;
  return {lines.front(),
          training::formatTestReport(result.summary.at("test")) + training::formatReportNotes(result.summary)};
}

StepDefinition trainingStep(const std::string& name, const std::string& description,
                            Result<json> (*operation)(plugin::PluginHost&, const json&, job::JobContext&),
                            std::vector<std::string> pathParams) {
  StepDefinition training = step(name, description, [operation](StepContext& context, const json& params) {
    return asStep(operation(*context.host, params, context.job));
  });
  training.needsPluginHost = true;
  training.needsProject = false;  // works on exported datasets
  training.pathParams = std::move(pathParams);
  training.describe = [name](const StepResult& result) { return describeTraining(result, name); };
  return training;
}

}  // namespace

std::vector<StepDefinition> coreSteps() {
  std::vector<StepDefinition> steps;
  steps.push_back(ingestStep());
  steps.push_back(statsStep());

  steps.push_back(pluginStep("detect", "detect faces in every active sample with a detector plugin (stored, no-face flagged)",
                             faces::runDetect));
  steps.push_back(projectStep("crops", "(re)build aligned face crops from stored detections (no-face / several flagged)",
                              faces::runCrops));
  steps.push_back(pluginStep("embed", "face descriptors (or any image embedding) per sample, stored", faces::runEmbed));
  steps.push_back(projectStep("identity", "identity check: 1-NN leave-one-out accuracy, distance histograms PNG",
                              faces::runIdentityCheck));
  steps.back().pathParams = {"png"};

  steps.push_back(projectStep("dupes", "find near-duplicate clusters; non-keepers become 'duplicate'", dedupe::runDupes));
  steps.back().summaryKeysNotStored = {"cluster_list"};
  steps.push_back(projectStep("quality", "quality measures and flags (blurry, too dark, grey in colour set, ...)",
                              quality::runQuality));
  steps.push_back(projectStep("report", "merge/class report: classes by source, duplicates across sources, warnings",
                              audit::runReport));
  steps.push_back(projectStep("audit", "shortcut audit: does one nuisance property alone predict the label?",
                              audit::runAudit));
  steps.push_back(projectStep("mislabels", "suspected mislabels: k-NN label disagreement, each with its neighbours",
                              audit::runMislabels));

  steps.push_back(pluginStep("balance", "balance classes: undersample / augment (with lineage) / class weights",
                             balance::runBalance));
  steps.push_back(projectStep("split", "train/val/test split, stratified by class and disjoint by group", split::runSplit));
  steps.back().check = [](json& params, const plugin::PluginHost* /*host*/) -> std::vector<SchemaViolation> {
    auto ratios = split::normalizedRatios(params.at("ratios").get<std::vector<double>>());
    if (!ratios) return {{"/ratios", ratios.error().message}};
    return {};
  };

  steps.push_back(exportStep());
  steps.push_back(trainingStep("train", "train a classifier on an exported HDF5 dataset (metrics, plots, model.h5, checkpoint)",
                               training::trainModel, {"dataset", "run_dir"}));
  steps.push_back(trainingStep("evaluate", "score a trained model on a dataset file or a folder of class folders",
                               training::evaluateModel, {"model_file", "data", "output_dir"}));
  return steps;
}

}  // namespace winnow::pipeline
