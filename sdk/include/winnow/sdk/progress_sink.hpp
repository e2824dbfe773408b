// ProgressSink: progress, step lines and cancellation of a long capability call, over the host's
// winnow_progress_sink and is_cancelled. The model kind's train and evaluate receive one.
#pragma once

#include <cstdint>
#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::sdk {

// Progress and cancellation of a long model call (train, evaluate). Valid during that call only;
// use it from the calling thread.
class ProgressSink {
 public:
  ProgressSink(winnow_progress_sink sink, const winnow_host_api* host) noexcept : sink_(sink), host_(host) {}

  // Work done out of total (any unit) in a short stage ("epoch 3/10").
  void report(std::uint64_t done, std::uint64_t total, const std::string& stage) const noexcept {
    if (sink_.report != nullptr) sink_.report(sink_.context, done, total, stage.c_str());
  }
  // One finished step for people, e.g. an epoch's metrics.
  void line(const std::string& text) const noexcept {
    if (sink_.line != nullptr) sink_.line(sink_.context, text.c_str());
  }
  // True once the host asked to cancel: stop, keeping what the call promises to keep (train: the
  // last checkpoint), and throw Cancelled; the trampoline answers WINNOW_STATUS_CANCELLED.
  bool cancelled() const noexcept { return isCancelled(host_); }

 private:
  winnow_progress_sink sink_;
  const winnow_host_api* host_;
};

}  // namespace winnow::sdk
