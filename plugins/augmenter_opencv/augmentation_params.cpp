#include "augmentation_params.hpp"

#include <cmath>

namespace winnow::augmenter_opencv {
namespace {

struct KindName {
  AugmentationKind kind;
  const char* id;
};

constexpr KindName kKindNames[] = {
    {AugmentationKind::Rotate, "rotate"},
    {AugmentationKind::HorizontalFlip, "hflip"},
    {AugmentationKind::GaussianNoise, "gaussian_noise"},
    {AugmentationKind::Blur, "blur"},
    {AugmentationKind::BrightnessContrast, "brightness_contrast"},
    {AugmentationKind::RandomResizedCrop, "random_resized_crop"},
    {AugmentationKind::JpegRecompress, "jpeg_recompress"},
    {AugmentationKind::Chain, "chain"},
};

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT, where + ": " + message);
}

double number(const nlohmann::json& value, const std::string& where, double low, double high) {
  if (!value.is_number()) fail(where, "must be a number");
  const double result = value.get<double>();
  if (!std::isfinite(result) || result < low || result > high) {
    fail(where, "must be between " + std::to_string(low) + " and " + std::to_string(high));
  }
  return result;
}

Range range(const nlohmann::json& value, const std::string& where, double low, double high) {
  if (!value.is_array() || value.size() != 2) fail(where, "must be an array [min, max]");
  Range result{number(value[0], where + "/0", low, high), number(value[1], where + "/1", low, high)};
  if (result.low > result.high) fail(where, "min is greater than max");
  return result;
}

// The default chain: a mild, label-preserving mix for face photos.
std::vector<ChainStep> defaultChain() {
  std::vector<ChainStep> steps;
  auto add = [&](AugmentationKind kind, double probability) -> AugmentationSpec& {
    ChainStep step;
    step.spec.kind = kind;
    step.probability = probability;
    steps.push_back(step);
    return steps.back().spec;
  };
  add(AugmentationKind::HorizontalFlip, 0.5).flipProbability = 1.0;
  add(AugmentationKind::Rotate, 0.6).maxDegrees = 12.0;
  add(AugmentationKind::RandomResizedCrop, 0.5).cropScale = Range{0.8, 1.0};
  add(AugmentationKind::BrightnessContrast, 0.6);
  add(AugmentationKind::Blur, 0.2);
  add(AugmentationKind::GaussianNoise, 0.2);
  add(AugmentationKind::JpegRecompress, 0.3).jpegQuality = Range{50.0, 90.0};
  return steps;
}

}  // namespace

const char* augmentationId(AugmentationKind kind) {
  for (const auto& entry : kKindNames) {
    if (entry.kind == kind) return entry.id;
  }
  return "invalid";
}

AugmentationKind parseAugmentationId(const std::string& id) {
  for (const auto& entry : kKindNames) {
    if (id == entry.id) return entry.kind;
  }
  return AugmentationKind::Invalid;
}

AugmentationSpec parseAugmentationParams(AugmentationKind kind, const char* paramsJson) {
  if (paramsJson == nullptr || *paramsJson == '\0') {
    return parseAugmentationParams(kind, nlohmann::json::object());
  }
  const auto json = nlohmann::json::parse(paramsJson, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) fail(std::string("params of ") + augmentationId(kind), "not valid JSON");
  return parseAugmentationParams(kind, json);
}

AugmentationSpec parseAugmentationParams(AugmentationKind kind, const nlohmann::json& params) {
  const std::string prefix = std::string(augmentationId(kind)) + " params";
  if (!params.is_object()) fail(prefix, "must be a JSON object");
  AugmentationSpec spec;
  spec.kind = kind;
  bool hasSteps = false;
  for (const auto& [key, value] : params.items()) {
    const std::string where = prefix + "/" + key;
    if (kind == AugmentationKind::Rotate && key == "max_degrees") {
      spec.maxDegrees = number(value, where, 0.0, 180.0);
    } else if (kind == AugmentationKind::HorizontalFlip && key == "probability") {
      spec.flipProbability = number(value, where, 0.0, 1.0);
    } else if (kind == AugmentationKind::GaussianNoise && key == "sigma") {
      spec.noiseSigma = range(value, where, 0.0, 128.0);
    } else if (kind == AugmentationKind::Blur && key == "sigma") {
      spec.blurSigma = range(value, where, 0.0, 20.0);
    } else if (kind == AugmentationKind::Blur && key == "max_kernel") {
      spec.blurMaxKernel = static_cast<int>(number(value, where, 1.0, 61.0));
      if (spec.blurMaxKernel % 2 == 0) fail(where, "must be odd");
    } else if (kind == AugmentationKind::BrightnessContrast && key == "brightness") {
      spec.brightness = range(value, where, -255.0, 255.0);
    } else if (kind == AugmentationKind::BrightnessContrast && key == "contrast") {
      spec.contrast = range(value, where, 0.0, 4.0);
    } else if (kind == AugmentationKind::RandomResizedCrop && key == "scale") {
      spec.cropScale = range(value, where, 0.01, 1.0);
    } else if (kind == AugmentationKind::RandomResizedCrop && key == "ratio") {
      spec.cropRatio = range(value, where, 0.1, 10.0);
    } else if (kind == AugmentationKind::JpegRecompress && key == "quality") {
      spec.jpegQuality = range(value, where, 1.0, 100.0);
    } else if (kind == AugmentationKind::Chain && key == "ensure_one") {
      if (!value.is_boolean()) fail(where, "must be true or false");
      spec.ensureOne = value.get<bool>();
    } else if (kind == AugmentationKind::Chain && key == "steps") {
      hasSteps = true;
      if (!value.is_array()) fail(where, "must be an array");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const nlohmann::json& item = value[i];
        const std::string itemWhere = where + "/" + std::to_string(i);
        if (!item.is_object()) fail(itemWhere, "must be an object");
        if (!item.contains("augmenter") || !item["augmenter"].is_string()) {
          fail(itemWhere + "/augmenter", "required string");
        }
        const AugmentationKind stepKind = parseAugmentationId(item["augmenter"].get<std::string>());
        if (stepKind == AugmentationKind::Invalid || stepKind == AugmentationKind::Chain) {
          fail(itemWhere + "/augmenter", "unknown augmenter '" + item["augmenter"].get<std::string>() +
                                             "' (chains do not nest)");
        }
        ChainStep step;
        step.probability =
            item.contains("probability") ? number(item["probability"], itemWhere + "/probability", 0.0, 1.0)
                                         : 1.0;
        step.spec = parseAugmentationParams(
            stepKind, item.contains("params") ? item["params"] : nlohmann::json::object());
        for (const auto& [itemKey, itemValue] : item.items()) {
          (void)itemValue;
          if (itemKey != "augmenter" && itemKey != "probability" && itemKey != "params") {
            fail(itemWhere + "/" + itemKey, "unknown key");
          }
        }
        spec.steps.push_back(std::move(step));
      }
    } else {
      fail(where, "unknown parameter");
    }
  }
  if (kind == AugmentationKind::Chain && !hasSteps) spec.steps = defaultChain();
  return spec;
}

}  // namespace winnow::augmenter_opencv
