// Runs one pipeline step from the plugins panel on a worker thread, with progress and cancel.
// The step is written as an ordinary pipeline file (<project>/cache/workbench-last-step.pipeline.json)
// and run through core's loadPipeline/runPipeline, exactly as `winnow run <that file>` would:
// the same validation, the same run record, the same results. The file stays for the CLI to rerun.
//
// Thread safety: all members are called from the UI thread; the worker touches only the job
// context (atomic progress, cancel flag) and the result slot under a mutex.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/util/result.hpp"

namespace winnow::workbench {

struct StepRequest {
  std::string run;         // "quality", "dupes", ..., or "export"
  std::string capability;  // export: the exporter id
  std::string output;      // export: output path (relative to the project folder)
  nlohmann::json params = nlohmann::json::object();
};

// The pipeline document for one step on the project (version 1, one step).
nlohmann::json singleStepPipeline(const std::filesystem::path& projectDir, const StepRequest& request);

class StepRunner {
 public:
  StepRunner() = default;
  ~StepRunner();  // cancels and joins a running step
  StepRunner(const StepRunner&) = delete;
  StepRunner& operator=(const StepRunner&) = delete;

  // Validates and starts the step; the host must outlive the run. Fails when a step is already
  // running or the pipeline does not validate (message names the offending keys).
  Status start(const std::filesystem::path& projectDir, plugin::PluginHost& host, const StepRequest& request);
  bool running() const;
  void cancel();
  std::int64_t done() const { return job_ ? job_->done() : 0; }
  std::int64_t total() const { return job_ ? job_->total() : 0; }
  // The finished step's report (runPipeline's JSON) or error, once; nullopt while running.
  std::optional<Result<nlohmann::json>> takeResult();

 private:
  std::unique_ptr<job::JobContext> job_;
  std::thread worker_;
  mutable std::mutex mutex_;
  bool running_ = false;
  std::optional<Result<nlohmann::json>> result_;
};

}  // namespace winnow::workbench
