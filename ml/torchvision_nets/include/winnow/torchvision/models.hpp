// torchvision 0.14's ImageNet classifiers as torch::nn modules whose named_parameters() and
// named_buffers() keys equal torchvision's state_dict keys exactly (e.g. "layer1.0.conv1.weight",
// "features.0.0.weight", "features.denseblock1.denselayer1.norm1.weight"), so torchvision's
// published `.pth` files load with loadStateDictInto(). Inputs are float32 NCHW batches normalised
// the torchvision way (RGB in [0, 1], minus mean (0.485, 0.456, 0.406), divided by std
// (0.229, 0.224, 0.225)); the normalisation is the caller's.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "winnow/torchvision/state_dict.hpp"

namespace winnow::torchvision {

// A classifier split where torchvision's forward() enters its classification head, so the head can
// be replaced or retrained on top of the features (transfer learning).
class Backbone : public torch::nn::Module {
 public:
  // The classifier head's input: [N, featureDim()] for every architecture except squeezenet1_1,
  // whose head is convolutional and takes the [N, 512, h, w] map.
  virtual torch::Tensor features(const torch::Tensor& images) = 0;
  // Logits [N, numClasses] from features().
  virtual torch::Tensor classify(const torch::Tensor& features) = 0;
  // Channels of features().
  virtual std::int64_t featureDim() const = 0;
  // Equal to torchvision's model(images).
  torch::Tensor forward(const torch::Tensor& images) { return classify(features(images)); }
};

// The names makeBackbone() accepts, as in torchvision.models: resnet18, resnet50, mobilenet_v2,
// mobilenet_v3_small, mobilenet_v3_large, densenet121, squeezenet1_1, vgg16.
std::vector<std::string> backboneNames();

// A freshly initialised (not pretrained) network; load weights with loadStateDictInto(). Throws
// std::invalid_argument for an unknown name or numClasses < 1.
std::shared_ptr<Backbone> makeBackbone(const std::string& name, std::int64_t numClasses = 1000);

// torchvision's fix-up for checkpoints saved before its module renames, as its densenet loader
// applies to the published densenet weights: "...denselayerN.norm.1.weight" becomes
// "...denselayerN.norm1.weight" (likewise conv.1/2, norm.2 and running stats). Other keys are
// returned unchanged, so it is harmless on current checkpoints.
StateDict renameLegacyTorchvisionKeys(const StateDict& stateDict);

}  // namespace winnow::torchvision
