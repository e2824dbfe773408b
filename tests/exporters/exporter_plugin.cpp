#include "exporter_plugin.hpp"

#include <dlfcn.h>

#include <cstring>

namespace winnow::tests {
namespace {

void captureError(void* context, const char* message) {
  auto* capture = static_cast<ErrorCapture*>(context);
  ++capture->calls;
  capture->message = message == nullptr ? "(null message)" : message;
}

// A host without log or cancel services; static because plugins may keep the pointer.
const winnow_host_api& testHostApi() {
  static const winnow_host_api host = {sizeof(winnow_host_api), WINNOW_PLUGIN_API_LEVEL, nullptr,
                                       nullptr, nullptr};
  return host;
}

}  // namespace

winnow_error_sink ErrorCapture::sink() {
  message.clear();
  calls = 0;
  return winnow_error_sink{this, captureError};
}

std::unique_ptr<ExporterPlugin> ExporterPlugin::load(const std::string& libraryFile,
                                                     const std::string& capabilityId,
                                                     std::string* error) {
  const std::string path = std::string(WINNOW_PLUGIN_BUILD_DIR) + "/" + libraryFile;
  std::unique_ptr<ExporterPlugin> plugin(new ExporterPlugin());
  plugin->library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (plugin->library_ == nullptr) {
    *error = std::string("dlopen ") + path + ": " + dlerror();
    return nullptr;
  }
  auto init = reinterpret_cast<winnow_plugin_init_v1_fn>(
      dlsym(plugin->library_, WINNOW_PLUGIN_ENTRY_POINT));
  if (init == nullptr) {
    *error = path + ": no " WINNOW_PLUGIN_ENTRY_POINT;
    return nullptr;
  }
  ErrorCapture capture;
  plugin->info_ = init(&testHostApi(), capture.sink());
  if (plugin->info_ == nullptr) {
    *error = path + ": init failed: " + capture.message;
    return nullptr;
  }
  for (uint32_t i = 0; i < plugin->info_->capability_count; ++i) {
    const winnow_capability& capability = plugin->info_->capabilities[i];
    if (capability.id != nullptr && capabilityId == capability.id) {
      plugin->capability_ = &capability;
    }
  }
  if (plugin->capability_ == nullptr) {
    *error = path + ": no capability " + capabilityId;
    return nullptr;
  }
  return plugin;
}

ExporterPlugin::~ExporterPlugin() {
  if (library_ != nullptr) dlclose(library_);
}

ExporterInstance::ExporterInstance(const ExporterPlugin& plugin, const std::string& paramsJson)
    : plugin_(plugin) {
  createStatus_ =
      plugin_.capability().create(paramsJson.c_str(), &testHostApi(), &instance_, error_.sink());
}

ExporterInstance::~ExporterInstance() {
  if (instance_ != nullptr) plugin_.capability().destroy(instance_);
}

winnow_status ExporterInstance::begin(const winnow_export_begin_info& info) {
  return plugin_.ops().begin(instance_, &info, error_.sink());
}

winnow_status ExporterInstance::writeSample(const winnow_export_sample* sample) {
  return plugin_.ops().write_sample(instance_, sample, error_.sink());
}

winnow_status ExporterInstance::finish() { return plugin_.ops().finish(instance_, error_.sink()); }

void ExporterInstance::abort() { plugin_.ops().abort(instance_); }

}  // namespace winnow::tests
