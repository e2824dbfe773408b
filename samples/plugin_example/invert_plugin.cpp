// Entry file: declares the capability table and adapts the C ABI to invert.cpp. The params are
// JSON validated by the host with defaults filled in; this plugin only needs one boolean, so it
// looks for it by text instead of pulling in a JSON library.
#include <cstring>
#include <memory>

#include "invert.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

struct InvertParams {
  bool preserveAlpha = true;
};

winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                     winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    auto params = std::make_unique<InvertParams>();
    params->preserveAlpha = std::strstr(paramsJson, "\"preserve_alpha\":false") == nullptr;
    *out = params.release();
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<InvertParams*>(instance); }

winnow_status apply(void* instance, const winnow_image_view* input, uint64_t /*seed*/,
                    winnow_image_sink output, winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if (!winnow::sdk::isValidView(input)) {
      winnow::sdk::reportError(error, "example.invert: invalid input image");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    auto image = winnow::sdk::OwnedImage::copyOf(*input);
    example::invertInPlace(image, static_cast<const InvertParams*>(instance)->preserveAlpha);
    return winnow::sdk::putImage(output, image);
  });
}

const winnow_augmenter_ops kOps = {sizeof(winnow_augmenter_ops), apply};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_AUGMENTER, "example.invert", create, destroy,
     &kOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION,
                                  WINNOW_PLUGIN_API_LEVEL, "example.invert", "1.0.0", 1,
                                  kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
