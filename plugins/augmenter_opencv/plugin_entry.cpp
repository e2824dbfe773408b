// Entry point of winnow_augmenter_opencv: the capability table and the C ABI edge (every
// exception becomes a status plus a one-line message). The logic lives in augmentation.cpp.
#include <new>
#include <string>

#include <opencv2/core.hpp>

#include "augmentation.hpp"
#include "augmentation_params.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

using winnow::augmenter_opencv::AugmentationKind;
using winnow::augmenter_opencv::AugmentationSpec;
using winnow::augmenter_opencv::AugmentFailure;

// OpenCV's exceptions as their short text (cv::Exception::what() spans several lines).
std::string describe(const std::exception& error) {
  if (const auto* opencv = dynamic_cast<const cv::Exception*>(&error)) return "OpenCV: " + opencv->err;
  return error.what();
}

// The SDK's one exception-to-status mapping (winnow::sdk::guardCall).
template <typename Fn>
winnow_status guarded(winnow_error_sink error, Fn&& fn) noexcept {
  static const winnow::sdk::GuardStyle style{"augmenter_opencv", &describe};
  return winnow::sdk::guardCall(error, style, std::forward<Fn>(fn));
}

template <AugmentationKind Kind>
winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** outInstance,
                     winnow_error_sink error) {
  if (outInstance == nullptr) {
    winnow::sdk::reportError(error, "augmenter_opencv: out_instance is null");
    return WINNOW_STATUS_INVALID_ARGUMENT;
  }
  *outInstance = nullptr;
  return guarded(error, [&] {
    *outInstance = new AugmentationSpec(winnow::augmenter_opencv::parseAugmentationParams(Kind, paramsJson));
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<AugmentationSpec*>(instance); }

int matTypeFor(const winnow_image_view& view) { return CV_8UC(view.channels); }

winnow_status apply(void* instance, const winnow_image_view* input, uint64_t seed,
                    winnow_image_sink output, winnow_error_sink error) {
  return guarded(error, [&] {
    if (instance == nullptr) {
      throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT, "instance is null");
    }
    if (!winnow::sdk::isValidView(input)) {
      throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT, "input image view is invalid");
    }
    if (output.put == nullptr) {
      throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT, "output sink has no put()");
    }
    const cv::Mat in(input->height, input->width, matTypeFor(*input),
                     const_cast<uint8_t*>(input->data), static_cast<size_t>(input->stride_bytes));
    const auto& spec = *static_cast<const AugmentationSpec*>(instance);
    cv::Mat result = winnow::augmenter_opencv::applyAugmentation(spec, in, seed);
    if (!result.isContinuous()) result = result.clone();
    if (result.rows != input->height || result.cols != input->width ||
        result.channels() != input->channels || result.depth() != CV_8U) {
      throw AugmentFailure(WINNOW_STATUS_ERROR, "internal: output shape differs from the input's");
    }
    winnow_image_view view{};
    view.struct_size = sizeof(view);
    view.format = input->format;
    view.width = result.cols;
    view.height = result.rows;
    view.channels = result.channels();
    view.stride_bytes = static_cast<int64_t>(result.step[0]);
    view.data = result.data;
    return output.put(output.context, &view);
  });
}

const winnow_augmenter_ops kAugmenterOps = {sizeof(winnow_augmenter_ops), apply};

#define WINNOW_AUGMENTER(kind, id) \
  {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_AUGMENTER, id, create<kind>, destroy, &kAugmenterOps}

const winnow_capability kCapabilities[] = {
    WINNOW_AUGMENTER(AugmentationKind::Rotate, "rotate"),
    WINNOW_AUGMENTER(AugmentationKind::HorizontalFlip, "hflip"),
    WINNOW_AUGMENTER(AugmentationKind::GaussianNoise, "gaussian_noise"),
    WINNOW_AUGMENTER(AugmentationKind::Blur, "blur"),
    WINNOW_AUGMENTER(AugmentationKind::BrightnessContrast, "brightness_contrast"),
    WINNOW_AUGMENTER(AugmentationKind::RandomResizedCrop, "random_resized_crop"),
    WINNOW_AUGMENTER(AugmentationKind::JpegRecompress, "jpeg_recompress"),
    WINNOW_AUGMENTER(AugmentationKind::Chain, "chain"),
};

#undef WINNOW_AUGMENTER

const winnow_plugin_info kPluginInfo = {
    sizeof(winnow_plugin_info),
    WINNOW_PLUGIN_ABI_VERSION,
    1u,  // needs only level-1 features (augmenter ops), so level-1 hosts load it too
    "winnow.augmenter.opencv",
    "0.1.0",
    sizeof(kCapabilities) / sizeof(kCapabilities[0]),
    kCapabilities,
};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
