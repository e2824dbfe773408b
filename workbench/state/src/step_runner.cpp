#include "winnow/workbench/step_runner.hpp"

#include <system_error>

#include "winnow/pipeline/pipeline.hpp"
#include "winnow/util/atomic_file.hpp"

namespace winnow::workbench {

namespace fs = std::filesystem;

nlohmann::json singleStepPipeline(const fs::path& projectDir, const StepRequest& request) {
  nlohmann::json step = {{"run", request.run}, {"params", request.params}};
  if (!request.capability.empty()) step["capability"] = request.capability;
  if (!request.output.empty()) step["output"] = (projectDir / request.output).string();
  return {{"version", 1},
          {"name", "workbench " + request.run},
          {"project", fs::absolute(projectDir).string()},
          {"steps", nlohmann::json::array({step})}};
}

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

Status StepRunner::start(const fs::path& projectDir, plugin::PluginHost& host, const StepRequest& request) {
  if (running()) return makeError(ErrorCode::InvalidArgument, "a step is already running");
  if (worker_.joinable()) worker_.join();
  const fs::path file = projectDir / "cache" / "workbench-last-step.pipeline.json";
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return makeError(ErrorCode::Io, file.parent_path().string() + ": " + ec.message());
  if (Status written = writeFileAtomically(file, singleStepPipeline(projectDir, request).dump(2) + "\n"); !written) {
    return written.error();
  }
  auto loaded = pipeline::loadPipeline(file, host);
  if (!loaded) return loaded.error();
  job_ = std::make_unique<job::JobContext>(job::ProgressStyle::Silent);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
    result_.reset();
  }
  worker_ = std::thread([this, &host, pipeline = std::move(loaded.value())] {
    Result<nlohmann::json> outcome = pipeline::runPipeline(pipeline, host, *job_);
    std::lock_guard<std::mutex> lock(mutex_);
    result_ = std::move(outcome);
    running_ = false;
  });
  return okStatus();
}

std::optional<Result<nlohmann::json>> StepRunner::takeResult() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Result<nlohmann::json>> out;
  out.swap(result_);
  return out;
}

}  // namespace winnow::workbench
