// Parameters of every augmenter capability, parsed from the JSON the host hands to create().
// The host validated the top level against the manifest's schema and filled its defaults; the
// defaults below repeat the manifest's so that chain steps (nested, not filled by the host) get
// the same values. Bad values throw AugmentFailure with a one-line message naming the key.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::augmenter_opencv {

enum class AugmentationKind {
  Invalid = 0,
  Rotate,
  HorizontalFlip,
  GaussianNoise,
  Blur,
  BrightnessContrast,
  RandomResizedCrop,
  JpegRecompress,
  Chain,
};

// The capability id ("rotate", "hflip", ...) of a kind, and back (Invalid when unknown).
const char* augmentationId(AugmentationKind kind);
AugmentationKind parseAugmentationId(const std::string& id);

// Messages reach the user as "augmenter_opencv: <message>".
class AugmentFailure : public winnow::sdk::Failure {
 public:
  AugmentFailure(winnow_status status, const std::string& message)
      : winnow::sdk::Failure(status, "augmenter_opencv: " + message) {}
};

struct Range {
  double low = 0.0;
  double high = 0.0;
};

struct ChainStep;

struct AugmentationSpec {
  AugmentationKind kind = AugmentationKind::Invalid;
  double maxDegrees = 15.0;            // rotate: angle uniform in [-max, max] degrees
  double flipProbability = 0.5;        // hflip
  Range noiseSigma{2.0, 10.0};         // gaussian_noise: sigma in pixel levels (0..255)
  Range blurSigma{0.5, 1.5};           // blur: Gaussian sigma in pixels
  int blurMaxKernel = 7;               // blur: kernel side cap (odd)
  Range brightness{-32.0, 32.0};       // brightness_contrast: added pixel levels
  Range contrast{0.8, 1.2};            // brightness_contrast: gain around mid-grey 128
  Range cropScale{0.6, 1.0};           // random_resized_crop: crop area / image area
  Range cropRatio{0.75, 4.0 / 3.0};    // random_resized_crop: crop width / height (log-uniform)
  Range jpegQuality{40.0, 90.0};       // jpeg_recompress: integer quality, inclusive
  std::vector<ChainStep> steps;        // chain
  bool ensureOne = true;               // chain: apply one random step when none was drawn
};

struct ChainStep {
  AugmentationSpec spec;
  double probability = 1.0;
};

// Parses params for the capability `kind`; "{}" or "" gives the defaults.
AugmentationSpec parseAugmentationParams(AugmentationKind kind, const char* paramsJson);
AugmentationSpec parseAugmentationParams(AugmentationKind kind, const nlohmann::json& params);

}  // namespace winnow::augmenter_opencv
