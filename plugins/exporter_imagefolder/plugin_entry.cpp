// Entry point of winnow_exporter_imagefolder: declares the capability table and turns exceptions into
// statuses. All logic lives in ImageFolderWriter.
// Hand-written ops, not sdk::exporterCapability: the SDK's trampoline ends an export at its first
// failed call and words phase and count errors its own way, while ImageFolderWriter rejects a bad
// sample with INVALID_ARGUMENT and goes on (tests/exporters check both). The identity comes from
// the manifest (winnow_plugin_manifest.h).
#include <iterator>
#include <new>
#include <opencv2/core.hpp>
#include <string>

#include "export_failure.hpp"
#include "image_folder_writer.hpp"
#include "image_folder_params.hpp"
#include "winnow/sdk/capability.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"
#include "winnow_plugin_manifest.h"

namespace {

using winnow::exporter_imagefolder::ExportFailure;
using winnow::exporter_imagefolder::ImageFolderWriter;

// OpenCV's exceptions as their short text (cv::Exception::what() spans several lines).
std::string describe(const std::exception& error) {
  if (const auto* opencv = dynamic_cast<const cv::Exception*>(&error)) return "OpenCV: " + opencv->err;
  return error.what();
}

// The SDK's one exception-to-status mapping (winnow::sdk::guardCall).
template <typename Fn>
winnow_status guarded(winnow_error_sink error, Fn&& fn) noexcept {
  static const winnow::sdk::GuardStyle style{"imagefolder exporter", &describe};
  return winnow::sdk::guardCall(error, style, [&] {
    fn();
    return WINNOW_STATUS_OK;
  });
}

ImageFolderWriter* writerOf(void* instance) {
  if (instance == nullptr) {
    throw ExportFailure(WINNOW_STATUS_INVALID_ARGUMENT, "imagefolder exporter: instance is null");
  }
  return static_cast<ImageFolderWriter*>(instance);
}

winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** outInstance,
                     winnow_error_sink error) {
  if (outInstance == nullptr) {
    winnow::sdk::reportError(error, "imagefolder exporter: out_instance is null");
    return WINNOW_STATUS_INVALID_ARGUMENT;
  }
  *outInstance = nullptr;
  return guarded(error, [&] {
    *outInstance = new ImageFolderWriter(winnow::exporter_imagefolder::parseImageFolderParams(paramsJson));
  });
}

void destroy(void* instance) { delete static_cast<ImageFolderWriter*>(instance); }

winnow_status begin(void* instance, const winnow_export_begin_info* info,
                    winnow_error_sink error) {
  return guarded(error, [&] {
    if (info == nullptr) {
      throw ExportFailure(WINNOW_STATUS_INVALID_ARGUMENT, "imagefolder exporter: begin info is null");
    }
    writerOf(instance)->begin(*info);
  });
}

winnow_status writeSample(void* instance, const winnow_export_sample* sample,
                          winnow_error_sink error) {
  return guarded(error, [&] {
    if (sample == nullptr) {
      throw ExportFailure(WINNOW_STATUS_INVALID_ARGUMENT, "imagefolder exporter: sample is null");
    }
    writerOf(instance)->writeSample(*sample);
  });
}

winnow_status finish(void* instance, winnow_error_sink error) {
  return guarded(error, [&] { writerOf(instance)->finish(); });
}

void abortExport(void* instance) {
  if (instance != nullptr) static_cast<ImageFolderWriter*>(instance)->abort();
}

const winnow_exporter_ops kExporterOps = {
    sizeof(winnow_exporter_ops), begin, writeSample, finish, abortExport,
};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_EXPORTER, WINNOW_MANIFEST_CAPABILITY_0_ID, create, destroy,
     &kExporterOps},
};

const winnow_plugin_info kPluginInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                               WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
