// Runs one step of the step registry from the plugins panel on a worker thread, with progress and
// cancel. The step goes through core's pipeline::runStep, as `winnow <step>` and `winnow run` do:
// the same validation, the same run record (normalised params in the runs table), the same
// results. Cancel cancels the step's job, which the host's plugins also poll (StepHost), so a long
// plugin call (training, embedding) stops too.
//
// The step's warnings and errors, and its plugins' (records of the one logger, winnow/log/log.hpp,
// with origin Job or Plugin written while the step runs), are kept for the panel: the console is
// not where a workbench user looks.
//
// Thread safety: all members are called from the UI thread; the worker touches only the job
// context (atomic progress, cancel flag), the StepHost (thread-safe), and the result slot and the
// messages under a mutex. The worker opens its own connection to the project's store.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/log/log.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/util/result.hpp"

namespace winnow::workbench {

struct StepRequest {
  std::string step;  // a registered step: "quality", "dupes", ..., "export"
  nlohmann::json params = nlohmann::json::object();  // as the step's schema describes them (export: capability, output, params)
};

class StepRunner {
 public:
  StepRunner() = default;
  ~StepRunner();  // cancels and joins a running step
  StepRunner(const StepRunner&) = delete;
  StepRunner& operator=(const StepRunner&) = delete;

  // Starts the step; the host must outlive the run. Fails only when a step is already running:
  // parameter problems (messages naming the offending keys) come back through takeResult.
  Status start(const std::filesystem::path& projectDir, pipeline::StepHost& host, const StepRequest& request);
  bool running() const;
  void cancel();
  std::int64_t done() const { return job_ ? job_->done() : 0; }
  std::int64_t total() const { return job_ ? job_->total() : 0; }
  // The finished step's summary (its JSON form; "cancelled": true when cancelled) or error, once;
  // nullopt while running.
  std::optional<Result<nlohmann::json>> takeResult();
  // The running or last step's messages, as the console prints them; at most kMessagesKept, then
  // a count of the rest.
  std::vector<std::string> messages() const;
  static constexpr std::size_t kMessagesKept = 500;

 private:
  void keepMessage(const log::Record& record);

  std::unique_ptr<job::JobContext> job_;
  std::thread worker_;
  mutable std::mutex mutex_;
  bool running_ = false;
  std::optional<Result<nlohmann::json>> result_;
  std::vector<std::string> messages_;
  std::size_t messagesDropped_ = 0;
};

}  // namespace winnow::workbench
