// Entry point of winnow_exporter_imagefolder: declares the capability table and turns exceptions into
// statuses. All logic lives in ImageFolderWriter.
#include <new>
#include <opencv2/core.hpp>
#include <string>

#include "export_failure.hpp"
#include "image_folder_writer.hpp"
#include "image_folder_params.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace {

using winnow::exporter_imagefolder::ExportFailure;
using winnow::exporter_imagefolder::ImageFolderWriter;

void reportError(winnow_error_sink sink, std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (sink.set_error != nullptr) sink.set_error(sink.context, message.c_str());
}

template <typename Fn>
winnow_status guarded(winnow_error_sink error, Fn&& fn) noexcept {
  try {
    fn();
    return WINNOW_STATUS_OK;
  } catch (const ExportFailure& failure) {
    reportError(error, failure.what());
    return failure.status();
  } catch (const cv::Exception& failure) {
    reportError(error, std::string("imagefolder exporter: OpenCV: ") + failure.err);
  } catch (const std::bad_alloc&) {
    reportError(error, "imagefolder exporter: out of memory");
  } catch (const std::exception& failure) {
    reportError(error, std::string("imagefolder exporter: ") + failure.what());
  } catch (...) {
    reportError(error, "imagefolder exporter: unknown internal error");
  }
  return WINNOW_STATUS_ERROR;
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
    reportError(error, "imagefolder exporter: out_instance is null");
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
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_EXPORTER, "imagefolder", create, destroy,
     &kExporterOps},
};

const winnow_plugin_info kPluginInfo = {
    sizeof(winnow_plugin_info),
    WINNOW_PLUGIN_ABI_VERSION,
    WINNOW_PLUGIN_API_LEVEL,
    "winnow.exporter.imagefolder",
    "0.1.0",
    sizeof(kCapabilities) / sizeof(kCapabilities[0]),
    kCapabilities,
};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
