#include "winnow/pipeline/pipeline.hpp"

#include <system_error>

#include "winnow/config/schema_files.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::pipeline {

namespace fs = std::filesystem;

namespace {

fs::path resolve(const fs::path& baseDir, const std::string& path) {
  fs::path candidate(path);
  return candidate.is_absolute() ? candidate : (baseDir / candidate).lexically_normal();
}

void addViolations(std::vector<std::string>& lines, const std::string& source, const std::string& pointerPrefix,
                   const std::vector<config::SchemaViolation>& violations) {
  for (const auto& violation : violations) {
    lines.push_back(source + ": " + pointerPrefix + violation.pointer + ": " + violation.message);
  }
}

Error schemaError(const std::vector<std::string>& problems) {
  std::string message;
  for (const auto& line : problems) message += (message.empty() ? "" : "\n") + line;
  return makeError(ErrorCode::Schema, message);
}

// What the step's params are in the document: its "params" object, or (export) the step's fields.
nlohmann::json paramsInDocument(const StepDefinition& definition, const nlohmann::json& raw) {
  if (!definition.paramsAreStepFields) return raw.value("params", nlohmann::json::object());
  nlohmann::json fields = raw;
  fields.erase("run");
  fields.erase("name");
  return fields;
}

}  // namespace

Result<Pipeline> loadPipeline(const nlohmann::json& document, const fs::path& baseDir, const plugin::PluginHost& host,
                              const std::optional<fs::path>& projectOverride, const std::string& source) {
  const auto& schema = config::projectSchema("pipeline.schema.json");
  if (!schema) return schema.error();
  std::vector<std::string> problems;
  addViolations(problems, source, "", schema->validate(document));
  if (!problems.empty()) return schemaError(problems);

  Pipeline pipeline;
  pipeline.baseDir = fs::absolute(baseDir);
  pipeline.document = document;
  pipeline.name = document.value("name", source);
  if (projectOverride) {
    pipeline.project = fs::absolute(*projectOverride);
  } else if (document.contains("project")) {
    pipeline.project = resolve(pipeline.baseDir, document.at("project").get<std::string>());
  } else {
    return makeError(ErrorCode::InvalidArgument,
                     source + ": no \"project\" in the pipeline and none given with --project");
  }

  const auto& steps = document.at("steps");
  for (std::size_t index = 0; index < steps.size(); ++index) {
    const nlohmann::json& raw = steps[index];
    const std::string pointer = "/steps/" + std::to_string(index);
    PipelineStep step;
    step.run = raw.at("run").get<std::string>();
    step.name = raw.value("name", std::to_string(index + 1) + "-" + step.run);
    const StepDefinition* definition = findStep(step.run);
    if (definition == nullptr) {
      problems.push_back(source + ": " + pointer + "/run: " + unknownStepMessage(step.run));
      continue;
    }
    auto checked = checkStepParams(*definition, paramsInDocument(*definition, raw), &host);
    if (!checked) return checked.error();
    addViolations(problems, source, definition->paramsAreStepFields ? pointer : pointer + "/params",
                  checked->violations);
    if (!checked->violations.empty()) continue;
    step.params = std::move(checked->params);
    // Files and folders named in a step are relative to the pipeline, like its project.
    for (const std::string& key : definition->pathParams) {
      if (step.params.contains(key) && step.params[key].is_string() && !step.params[key].get<std::string>().empty()) {
        step.params[key] = resolve(pipeline.baseDir, step.params[key].get<std::string>()).string();
      }
    }
    pipeline.steps.push_back(std::move(step));
  }
  if (!problems.empty()) return schemaError(problems);
  return pipeline;
}

Result<Pipeline> loadPipeline(const fs::path& file, const plugin::PluginHost& host,
                              const std::optional<fs::path>& projectOverride) {
  auto document = config::readJsonFile(file);
  if (!document) return document.error();
  const fs::path absolute = fs::absolute(file);
  auto pipeline = loadPipeline(*document, absolute.parent_path(), host, projectOverride, file.string());
  if (!pipeline) return pipeline.error();
  pipeline->file = absolute;
  if (!document->contains("name")) pipeline->name = file.stem().string();
  return pipeline;
}

Result<nlohmann::json> runPipeline(const Pipeline& pipeline, StepHost& host, job::JobContext& job) {
  std::error_code ec;
  auto opened = fs::exists(pipeline.project / store::ProjectStore::kDatabaseFileName, ec)
                    ? store::ProjectStore::open(pipeline.project)
                    : store::ProjectStore::create(pipeline.project);
  if (!opened) return opened.error();
  store::ProjectStore& store = **opened;
  const std::string source = pipeline.file.empty() ? pipeline.name : pipeline.file.string();
  auto runId = store.beginRun("run " + source, pipeline.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!runId) return runId.error();

  StepRunOptions options;
  options.store = &store;
  options.host = &host;
  options.withinRun = *runId;
  options.provenance = pipeline.document;
  nlohmann::json report = {{"pipeline", pipeline.name},
                           {"project", pipeline.project.string()},
                           {"steps", nlohmann::json::array()}};
  bool allOk = true;
  bool cancelled = false;
  for (const PipelineStep& step : pipeline.steps) {
    nlohmann::json entry = {{"name", step.name}, {"run", step.run}};
    job.info("== step " + step.name);
    auto outcome = runStep(step.run, step.params, job, options);
    if (outcome) {
      const StepDefinition& definition = *findStep(step.run);
      for (const std::string& line : definition.describe ? definition.describe(*outcome) : describeStep(definition, *outcome)) {
        job.info(line);
      }
      cancelled = outcome->cancelled();
      entry["ok"] = true;
      entry["summary"] = std::move(outcome->summary);
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
  (void)store.finishRun(*runId, cancelled ? "cancelled" : (allOk ? "ok" : "failed"),
                        report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return report;
}

}  // namespace winnow::pipeline
