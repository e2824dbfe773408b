// Pipelines: a JSON file (schemas/pipeline.schema.json) naming steps, the capability each uses and
// its parameters. Everything is validated before anything runs: the file against the pipeline
// schema, each step's params against its core step schema (schemas/steps/<run>.schema.json) or its
// capability's schema from the plugin manifest. Every violation is reported, one line each, as
// "<file>: /steps/<i>/params/<key>: <reason>".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/util/result.hpp"

namespace winnow::pipeline {

struct PipelineStep {
  std::string name;        // defaults to "<index>-<run>"
  std::string run;         // "ingest", "stats", "export"
  std::string capability;  // export: exporter capability id
  nlohmann::json params = nlohmann::json::object();  // validated, defaults filled
  std::filesystem::path output;  // export: absolute
  std::optional<std::string> split;
  bool includeUnlabelled = false;
  bool overwrite = false;  // export: replace an existing output
  std::string faceCropsDetector;  // export: face crops of this detector instead of whole images
};

struct Pipeline {
  std::filesystem::path file;
  std::filesystem::path baseDir;  // relative paths in the file resolve against this
  std::string name;
  std::filesystem::path project;  // absolute
  std::vector<PipelineStep> steps;
  nlohmann::json document;        // as written, for provenance in exports
};

Result<Pipeline> loadPipeline(const std::filesystem::path& file, const plugin::PluginHost& host,
                              const std::optional<std::filesystem::path>& projectOverride = {});

// Opens (or creates) the project, records a run, executes the steps in order and stops at the
// first failing step (earlier steps' work stays committed). Returns a JSON report:
// {"pipeline": name, "project": path, "steps": [{"name", "run", "ok", "summary"|"error"}], "ok"}.
Result<nlohmann::json> runPipeline(const Pipeline& pipeline, plugin::PluginHost& host,
                                   job::JobContext& job);

}  // namespace winnow::pipeline
