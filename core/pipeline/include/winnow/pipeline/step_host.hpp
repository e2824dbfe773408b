// The plugin host that steps run with (runStep, runPipeline, the workbench's step runner).
//
// Built on first use: a step that needs no plugin (dupes, split, quality, ...) never has one built,
// so it never reads a manifest. A host's HostServices are fixed when it is built, but one host runs
// many jobs; so the host's cancellation poll (HostServices::isCancelled, which plugins call during
// long calls: training epochs, embedding batches) reads the job bound here, and runStep binds the
// step's job for as long as the step runs. Cancelling that job (the workbench's Cancel, Ctrl-C)
// therefore stops a long plugin call too, not only the step's own loop between items.
//
// Thread safety: get() and bind() may be called from any thread; the poll is called from any
// thread, concurrently with bind() and the binding's end. One step at a time per StepHost: a
// binding made while another is alive replaces it until it ends (then the earlier one is back).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/host_services.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow::pipeline {

class StepHost {
 public:
  // Builds a host with the services it is given (they carry the cancellation poll) and discovers
  // its plugins. Called at most once, by the first get().
  using BuildHost = std::function<plugin::PluginHost(plugin::HostServices services)>;

  // `services`: the log callback, and the poll used while no job is bound (empty: never cancelled).
  explicit StepHost(BuildHost build, plugin::HostServices services = {});
  ~StepHost();
  StepHost(const StepHost&) = delete;
  StepHost& operator=(const StepHost&) = delete;

  plugin::PluginHost& get();
  bool built() const;

  // While the returned binding lives, the plugins' cancellation poll answers job.cancelled().
  // `job` must outlive the binding.
  class JobBinding {
   public:
    JobBinding(JobBinding&& other) noexcept;
    JobBinding& operator=(JobBinding&&) = delete;
    JobBinding(const JobBinding&) = delete;
    JobBinding& operator=(const JobBinding&) = delete;
    ~JobBinding();

   private:
    friend class StepHost;
    struct Slot;
    JobBinding(std::shared_ptr<Slot> slot, const job::JobContext* previous);
    std::shared_ptr<Slot> slot_;
    const job::JobContext* previous_ = nullptr;
  };
  [[nodiscard]] JobBinding bind(const job::JobContext& job);

 private:
  std::shared_ptr<JobBinding::Slot> slot_;
  BuildHost build_;
  plugin::HostServices services_;
  mutable std::mutex mutex_;
  std::unique_ptr<plugin::PluginHost> host_;
};

}  // namespace winnow::pipeline
