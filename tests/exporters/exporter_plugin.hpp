// Test-side access to one exporter capability of a built plugin, through the bare C ABI (dlopen +
// dlsym), independent of the real plugin host.
#pragma once

#include <memory>
#include <string>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::tests {

// Collects what a plugin reports through a winnow_error_sink during one call.
struct ErrorCapture {
  std::string message;
  int calls = 0;
  winnow_error_sink sink();
};

// A loaded plugin library; dlclose()d when destroyed (destroy every instance first).
class ExporterPlugin {
 public:
  // Loads WINNOW_PLUGIN_BUILD_DIR/<libraryFile> and finds capability `capabilityId`; on failure
  // returns null and sets *error.
  static std::unique_ptr<ExporterPlugin> load(const std::string& libraryFile,
                                              const std::string& capabilityId, std::string* error);
  ~ExporterPlugin();
  ExporterPlugin(const ExporterPlugin&) = delete;
  ExporterPlugin& operator=(const ExporterPlugin&) = delete;

  const winnow_plugin_info& info() const { return *info_; }
  const winnow_capability& capability() const { return *capability_; }
  const winnow_exporter_ops& ops() const {
    return *static_cast<const winnow_exporter_ops*>(capability_->ops);
  }

 private:
  ExporterPlugin() = default;
  void* library_ = nullptr;
  const winnow_plugin_info* info_ = nullptr;
  const winnow_capability* capability_ = nullptr;
};

// One exporter instance; destroy()ed when this goes out of scope. Each call stores the plugin's
// error message (empty on success) in lastError().
class ExporterInstance {
 public:
  ExporterInstance(const ExporterPlugin& plugin, const std::string& paramsJson);
  ~ExporterInstance();
  ExporterInstance(const ExporterInstance&) = delete;
  ExporterInstance& operator=(const ExporterInstance&) = delete;

  winnow_status createStatus() const { return createStatus_; }
  bool created() const { return instance_ != nullptr; }
  winnow_status begin(const winnow_export_begin_info& info);
  winnow_status writeSample(const winnow_export_sample* sample);
  winnow_status finish();
  void abort();
  const ErrorCapture& lastError() const { return error_; }

 private:
  const ExporterPlugin& plugin_;
  void* instance_ = nullptr;
  winnow_status createStatus_ = WINNOW_STATUS_ERROR;
  ErrorCapture error_;
};

}  // namespace winnow::tests
