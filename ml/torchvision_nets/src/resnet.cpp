// torchvision.models.resnet (v1.5: the stride of a bottleneck sits on its 3x3 convolution).
#include <array>
#include <vector>

#include "architectures.hpp"
#include "layers.hpp"

namespace winnow::torchvision::detail {
namespace {

// BasicBlock (two 3x3 convolutions) or Bottleneck (1x1, 3x3, 1x1 with 4x expansion), plus the
// "downsample" projection ("0" conv, "1" batch norm) when the shape changes.
class ResidualBlock : public torch::nn::Module {
 public:
  ResidualBlock(std::int64_t in, std::int64_t width, std::int64_t stride, bool bottleneck) {
    const std::int64_t out = bottleneck ? width * 4 : width;
    if (bottleneck) {
      convs_ = {makeConv(in, width, 1), makeConv(width, width, 3, {stride}), makeConv(width, out, 1)};
    } else {
      convs_ = {makeConv(in, width, 3, {stride}), makeConv(width, width, 3)};
    }
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      const std::string index = std::to_string(i + 1);
      register_module("conv" + index, convs_[i]);
      norms_.push_back(register_module("bn" + index, makeBatchNorm(convs_[i]->options.out_channels())));
    }
    if (stride != 1 || in != out) {
      auto downsample = addContainer(*this, "downsample");
      projection_ = downsample->register_module("0", makeConv(in, out, 1, {stride}));
      projectionNorm_ = downsample->register_module("1", makeBatchNorm(out));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = x;
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      y = norms_[i]->forward(convs_[i]->forward(y));
      if (i + 1 < convs_.size()) {
        y.relu_();  // in place, as torchvision does: on the CPU these passes are memory-bound
      }
    }
    const torch::Tensor shortcut = projection_ ? projectionNorm_->forward(projection_->forward(x)) : x;
    return y.add_(shortcut).relu_();
  }

 private:
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
  torch::nn::Conv2d projection_{nullptr};
  torch::nn::BatchNorm2d projectionNorm_{nullptr};
};

class ResNet : public Backbone {
 public:
  ResNet(const std::array<int, 4>& blocksPerLayer, bool bottleneck, std::int64_t numClasses) {
    conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    bn1_ = register_module("bn1", makeBatchNorm(64));
    std::int64_t channels = 64;
    for (std::size_t layer = 0; layer < blocksPerLayer.size(); ++layer) {
      auto container = addContainer(*this, "layer" + std::to_string(layer + 1));
      const std::int64_t width = 64 << layer;
      for (int block = 0; block < blocksPerLayer[layer]; ++block) {
        const std::int64_t stride = (layer > 0 && block == 0) ? 2 : 1;
        blocks_.push_back(container->register_module(
            std::to_string(block), std::make_shared<ResidualBlock>(channels, width, stride, bottleneck)));
        channels = bottleneck ? width * 4 : width;
      }
    }
    featureDim_ = channels;
    fc_ = register_module("fc", torch::nn::Linear(channels, numClasses));
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = bn1_->forward(conv1_->forward(images)).relu_();
    x = torch::max_pool2d(x, 3, 2, 1);
    for (const auto& block : blocks_) {
      x = block->forward(x);
    }
    return flattenPooled(x);
  }
  torch::Tensor classify(const torch::Tensor& features) override { return fc_->forward(features); }
  std::int64_t featureDim() const override { return featureDim_; }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<std::shared_ptr<ResidualBlock>> blocks_;
  torch::nn::Linear fc_{nullptr};
  std::int64_t featureDim_ = 0;
};

}  // namespace

std::shared_ptr<Backbone> makeResNet(ResNetDepth depth, std::int64_t numClasses) {
  if (depth == ResNetDepth::R18) {
    return std::make_shared<ResNet>(std::array<int, 4>{2, 2, 2, 2}, false, numClasses);
  }
  return std::make_shared<ResNet>(std::array<int, 4>{3, 4, 6, 3}, true, numClasses);
}

}  // namespace winnow::torchvision::detail
