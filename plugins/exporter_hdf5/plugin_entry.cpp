// Entry point of winnow_exporter_hdf5: declares the capability table. All logic lives in
// Hdf5DatasetWriter; the SDK's exporter trampolines hold it to the exporter contract. The identity
// comes from the manifest (winnow_plugin_manifest.h).
#include "hdf5_dataset_writer.hpp"
#include "winnow/sdk/exporter_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

using winnow::exporter_hdf5::Hdf5DatasetWriter;

const winnow_capability kCapabilities[] = {
    winnow::sdk::exporterCapability<Hdf5DatasetWriter>(WINNOW_MANIFEST_CAPABILITY_0_ID)};

const winnow_plugin_info kPluginInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                               WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
