// Pipelines: a JSON document (schemas/pipeline.schema.json) naming steps of the step registry
// (step_registry.hpp) and their parameters, read from a file or given in memory. Everything is
// validated before anything runs: the document against the pipeline schema, each step's name
// against the registry, each step's params with checkStepParams (its schema, its own rules, an
// exporter's schema). Every violation is reported, one line each, as
// "<file>: /steps/<i>/params/<key>: <reason>".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/util/result.hpp"

namespace winnow::pipeline {

struct PipelineStep {
  std::string name;  // defaults to "<index>-<run>"
  std::string run;   // a registered step
  nlohmann::json params = nlohmann::json::object();  // normalised (validated, defaults filled, paths absolute)
};

struct Pipeline {
  std::filesystem::path file;     // empty for a document given in memory
  std::filesystem::path baseDir;  // relative paths in the document resolve against this
  std::string name;
  std::filesystem::path project;  // absolute
  std::vector<PipelineStep> steps;
  nlohmann::json document;        // as written, for provenance in exports
};

// A document in memory. Relative paths (the project, a step's path params) resolve against
// baseDir; messages start with `source` (a file name, or e.g. "workbench"). The host is only
// asked about capabilities (export steps), never to create anything.
Result<Pipeline> loadPipeline(const nlohmann::json& document, const std::filesystem::path& baseDir,
                              const plugin::PluginHost& host,
                              const std::optional<std::filesystem::path>& projectOverride = {},
                              const std::string& source = "pipeline");
// The file's document, relative to the file's folder, messages naming the file.
Result<Pipeline> loadPipeline(const std::filesystem::path& file, const plugin::PluginHost& host,
                              const std::optional<std::filesystem::path>& projectOverride = {});

// Opens (or creates) the project, records one run for the pipeline, runs the steps in order
// through runStep (inside that run) and stops at the first failing or cancelled step (earlier
// steps' work stays committed). Returns a JSON report:
// {"pipeline": name, "project": path, "steps": [{"name", "run", "ok", "summary"|"error"}], "ok", "cancelled"}.
Result<nlohmann::json> runPipeline(const Pipeline& pipeline, StepHost& host, job::JobContext& job);

}  // namespace winnow::pipeline
