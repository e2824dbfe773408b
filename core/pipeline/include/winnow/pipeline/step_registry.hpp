// The step registry: every step (ingest, detect, dupes, ..., export, train) is declared once, as a
// StepDefinition (its name, parameter schema and run function), and everything that runs or lists
// steps reads it: runStep below (what the CLI's step commands, the pipeline runner and the
// workbench call), loadPipeline's validation, the workbench's step list, `winnow run`'s step
// names. core_steps.cpp holds the core steps' declarations; registerStep adds one more (a test, a
// sample, an embedding application) and nothing else has to change. docs/architecture.md,
// "Adding a step", shows a whole declaration.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/config/json_schema.hpp"
#include "winnow/job/job_context.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::pipeline {

// What a step's run function gets besides its params.
struct StepContext {
  store::ProjectStore* store = nullptr;  // the project; null only for a step with needsProject false
                                         // run outside one (`winnow train`, `winnow evaluate`)
  plugin::PluginHost* host = nullptr;    // null for a step with needsPluginHost false
  job::JobContext& job;                  // progress, messages, cancellation (also bound to host's plugins)
  std::optional<std::int64_t> runId;     // the run the step's decisions and bad files belong to
  const nlohmann::json& provenance;      // what started the step: the pipeline document, or the command
};

// A finished step: its JSON form (--json output, the pipeline report, the runs table) and, where
// the step has one, its typed result (ingest: ingest::IngestSummary, export:
// exporting::ExportSummary, stats: store::ProjectStats) for callers that print it.
struct StepResult {
  StepResult() = default;
  StepResult(nlohmann::json summaryJson) : summary(std::move(summaryJson)) {}  // NOLINT(google-explicit-constructor)
  StepResult(nlohmann::json summaryJson, std::any typed) : summary(std::move(summaryJson)), value(std::move(typed)) {}

  nlohmann::json summary = nlohmann::json::object();
  std::any value;

  // True when the summary says the job was cancelled part-way (committed work is kept).
  bool cancelled() const {
    const auto found = summary.find("cancelled");
    return found != summary.end() && found->is_boolean() && found->get<bool>();
  }
  // The typed result; throws std::bad_any_cast when the step has none of type T (a caller's bug).
  template <typename T>
  const T& typed() const {
    return std::any_cast<const T&>(value);
  }
};

using StepFunction = std::function<Result<StepResult>(StepContext& context, const nlohmann::json& params)>;

struct StepDefinition {
  std::string name;         // what `run` names in a pipeline, and the CLI command's name
  std::string description;  // one line
  // The parameter schema (draft-07): a file under schemas/ ("steps/dupes.schema.json"), or the
  // schema itself as JSON text (starting with '{'). Its defaults are the only defaults.
  std::string schema;
  bool needsPluginHost = false;  // false: no host is built for it
  bool needsProject = true;      // false: may also run outside a project (nothing is recorded then)
  // Params naming files or folders: in a pipeline they are relative to the pipeline's folder.
  std::vector<std::string> pathParams;
  // Pipelines: the step's params are the step object's own fields (export: capability, output,
  // split, ..., and params, the exporter's) instead of its "params" object.
  bool paramsAreStepFields = false;
  // Summary keys the runs table leaves out (long lists; --json output still has them).
  std::vector<std::string> summaryKeysNotStored;
  // Rules the schema cannot state, run on schema-valid params with defaults filled; may fill more
  // (export: the exporter's defaults). Pointers are relative to params. Optional.
  std::function<std::vector<config::SchemaViolation>(nlohmann::json& params, const plugin::PluginHost* host)> check;
  StepFunction run;
  // The messages a pipeline prints for the finished step. Optional; default: describeStep's.
  std::function<std::vector<std::string>(const StepResult& result)> describe;
};

// Adds a step. Fails (InvalidArgument) when the name is taken or empty, there is no run function,
// or the schema (inline text) does not compile. Thread-safe.
Status registerStep(StepDefinition step);
// nullptr when no step has that name. Pointers stay valid for the life of the process.
const StepDefinition* findStep(const std::string& name);
// Every step, core steps first in pipeline order, then registered ones in registration order.
std::vector<const StepDefinition*> allSteps();
// The step's compiled schema (files are read once and cached).
const Result<config::JsonSchema>& stepSchema(const StepDefinition& step);

// Every violation of params against the step's schema and its check (pointers relative to
// params), and the params with defaults filled when there is none. The one validation of step
// parameters: runStep, loadPipeline and the operation functions (dedupe::runDupes, ...) all use it.
struct CheckedParams {
  std::vector<config::SchemaViolation> violations;
  nlohmann::json params;  // normalised: validated, defaults filled (only when violations is empty)
};
Result<CheckedParams> checkStepParams(const StepDefinition& step, const nlohmann::json& params,
                                      const plugin::PluginHost* host = nullptr);
// checkStepParams as one result: the normalised params, or a Schema error of one line,
// "<step>: params/<key>: <reason>; ...". Resolving normalised params again changes nothing, so the
// operation functions may resolve what runStep already resolved. Unknown step: InvalidArgument.
Result<nlohmann::json> resolveStepParams(const std::string& stepName, const nlohmann::json& params,
                                         const plugin::PluginHost* host = nullptr);

// How runStep runs a step.
struct StepRunOptions {
  store::ProjectStore* store = nullptr;  // required unless the step has needsProject false
  StepHost* host = nullptr;              // required when the step needsPluginHost; built on first use
  // Without withinRun, the step is recorded as a run of its own in the runs table: `command`
  // (default: the step's name) with the normalised params. With it, the step belongs to that run
  // (a pipeline's) and records nothing itself. Outside a project nothing is recorded.
  std::string command;
  std::optional<std::int64_t> withinRun;
  nlohmann::json provenance = nlohmann::json::object();
};

// Resolves the params once (checkStepParams; a violation is a Schema error and nothing is
// recorded), records the run, binds the job to the host's plugins' cancellation poll, runs the
// step and finishes the run: "ok", "cancelled" (summary "cancelled": true, or a Cancelled error)
// or "failed" ({"error": message}); the summary stored leaves out summaryKeysNotStored. An
// exception from the step becomes an Internal error. Unknown step: InvalidArgument with the known
// names (and "did you mean").
Result<StepResult> runStep(const std::string& name, const nlohmann::json& rawParams, job::JobContext& job,
                           const StepRunOptions& options);

// Runs `work` inside a recorded run: beginRun(command, params) first (a failure is returned and
// `work` does not run), then finishRun as runStep does. The bookkeeping of runStep, and of the
// CLI's commands that are not steps (identities, suggest, accept).
Result<StepResult> runRecorded(store::ProjectStore& store, const std::string& command, const nlohmann::json& params,
                               const std::function<Result<StepResult>(std::int64_t runId)>& work,
                               const std::vector<std::string>& summaryKeysNotStored = {});

// "<name>: key=value, ..." of the summary's top-level scalars, then its "notes" and "warnings"
// (strings, or objects with a "message"), one message each; a warning not worded as one gets
// "WARNING: " in front. What a pipeline prints for a step without its own describe.
std::vector<std::string> describeStep(const StepDefinition& step, const StepResult& result);

// "unknown step 'x' (did you mean 'y'?); steps: a, b, ..." for messages that name a wrong step.
std::string unknownStepMessage(const std::string& name);

}  // namespace winnow::pipeline
