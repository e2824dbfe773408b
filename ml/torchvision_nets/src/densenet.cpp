// torchvision.models.densenet121: growth rate 32, bottleneck width 4 x 32, blocks of 6, 12, 24 and
// 16 layers, 64 initial features, no dropout. Children keep torchvision's ModuleDict-style names
// (features.conv0, features.denseblock1.denselayer1.norm1, features.transition1.conv, ...).
#include <array>
#include <vector>

#include "architectures.hpp"
#include "layers.hpp"

namespace winnow::torchvision::detail {
namespace {

constexpr std::int64_t kGrowthRate = 32;
constexpr std::int64_t kBottleneckWidth = 4 * kGrowthRate;
constexpr std::int64_t kInitialFeatures = 64;
constexpr std::array<int, 4> kLayersPerBlock = {6, 12, 24, 16};

// BN-ReLU-1x1 conv-BN-ReLU-3x3 conv producing kGrowthRate new channels from the concatenation of
// all earlier ones.
class DenseLayer : public torch::nn::Module {
 public:
  explicit DenseLayer(std::int64_t in) {
    norm1_ = register_module("norm1", makeBatchNorm(in));
    conv1_ = register_module("conv1", makeConv(in, kBottleneckWidth, 1));
    norm2_ = register_module("norm2", makeBatchNorm(kBottleneckWidth));
    conv2_ = register_module("conv2", makeConv(kBottleneckWidth, kGrowthRate, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor bottleneck = conv1_->forward(torch::relu(norm1_->forward(x)));
    return conv2_->forward(torch::relu(norm2_->forward(bottleneck)));
  }

 private:
  torch::nn::BatchNorm2d norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};

// BN-ReLU-1x1 conv halving the channels, then 2x2 average pooling.
class Transition : public torch::nn::Module {
 public:
  Transition(std::int64_t in, std::int64_t out) {
    norm_ = register_module("norm", makeBatchNorm(in));
    conv_ = register_module("conv", makeConv(in, out, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::avg_pool2d(conv_->forward(torch::relu(norm_->forward(x))), 2, 2);
  }

 private:
  torch::nn::BatchNorm2d norm_{nullptr};
  torch::nn::Conv2d conv_{nullptr};
};

class DenseNet : public Backbone {
 public:
  explicit DenseNet(std::int64_t numClasses) {
    auto features = addContainer(*this, "features");
    conv0_ = features->register_module(
        "conv0", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, kInitialFeatures, 7).stride(2).padding(3).bias(false)));
    norm0_ = features->register_module("norm0", makeBatchNorm(kInitialFeatures));
    std::int64_t channels = kInitialFeatures;
    for (std::size_t block = 0; block < kLayersPerBlock.size(); ++block) {
      const std::string index = std::to_string(block + 1);
      auto container = addContainer(*features, "denseblock" + index);
      blocks_.emplace_back();
      for (int layer = 0; layer < kLayersPerBlock[block]; ++layer) {
        blocks_.back().push_back(container->register_module("denselayer" + std::to_string(layer + 1),
                                                            std::make_shared<DenseLayer>(channels)));
        channels += kGrowthRate;
      }
      if (block + 1 < kLayersPerBlock.size()) {
        transitions_.push_back(
            features->register_module("transition" + index, std::make_shared<Transition>(channels, channels / 2)));
        channels /= 2;
      }
    }
    norm5_ = features->register_module("norm5", makeBatchNorm(channels));
    featureDim_ = channels;
    classifier_ = register_module("classifier", torch::nn::Linear(channels, numClasses));
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = torch::relu(norm0_->forward(conv0_->forward(images)));
    x = torch::max_pool2d(x, 3, 2, 1);
    for (std::size_t block = 0; block < blocks_.size(); ++block) {
      std::vector<torch::Tensor> maps = {x};
      for (const auto& layer : blocks_[block]) {
        maps.push_back(layer->forward(torch::cat(maps, 1)));
      }
      x = torch::cat(maps, 1);
      if (block < transitions_.size()) {
        x = transitions_[block]->forward(x);
      }
    }
    return flattenPooled(torch::relu(norm5_->forward(x)));
  }
  torch::Tensor classify(const torch::Tensor& features) override { return classifier_->forward(features); }
  std::int64_t featureDim() const override { return featureDim_; }

 private:
  torch::nn::Conv2d conv0_{nullptr};
  torch::nn::BatchNorm2d norm0_{nullptr}, norm5_{nullptr};
  std::vector<std::vector<std::shared_ptr<DenseLayer>>> blocks_;
  std::vector<std::shared_ptr<Transition>> transitions_;
  torch::nn::Linear classifier_{nullptr};
  std::int64_t featureDim_ = 0;
};

}  // namespace

std::shared_ptr<Backbone> makeDenseNet121(std::int64_t numClasses) { return std::make_shared<DenseNet>(numClasses); }

}  // namespace winnow::torchvision::detail
