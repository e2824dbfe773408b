#include "winnow/pipeline/step_host.hpp"

#include <utility>

namespace winnow::pipeline {

// What the host's poll reads: the bound job, else the poll the owner gave. Shared with the
// services' callback, so it outlives a StepHost whose plugins still hold the services.
struct StepHost::JobBinding::Slot {
  std::mutex mutex;
  const job::JobContext* job = nullptr;
  std::function<bool()> unboundPoll;

  bool cancelled() {
    std::lock_guard<std::mutex> lock(mutex);
    if (job != nullptr) return job->cancelled();
    return unboundPoll ? unboundPoll() : false;
  }
};

StepHost::JobBinding::JobBinding(std::shared_ptr<Slot> slot, const job::JobContext* previous)
    : slot_(std::move(slot)), previous_(previous) {}

StepHost::JobBinding::JobBinding(JobBinding&& other) noexcept
    : slot_(std::move(other.slot_)), previous_(other.previous_) {}

StepHost::JobBinding::~JobBinding() {
  if (!slot_) return;
  std::lock_guard<std::mutex> lock(slot_->mutex);
  slot_->job = previous_;
}

StepHost::StepHost(BuildHost build, plugin::HostServices services)
    : slot_(std::make_shared<JobBinding::Slot>()), build_(std::move(build)), services_(std::move(services)) {
  slot_->unboundPoll = std::move(services_.isCancelled);
  services_.isCancelled = [slot = slot_] { return slot->cancelled(); };
}

StepHost::~StepHost() = default;

plugin::PluginHost& StepHost::get() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!host_) {
    host_ = std::make_unique<plugin::PluginHost>(build_ ? build_(services_) : plugin::PluginHost(services_));
  }
  return *host_;
}

bool StepHost::built() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return host_ != nullptr;
}

StepHost::JobBinding StepHost::bind(const job::JobContext& job) {
  std::lock_guard<std::mutex> lock(slot_->mutex);
  const job::JobContext* previous = slot_->job;
  slot_->job = &job;
  return JobBinding(slot_, previous);
}

}  // namespace winnow::pipeline
