#include <functional>
#include <map>
#include <regex>
#include <stdexcept>

#include "architectures.hpp"

namespace winnow::torchvision {
namespace {

using Factory = std::function<std::shared_ptr<Backbone>(std::int64_t)>;

const std::map<std::string, Factory>& factories() {
  using namespace detail;
  static const std::map<std::string, Factory> table = {
      {"resnet18", [](std::int64_t n) { return makeResNet(ResNetDepth::R18, n); }},
      {"resnet50", [](std::int64_t n) { return makeResNet(ResNetDepth::R50, n); }},
      {"mobilenet_v2", makeMobileNetV2},
      {"mobilenet_v3_small", [](std::int64_t n) { return makeMobileNetV3(MobileNetV3Size::Small, n); }},
      {"mobilenet_v3_large", [](std::int64_t n) { return makeMobileNetV3(MobileNetV3Size::Large, n); }},
      {"densenet121", makeDenseNet121},
      {"squeezenet1_1", makeSqueezeNet11},
      {"vgg16", makeVgg16}};
  return table;
}

}  // namespace

std::vector<std::string> backboneNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories()) {
    names.push_back(name);
  }
  return names;
}

std::shared_ptr<Backbone> makeBackbone(const std::string& name, std::int64_t numClasses) {
  const auto found = factories().find(name);
  if (found == factories().end()) {
    throw std::invalid_argument("unknown torchvision backbone '" + name + "'");
  }
  if (numClasses < 1) {
    throw std::invalid_argument("backbone '" + name + "': numClasses must be positive, got " +
                                std::to_string(numClasses));
  }
  return found->second(numClasses);
}

StateDict renameLegacyTorchvisionKeys(const StateDict& stateDict) {
  // The pattern of torchvision.models.densenet._load_state_dict.
  static const std::regex legacyDenseLayerKey(
      R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$)");
  StateDict renamed;
  for (const auto& [key, tensor] : stateDict) {
    std::smatch match;
    renamed[std::regex_match(key, match, legacyDenseLayerKey) ? match[1].str() + match[2].str() : key] = tensor;
  }
  return renamed;
}

}  // namespace winnow::torchvision
