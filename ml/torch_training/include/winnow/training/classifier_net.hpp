// The classifier winnow trains: a backbone (a torchvision ImageNet architecture with torchvision's
// parameter names, face-api's 128-d face-recognition ResNet, or a small CNN from scratch) followed
// by a configurable head (hidden Linear + ReLU + Dropout layers, then Linear to the classes).
//
// Tensor names (namedState) are "backbone.<torchvision name>" and "head.<i>.weight|bias"; the
// torchvision classifier the head replaces ("fc." for ResNets, "classifier." otherwise) is not
// part of the state.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::faceapi {
class FaceRecognitionNet;
}
namespace winnow::torchvision {
class Backbone;
}

namespace winnow::training {

enum class BackboneKind { Invalid = 0, Torchvision, FaceRecognition, SmallCnn };

// The architecture: enough to rebuild the network before loading its tensors.
struct NetSpec {
  std::string backbone;                 // torchvision name, "faceapi_recognition" or "small_cnn"
  std::vector<std::int64_t> headHidden;
  double headDropout = 0.0;
  std::int64_t classCount = 0;
  std::int64_t inputSize = 0;           // side of the square network input
  nlohmann::json toJson() const;
  static NetSpec fromJson(const nlohmann::json& json);  // throws std::invalid_argument
};

using NamedTensors = std::map<std::string, torch::Tensor>;

// The names accepted as NetSpec::backbone.
std::vector<std::string> classifierBackboneNames();
BackboneKind backboneKindOf(const std::string& name);  // Invalid when unknown

class ClassifierNet : public torch::nn::Module {
 public:
  // A freshly initialised network on `device`. Throws std::invalid_argument for an unknown
  // backbone, classCount < 2 or a bad input size.
  ClassifierNet(const NetSpec& spec, torch::Device device);
  ~ClassifierNet() override;

  const NetSpec& spec() const { return spec_; }
  BackboneKind kind() const { return kind_; }
  torch::Device device() const { return device_; }

  // Pretrained backbone weights: a torchvision .pth state dict, or for the face backbone the
  // folder holding face-api's face_recognition_model-weights_manifest.json ("" = the default the
  // caller resolved). Throws std::runtime_error naming the file.
  void loadPretrainedBackbone(const std::string& weights);

  // uint8 NHWC (C = 1 or 3) on any device -> float NCHW RGB in [0, 1] on this net's device, in
  // channels-last memory format.
  torch::Tensor toUnitRange(const torch::Tensor& imagesNhwc) const;
  // [0, 1] NCHW -> the backbone's input: resized to inputSize and normalised its way (ImageNet
  // mean/std for torchvision and the small CNN; 0..255 for the face ResNet, which subtracts its own
  // mean).
  torch::Tensor normalise(const torch::Tensor& unitImages) const;
  // Backbone output [N, featureDim()] (pooled).
  torch::Tensor features(const torch::Tensor& normalisedImages);
  torch::Tensor classify(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& normalisedImages) { return classify(features(normalisedImages)); }
  std::int64_t featureDim() const { return featureDim_; }

  // Backbone blocks in forward order (e.g. conv1, bn1, layer1..layer4 for ResNets; features.<i>
  // for the others).
  std::vector<std::string> backboneBlocks() const;
  // Marks the last `lastBlocks` backbone blocks trainable (0 = all, -1 = none) and returns their
  // tensors; the rest get requires_grad = false.
  std::vector<torch::Tensor> selectTrainableBackbone(std::int64_t lastBlocks);
  std::vector<torch::Tensor> headParameters();
  // train(on) for the head and the trainable blocks; frozen blocks stay in eval mode so their
  // batch-norm statistics do not drift.
  void setTrainingMode(bool on);

  // Every parameter and buffer by name (see the file comment), sharing storage with the net.
  NamedTensors namedState() const;
  // Strict copy by name: throws std::runtime_error listing missing/unexpected names and shape
  // mismatches, copying nothing in that case.
  void loadNamedState(const NamedTensors& state);

 private:
  NetSpec spec_;
  BackboneKind kind_ = BackboneKind::Invalid;
  torch::Device device_;
  std::int64_t featureDim_ = 0;
  std::shared_ptr<torchvision::Backbone> torchvisionBackbone_;
  torch::nn::Sequential smallCnn_{nullptr};
  std::shared_ptr<faceapi::FaceRecognitionNet> faceNet_;
  std::vector<std::string> trainableBlocks_;
  torch::nn::Sequential head_{nullptr};
  torch::Tensor mean_, std_;
};

// The block a backbone tensor belongs to (name without "backbone."): the first two dotted
// components under "features"/"blocks", else the first.
std::string blockOfTensor(const std::string& name);

}  // namespace winnow::training
