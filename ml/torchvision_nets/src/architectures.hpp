// Constructors of the individual architectures behind makeBackbone().
#pragma once

#include <cstdint>
#include <memory>

#include "winnow/torchvision/models.hpp"

namespace winnow::torchvision::detail {

enum class ResNetDepth { R18, R50 };
enum class MobileNetV3Size { Small, Large };

std::shared_ptr<Backbone> makeResNet(ResNetDepth depth, std::int64_t numClasses);
std::shared_ptr<Backbone> makeMobileNetV2(std::int64_t numClasses);
std::shared_ptr<Backbone> makeMobileNetV3(MobileNetV3Size size, std::int64_t numClasses);
std::shared_ptr<Backbone> makeDenseNet121(std::int64_t numClasses);
std::shared_ptr<Backbone> makeSqueezeNet11(std::int64_t numClasses);
std::shared_ptr<Backbone> makeVgg16(std::int64_t numClasses);

}  // namespace winnow::torchvision::detail
