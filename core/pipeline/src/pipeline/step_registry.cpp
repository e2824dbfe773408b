#include "winnow/pipeline/step_registry.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <mutex>

#include "pipeline/core_steps.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/util/name_suggestion.hpp"

namespace winnow::pipeline {

namespace {

struct Entry {
  StepDefinition definition;
  Result<config::JsonSchema> inlineSchema = makeError(ErrorCode::Schema, "no inline schema");
};

bool isInlineSchema(const std::string& schema) {
  const auto first = schema.find_first_not_of(" \t\r\n");
  return first != std::string::npos && schema[first] == '{';
}

// Entries never move (a deque only appends), so pointers handed out stay valid.
struct Registry {
  std::mutex mutex;
  std::deque<Entry> entries;

  Registry() {
    for (StepDefinition& step : coreSteps()) entries.push_back({std::move(step)});
  }
  Entry* find(const std::string& name) {
    for (Entry& entry : entries) {
      if (entry.definition.name == name) return &entry;
    }
    return nullptr;
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// Runs table text: invalid UTF-8 (a file name) becomes U+FFFD instead of throwing.
std::string storedJson(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string scalarSummary(const nlohmann::json& summary) {
  std::string line;
  if (!summary.is_object()) return line;
  for (const auto& [key, value] : summary.items()) {
    if (value.is_structured()) continue;
    line += (line.empty() ? "" : ", ") + key + "=" + (value.is_string() ? value.get<std::string>() : storedJson(value));
  }
  return line;
}

}  // namespace

Status registerStep(StepDefinition step) {
  if (step.name.empty()) return makeError(ErrorCode::InvalidArgument, "a step needs a name");
  if (!step.run) return makeError(ErrorCode::InvalidArgument, "step '" + step.name + "' has no run function");
  Entry entry{std::move(step)};
  if (isInlineSchema(entry.definition.schema)) {
    const auto parsed = nlohmann::json::parse(entry.definition.schema, nullptr, false);
    if (parsed.is_discarded()) {
      return makeError(ErrorCode::InvalidArgument, "step '" + entry.definition.name + "': its schema is not valid JSON");
    }
    entry.inlineSchema = config::JsonSchema::compile(parsed, "step " + entry.definition.name);
    if (!entry.inlineSchema) return entry.inlineSchema.error();
  }
  Registry& steps = registry();
  std::lock_guard<std::mutex> lock(steps.mutex);
  if (steps.find(entry.definition.name) != nullptr) {
    return makeError(ErrorCode::InvalidArgument, "step '" + entry.definition.name + "' is already registered");
  }
  steps.entries.push_back(std::move(entry));
  return okStatus();
}

const StepDefinition* findStep(const std::string& name) {
  Registry& steps = registry();
  std::lock_guard<std::mutex> lock(steps.mutex);
  const Entry* entry = steps.find(name);
  return entry != nullptr ? &entry->definition : nullptr;
}

std::vector<const StepDefinition*> allSteps() {
  Registry& steps = registry();
  std::lock_guard<std::mutex> lock(steps.mutex);
  std::vector<const StepDefinition*> out;
  for (const Entry& entry : steps.entries) out.push_back(&entry.definition);
  return out;
}

const Result<config::JsonSchema>& stepSchema(const StepDefinition& step) {
  if (!isInlineSchema(step.schema)) return config::projectSchema(step.schema);
  Registry& steps = registry();
  std::lock_guard<std::mutex> lock(steps.mutex);
  for (const Entry& entry : steps.entries) {
    if (&entry.definition == &step) return entry.inlineSchema;
  }
  static const Result<config::JsonSchema> unregistered =
      makeError(ErrorCode::InvalidArgument, "a step with an inline schema must be registered first");
  return unregistered;
}

Result<CheckedParams> checkStepParams(const StepDefinition& step, const nlohmann::json& params,
                                      const plugin::PluginHost* host) {
  const auto& schema = stepSchema(step);
  if (!schema) return schema.error();
  const nlohmann::json document = params.is_null() ? nlohmann::json::object() : params;
  CheckedParams checked;
  checked.violations = schema->validate(document);
  if (!checked.violations.empty()) return checked;
  checked.params = schema->withDefaults(document);
  if (step.check) checked.violations = step.check(checked.params, host);
  if (!checked.violations.empty()) checked.params = nlohmann::json();
  return checked;
}

Result<nlohmann::json> resolveStepParams(const std::string& stepName, const nlohmann::json& params,
                                         const plugin::PluginHost* host) {
  const StepDefinition* step = findStep(stepName);
  if (step == nullptr) return makeError(ErrorCode::InvalidArgument, unknownStepMessage(stepName));
  auto checked = checkStepParams(*step, params, host);
  if (!checked) return checked.error();
  if (!checked->violations.empty()) {
    return makeError(ErrorCode::Schema,
                     config::describeParamViolations(stepName, checked->violations, step->paramsAreStepFields));
  }
  return std::move(checked->params);
}

Result<StepResult> runRecorded(store::ProjectStore& store, const std::string& command, const nlohmann::json& params,
                               const std::function<Result<StepResult>(std::int64_t runId)>& work,
                               const std::vector<std::string>& summaryKeysNotStored) {
  auto runId = store.beginRun(command, storedJson(params));
  if (!runId) return runId.error();
  Result<StepResult> outcome = work(*runId);
  if (outcome) {
    nlohmann::json stored = outcome->summary;
    for (const std::string& key : summaryKeysNotStored) {
      if (stored.is_object()) stored.erase(key);
    }
    (void)store.finishRun(*runId, outcome->cancelled() ? "cancelled" : "ok", storedJson(stored));
  } else {
    (void)store.finishRun(*runId, outcome.error().code == ErrorCode::Cancelled ? "cancelled" : "failed",
                          storedJson({{"error", outcome.error().message}}));
  }
  return outcome;
}

Result<StepResult> runStep(const std::string& name, const nlohmann::json& rawParams, job::JobContext& job,
                           const StepRunOptions& options) {
  const StepDefinition* step = findStep(name);
  if (step == nullptr) return makeError(ErrorCode::InvalidArgument, unknownStepMessage(name));
  if (step->needsProject && options.store == nullptr) {
    return makeError(ErrorCode::InvalidArgument, "step '" + name + "' runs on a project; none was given");
  }
  if (step->needsPluginHost && options.host == nullptr) {
    return makeError(ErrorCode::Internal, "step '" + name + "' needs a plugin host; none was given");
  }
  plugin::PluginHost* host = step->needsPluginHost ? &options.host->get() : nullptr;
  auto params = resolveStepParams(name, rawParams, host);
  if (!params) return params.error();

  auto work = [&](std::optional<std::int64_t> runId) -> Result<StepResult> {
    std::optional<StepHost::JobBinding> binding;
    if (options.host != nullptr) binding.emplace(options.host->bind(job));
    StepContext context{options.store, host, job, runId, options.provenance};
    try {
      return step->run(context, *params);
    } catch (const std::exception& error) {
      return makeError(ErrorCode::Internal, name + ": " + error.what());
    }
  };
  if (options.withinRun || options.store == nullptr) return work(options.withinRun);
  return runRecorded(*options.store, options.command.empty() ? name : options.command, *params,
                     [&](std::int64_t runId) { return work(runId); }, step->summaryKeysNotStored);
}

std::vector<std::string> describeStep(const StepDefinition& step, const StepResult& result) {
  std::vector<std::string> lines = {step.name + ": " + scalarSummary(result.summary)};
  if (!result.summary.is_object()) return lines;
  for (const char* key : {"notes", "warnings"}) {
    if (!result.summary.contains(key) || !result.summary.at(key).is_array()) continue;
    for (const auto& line : result.summary.at(key)) {
      const std::string text = line.is_string() ? line.get<std::string>()
                               : line.is_object() && line.contains("message") && line.at("message").is_string()
                                   ? line.at("message").get<std::string>()
                                   : std::string();
      if (text.empty()) continue;
      const bool worded = text.rfind("WARNING", 0) == 0 || text.rfind("note", 0) == 0;
      lines.push_back(std::string(key) == "warnings" && !worded ? "WARNING: " + text : text);
    }
  }
  return lines;
}

std::string unknownStepMessage(const std::string& name) {
  std::vector<std::string> known;
  for (const StepDefinition* step : allSteps()) known.push_back(step->name);
  return unknownNameMessage("step", name, known, "steps");
}

}  // namespace winnow::pipeline
