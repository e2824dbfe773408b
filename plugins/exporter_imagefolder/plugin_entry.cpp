// Entry point of winnow_exporter_imagefolder: declares the capability table. All logic lives in
// ImageFolderWriter; the SDK's exporter trampolines hold it to the exporter contract. The identity
// comes from the manifest (winnow_plugin_manifest.h).
#include "image_folder_writer.hpp"
#include "winnow/sdk/exporter_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

using winnow::exporter_imagefolder::ImageFolderWriter;

const winnow_capability kCapabilities[] = {
    winnow::sdk::exporterCapability<ImageFolderWriter>(WINNOW_MANIFEST_CAPABILITY_0_ID)};

const winnow_plugin_info kPluginInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                               WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
