// Entry file of winnow.augmenter.opencv: each manifest capability as the SDK's typed augmenter
// capability; the augmentations themselves live in augmentation.cpp. The plugin's identity and
// capability ids come from its manifest (winnow_plugin_manifest.h).
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include <opencv2/core.hpp>

#include "augmentation.hpp"
#include "augmentation_params.hpp"
#include "winnow/sdk/augmenter_capability.hpp"
#include "winnow/sdk/opencv_view.hpp"
#include "winnow_plugin_manifest.h"

namespace {

using winnow::augmenter_opencv::AugmentationKind;
using winnow::augmenter_opencv::AugmentationSpec;
using winnow::augmenter_opencv::AugmentFailure;

constexpr const char* kCapabilityIds[] = {
    WINNOW_MANIFEST_CAPABILITY_0_ID, WINNOW_MANIFEST_CAPABILITY_1_ID, WINNOW_MANIFEST_CAPABILITY_2_ID,
    WINNOW_MANIFEST_CAPABILITY_3_ID, WINNOW_MANIFEST_CAPABILITY_4_ID, WINNOW_MANIFEST_CAPABILITY_5_ID,
    WINNOW_MANIFEST_CAPABILITY_6_ID, WINNOW_MANIFEST_CAPABILITY_7_ID,
};

AugmentationKind kindNamed(const char* capabilityId) {
  const AugmentationKind kind = winnow::augmenter_opencv::parseAugmentationId(capabilityId);
  if (kind == AugmentationKind::Invalid) {
    throw AugmentFailure(WINNOW_STATUS_ERROR, std::string("the manifest's capability '") + capabilityId +
                                                  "' names no augmentation of this plugin");
  }
  return kind;
}

// The manifest's capability `Index`: its id names the augmentation (parseAugmentationId), so the
// table cannot pair an id with another augmentation.
template <std::size_t Index>
class Augmenter {
 public:
  Augmenter(const winnow::sdk::Params& params, const winnow_host_api* /*host*/)
      : spec_(winnow::augmenter_opencv::parseAugmentationParams(kindNamed(kCapabilityIds[Index]), params.json())) {}

  winnow::sdk::OwnedImage apply(const winnow_image_view& input, std::uint64_t seed) const {
    const cv::Mat in = winnow::sdk::matOverView(input);
    cv::Mat result;
    try {
      result = winnow::augmenter_opencv::applyAugmentation(spec_, in, seed);
    } catch (const cv::Exception& error) {
      // cv::Exception::what() spans several lines; its short text is what the user reads.
      throw AugmentFailure(WINNOW_STATUS_ERROR, "OpenCV: " + error.err);
    }
    if (result.rows != input.height || result.cols != input.width || result.channels() != input.channels ||
        result.depth() != CV_8U) {
      throw AugmentFailure(WINNOW_STATUS_ERROR, "internal: output shape differs from the input's");
    }
    if (!result.isContinuous()) result = result.clone();
    winnow::sdk::OwnedImage output;
    output.width = result.cols;
    output.height = result.rows;
    output.format = input.format;
    output.pixels.assign(result.datastart, result.dataend);
    return output;
  }

 private:
  AugmentationSpec spec_;
};

template <std::size_t Index>
winnow_capability augmenter() {
  return winnow::sdk::augmenterCapability<Augmenter<Index>>(kCapabilityIds[Index]);
}

const winnow_capability kCapabilities[] = {augmenter<0>(), augmenter<1>(), augmenter<2>(), augmenter<3>(),
                                           augmenter<4>(), augmenter<5>(), augmenter<6>(), augmenter<7>()};
static_assert(std::size(kCapabilities) == std::size(kCapabilityIds), "one table entry per manifest capability");
const winnow_plugin_info kInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                         WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                              winnow_error_sink /*error*/) {
  return &kInfo;
}
