#include "winnow/workbench/step_runner.hpp"

#include "winnow/pipeline/step_registry.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::workbench {

namespace fs = std::filesystem;

namespace {

// On the worker thread: a store connection of its own, then the step.
Result<nlohmann::json> runOnProject(const fs::path& projectDir, pipeline::StepHost& host, const StepRequest& request,
                                    job::JobContext& job) {
  auto opened = store::ProjectStore::open(projectDir);
  if (!opened) return opened.error();
  pipeline::StepRunOptions options;
  options.store = opened->get();
  options.host = &host;
  options.provenance = {{"command", "winnow-workbench"}, {"step", request.step}, {"params", request.params}};
  auto result = pipeline::runStep(request.step, request.params, job, options);
  if (!result) return result.error();
  return std::move(result->summary);
}

}  // namespace

StepRunner::~StepRunner() {
  if (worker_.joinable()) {
    cancel();
    worker_.join();
  }
}

bool StepRunner::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void StepRunner::cancel() {
  if (job_) job_->cancel();
}

Status StepRunner::start(const fs::path& projectDir, pipeline::StepHost& host, const StepRequest& request) {
  if (running()) return makeError(ErrorCode::InvalidArgument, "a step is already running");
  if (worker_.joinable()) worker_.join();
  job_ = std::make_unique<job::JobContext>(job::ProgressStyle::Silent);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
    result_.reset();
    messages_.clear();
    messagesDropped_ = 0;
  }
  log::Subscription subscription = log::subscribe(log::Level::Warning, [this](const log::Record& record) {
    if (record.origin != log::Origin::Host) keepMessage(record);
  });
  worker_ = std::thread([this, projectDir, &host, request, subscription = std::move(subscription)]() mutable {
    Result<nlohmann::json> outcome = runOnProject(projectDir, host, request, *job_);
    subscription = log::Subscription();
    std::lock_guard<std::mutex> lock(mutex_);
    result_ = std::move(outcome);
    running_ = false;
  });
  return okStatus();
}

void StepRunner::keepMessage(const log::Record& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (messages_.size() < kMessagesKept) {
    messages_.push_back(log::describe(record));
  } else {
    ++messagesDropped_;
  }
}

std::vector<std::string> StepRunner::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out = messages_;
  if (messagesDropped_ > 0) out.push_back("... and " + std::to_string(messagesDropped_) + " more");
  return out;
}

std::optional<Result<nlohmann::json>> StepRunner::takeResult() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Result<nlohmann::json>> out;
  out.swap(result_);
  return out;
}

}  // namespace winnow::workbench
