#include "winnow/pipeline/pipeline.hpp"

#include <map>
#include <system_error>

#include "winnow/audit/class_report.hpp"
#include "winnow/audit/mislabel_finder.hpp"
#include "winnow/audit/shortcut_audit.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/training/model_training.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/split/dataset_splitter.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/report/summary_json.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::pipeline {

namespace fs = std::filesystem;

namespace {

fs::path resolve(const fs::path& baseDir, const std::string& path) {
  fs::path candidate(path);
  return candidate.is_absolute() ? candidate : (baseDir / candidate).lexically_normal();
}

void addViolations(std::vector<std::string>& lines, const std::string& file,
                   const std::string& pointerPrefix,
                   const std::vector<config::SchemaViolation>& violations) {
  for (const auto& violation : violations) {
    lines.push_back(file + ": " + pointerPrefix + (violation.pointer.empty() ? "" : violation.pointer) +
                    ": " + violation.message);
  }
}

using OperationFunction = Result<nlohmann::json> (*)(store::ProjectStore&, plugin::PluginHost&,
                                                    const nlohmann::json&, job::JobContext&,
                                                    std::optional<std::int64_t>);

// Curation operations that follow the common convention: params validated against
// schemas/steps/<name>.schema.json, a JSON summary back.
OperationFunction findOperation(const std::string& name) {
  static const std::map<std::string, OperationFunction> operations = {
      {"detect", &faces::runDetect},        {"dupes", &dedupe::runDupes},
      {"quality", &quality::runQuality},    {"report", &audit::runReport},
      {"audit", &audit::runAudit},          {"mislabels", &audit::runMislabels},
      {"balance", &balance::runBalance},    {"split", &split::runSplit},
      {"crops", &faces::runCrops},          {"embed", &faces::runEmbed},
      {"identity", &faces::runIdentityCheck}, {"train", &training::runTrain},
      {"evaluate", &training::runEvaluate},
  };
  auto found = operations.find(name);
  return found == operations.end() ? nullptr : found->second;
}

// "key=value, ..." of a summary's top-level scalars: one readable line for the terminal; the full
// summary goes into the --json report and the runs table.
std::string scalarSummary(const nlohmann::json& summary) {
  std::string line;
  for (const auto& [key, value] : summary.items()) {
    if (value.is_structured()) continue;
    line += (line.empty() ? "" : ", ") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return line;
}

// A step's "notes" and "warnings" (strings, or objects with a "message") are printed one per line:
// a default that decided something says so in a pipeline too.
void printStepLines(const nlohmann::json& summary, job::JobContext& job) {
  for (const char* key : {"notes", "warnings"}) {
    if (!summary.contains(key) || !summary.at(key).is_array()) continue;
    for (const auto& line : summary.at(key)) {
      const std::string text = line.is_string()                                   ? line.get<std::string>()
                               : line.is_object() && line.contains("message") && line.at("message").is_string()
                                   ? line.at("message").get<std::string>()
                                   : std::string();
      if (text.empty()) continue;
      if (std::string(key) == "warnings" && text.rfind("WARNING", 0) != 0 && text.rfind("note", 0) != 0) {
        job.info("WARNING: " + text);
      } else {
        job.info(text);
      }
    }
  }
}

ingest::IngestOptions ingestOptionsFrom(const nlohmann::json& params, const fs::path& baseDir) {
  ingest::IngestOptions options;
  options.root = resolve(baseDir, params.at("path").get<std::string>());
  options.sourceName = params.value("source", std::string());
  if (params.contains("map")) {
    for (const auto& [from, to] : params.at("map").items()) options.labelMap[from] = to.get<std::string>();
  }
  options.layout = ingest::parseFolderLayout(params.value("layout", std::string("auto")))
                       .value_or(ingest::FolderLayout::Auto);
  options.videoFramesPerSecond = params.value("video_fps", 1.0);
  options.threads = params.value("threads", 0);
  options.limits.maxPixels = params.value("max_pixels", options.limits.maxPixels);
  return options;
}

}  // namespace

Result<Pipeline> loadPipeline(const fs::path& file, const plugin::PluginHost& host,
                              const std::optional<fs::path>& projectOverride) {
  auto document = config::readJsonFile(file);
  if (!document) return document.error();
  const auto& schema = config::projectSchema("pipeline.schema.json");
  if (!schema) return schema.error();
  const std::string fileName = file.string();
  std::vector<std::string> problems;
  addViolations(problems, fileName, "", schema->validate(*document));
  if (!problems.empty()) {
    std::string message;
    for (const auto& line : problems) message += (message.empty() ? "" : "\n") + line;
    return makeError(ErrorCode::Schema, message);
  }

  Pipeline pipeline;
  pipeline.file = fs::absolute(file);
  pipeline.baseDir = pipeline.file.parent_path();
  pipeline.document = *document;
  pipeline.name = document->value("name", file.stem().string());
  if (projectOverride) {
    pipeline.project = fs::absolute(*projectOverride);
  } else if (document->contains("project")) {
    pipeline.project = resolve(pipeline.baseDir, document->at("project").get<std::string>());
  } else {
    return makeError(ErrorCode::InvalidArgument,
                     fileName + ": no \"project\" in the pipeline and none given with --project");
  }

  const auto& steps = document->at("steps");
  for (std::size_t index = 0; index < steps.size(); ++index) {
    const nlohmann::json& raw = steps[index];
    const std::string pointer = "/steps/" + std::to_string(index);
    PipelineStep step;
    step.run = raw.at("run").get<std::string>();
    step.name = raw.value("name", std::to_string(index + 1) + "-" + step.run);
    step.capability = raw.value("capability", std::string());
    const nlohmann::json params = raw.value("params", nlohmann::json::object());
    if (step.run == "ingest") {
      const auto& stepSchema = config::projectSchema("steps/ingest.schema.json");
      if (!stepSchema) return stepSchema.error();
      auto violations = stepSchema->validate(params);
      addViolations(problems, fileName, pointer + "/params", violations);
      if (violations.empty()) step.params = stepSchema->withDefaults(params);
    } else if (step.run == "export") {
      const plugin::CapabilityDescriptor* capability = host.findCapability(step.capability);
      if (!capability) {
        problems.push_back(fileName + ": " + pointer + "/capability: no loaded plugin offers '" +
                           step.capability + "' (see 'winnow plugins')");
        continue;
      }
      if (capability->kind != plugin::CapabilityKind::Exporter) {
        problems.push_back(fileName + ": " + pointer + "/capability: '" + step.capability +
                           "' is a " + plugin::capabilityKindName(capability->kind) +
                           ", not an exporter");
        continue;
      }
      auto compiled = config::JsonSchema::compile(capability->paramsSchema, step.capability);
      if (!compiled) return compiled.error();
      auto violations = compiled->validate(params);
      addViolations(problems, fileName, pointer + "/params", violations);
      if (violations.empty()) step.params = compiled->withDefaults(params);
      step.output = resolve(pipeline.baseDir, raw.at("output").get<std::string>());
      if (raw.contains("split")) step.split = raw.at("split").get<std::string>();
      step.includeUnlabelled = raw.value("include_unlabelled", false);
      step.overwrite = raw.value("overwrite", false);
      step.faceCropsDetector = raw.value("face_crops", std::string());
    } else if (findOperation(step.run) != nullptr) {
      const auto& stepSchema = config::projectSchema("steps/" + step.run + ".schema.json");
      if (!stepSchema) return stepSchema.error();
      auto violations = stepSchema->validate(params);
      addViolations(problems, fileName, pointer + "/params", violations);
      if (violations.empty()) {
        step.params = stepSchema->withDefaults(params);
        // Output files named in step parameters are relative to the pipeline file, like paths.
        for (const char* key : {"png", "dataset", "run_dir", "model_file", "data", "output_dir"}) {
          if (step.params.contains(key) && step.params[key].is_string() &&
              !step.params[key].get<std::string>().empty()) {
            step.params[key] = resolve(pipeline.baseDir, step.params[key].get<std::string>()).string();
          }
        }
      }
    } else if (!params.empty()) {
      problems.push_back(fileName + ": " + pointer + "/params: step '" + step.run +
                         "' takes no parameters");
    }
    pipeline.steps.push_back(std::move(step));
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& line : problems) message += (message.empty() ? "" : "\n") + line;
    return makeError(ErrorCode::Schema, message);
  }
  return pipeline;
}

Result<nlohmann::json> runPipeline(const Pipeline& pipeline, plugin::PluginHost& host,
                                   job::JobContext& job) {
  std::error_code ec;
  auto opened = fs::exists(pipeline.project / store::ProjectStore::kDatabaseFileName, ec)
                    ? store::ProjectStore::open(pipeline.project)
                    : store::ProjectStore::create(pipeline.project);
  if (!opened) return opened.error();
  store::ProjectStore& store = **opened;
  auto runId = store.beginRun("run " + pipeline.file.string(), pipeline.document.dump());
  if (!runId) return runId.error();

  nlohmann::json report = {{"pipeline", pipeline.name},
                           {"project", pipeline.project.string()},
                           {"steps", nlohmann::json::array()}};
  bool allOk = true;
  bool cancelled = false;
  for (const PipelineStep& step : pipeline.steps) {
    nlohmann::json entry = {{"name", step.name}, {"run", step.run}};
    job.info("== step " + step.name);
    Result<nlohmann::json> outcome = nlohmann::json();
    if (step.run == "ingest") {
      auto summary =
          ingest::ingestFolder(store, ingestOptionsFrom(step.params, pipeline.baseDir), job, *runId);
      if (summary) {
        job.info(report::formatIngestSummary(*summary));
        cancelled = summary->cancelled;
        outcome = report::toJson(*summary);
      } else {
        outcome = summary.error();
      }
    } else if (step.run == "stats") {
      auto stats = store.stats();
      if (stats) {
        job.info(report::formatStats(*stats));
        outcome = report::toJson(*stats);
      } else {
        outcome = stats.error();
      }
    } else if (OperationFunction operation = findOperation(step.run)) {
      outcome = operation(store, host, step.params, job, *runId);
      if (outcome) {
        cancelled = outcome->value("cancelled", false);
        job.info(step.run + ": " + scalarSummary(*outcome));
        if ((step.run == "train" || step.run == "evaluate") && outcome->contains("test")) {
          // The same report as `winnow train` / `winnow evaluate` print (warnings included).
          job.info(training::formatTestReport(outcome->at("test")) + training::formatReportNotes(*outcome));
        } else {
          printStepLines(*outcome, job);
        }
      }
    } else if (step.run == "export") {
      exporting::ExportOptions options;
      options.capabilityId = step.capability;
      options.params = step.params;
      options.output = step.output;
      options.split = step.split;
      options.includeUnlabelled = step.includeUnlabelled;
      options.overwrite = step.overwrite;
      if (!step.faceCropsDetector.empty()) options.faceCropsDetector = step.faceCropsDetector;
      options.pipelineConfigJson = pipeline.document.dump();
      auto summary = exporting::exportDataset(store, host, options, job);
      if (summary) {
        cancelled = summary->cancelled;
        job.info("exported " + std::to_string(summary->exported) + " samples to " +
                 summary->output.string());
        outcome = exporting::toJson(*summary);
      } else {
        outcome = summary.error();
      }
    }
    if (outcome) {
      entry["ok"] = true;
      entry["summary"] = *outcome;
    } else {
      entry["ok"] = false;
      entry["error"] = outcome.error().message;
      allOk = false;
    }
    report["steps"].push_back(entry);
    if (!allOk || cancelled) break;
  }
  report["ok"] = allOk && !cancelled;
  report["cancelled"] = cancelled;
  (void)store.finishRun(*runId, cancelled ? "cancelled" : (allOk ? "ok" : "failed"), report.dump());
  return report;
}

}  // namespace winnow::pipeline
