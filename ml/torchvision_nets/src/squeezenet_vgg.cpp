// torchvision.models.squeezenet1_1 and vgg16 (without batch norm): plain stacks whose
// torch.nn.Sequential indices count the parameterless ReLU and pooling layers too.
#include <vector>

#include "architectures.hpp"
#include "layers.hpp"

namespace winnow::torchvision::detail {
namespace {

constexpr double kDropout = 0.5;

// Squeeze 1x1 conv, then parallel 1x1 and 3x3 expand convs concatenated (all with bias, ReLU).
class Fire : public torch::nn::Module {
 public:
  Fire(std::int64_t in, std::int64_t squeeze, std::int64_t expand) {
    squeeze_ = register_module("squeeze", makeConv(in, squeeze, 1, {1, 1, true}));
    expand1x1_ = register_module("expand1x1", makeConv(squeeze, expand, 1, {1, 1, true}));
    expand3x3_ = register_module("expand3x3", makeConv(squeeze, expand, 3, {1, 1, true}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor squeezed = torch::relu(squeeze_->forward(x));
    return torch::cat({torch::relu(expand1x1_->forward(squeezed)), torch::relu(expand3x3_->forward(squeezed))}, 1);
  }

 private:
  torch::nn::Conv2d squeeze_{nullptr}, expand1x1_{nullptr}, expand3x3_{nullptr};
};

// features: 0 conv, 1 relu, 2 pool, 3-4 fire, 5 pool, 6-7 fire, 8 pool, 9-12 fire.
// classifier: 0 dropout, 1 conv to classes, 2 relu, 3 global average pool.
class SqueezeNet11 : public Backbone {
 public:
  explicit SqueezeNet11(std::int64_t numClasses) {
    auto features = addContainer(*this, "features");
    stem_ = features->register_module("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 3).stride(2)));
    struct FireConfig {
      int index;
      std::int64_t in, squeeze, expand;
    };
    const std::vector<FireConfig> fires = {{3, 64, 16, 64},   {4, 128, 16, 64},  {6, 128, 32, 128},
                                           {7, 256, 32, 128}, {9, 256, 48, 192}, {10, 384, 48, 192},
                                           {11, 384, 64, 256}, {12, 512, 64, 256}};
    for (const FireConfig& fire : fires) {
      fires_.push_back(features->register_module(std::to_string(fire.index),
                                                 std::make_shared<Fire>(fire.in, fire.squeeze, fire.expand)));
    }
    finalConv_ = addContainer(*this, "classifier")->register_module("1", makeConv(kFeatureChannels, numClasses, 1, {1, 1, true}));
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = maxPool(torch::relu(stem_->forward(images)));
    for (std::size_t i = 0; i < fires_.size(); ++i) {
      x = fires_[i]->forward(x);
      if (i == 1 || i == 3) {  // pools after features.4 and features.7
        x = maxPool(x);
      }
    }
    return x;
  }
  torch::Tensor classify(const torch::Tensor& features) override {
    const torch::Tensor logitsMap = torch::relu(finalConv_->forward(torch::dropout(features, kDropout, is_training())));
    return flattenPooled(logitsMap);
  }
  std::int64_t featureDim() const override { return kFeatureChannels; }

 private:
  static constexpr std::int64_t kFeatureChannels = 512;
  static torch::Tensor maxPool(const torch::Tensor& x) {
    return torch::max_pool2d(x, 3, 2, 0, 1, /*ceil_mode=*/true);
  }
  torch::nn::Conv2d stem_{nullptr};
  std::vector<std::shared_ptr<Fire>> fires_;
  torch::nn::Conv2d finalConv_{nullptr};
};

// features: configuration "D" (3x3 convs with bias, each followed by ReLU; 0 = max pool 2x2),
// then adaptive average pooling to 7x7; classifier: 0 linear, 1 relu, 2 dropout, 3 linear,
// 4 relu, 5 dropout, 6 linear.
class Vgg16 : public Backbone {
 public:
  explicit Vgg16(std::int64_t numClasses) {
    const std::vector<std::int64_t> config = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                                              512, 512, 512, 0, 512, 512, 512, 0};
    auto features = addContainer(*this, "features");
    std::int64_t channels = 3;
    int index = 0;
    for (const std::int64_t width : config) {
      if (width == 0) {
        layers_.emplace_back(nullptr);  // max pool
        index += 1;
        continue;
      }
      layers_.push_back(features->register_module(std::to_string(index), makeConv(channels, width, 3, {1, 1, true})));
      channels = width;
      index += 2;
    }
    auto classifier = addContainer(*this, "classifier");
    fc_ = {classifier->register_module("0", torch::nn::Linear(kFeatureDim, kHidden)),
           classifier->register_module("3", torch::nn::Linear(kHidden, kHidden)),
           classifier->register_module("6", torch::nn::Linear(kHidden, numClasses))};
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = images;
    for (auto& layer : layers_) {
      x = layer ? torch::relu(layer->forward(x)) : torch::max_pool2d(x, 2, 2);
    }
    return torch::adaptive_avg_pool2d(x, {7, 7}).flatten(1);
  }
  torch::Tensor classify(const torch::Tensor& features) override {
    torch::Tensor x = features;
    for (std::size_t i = 0; i + 1 < fc_.size(); ++i) {
      x = torch::dropout(torch::relu(fc_[i]->forward(x)), kDropout, is_training());
    }
    return fc_.back()->forward(x);
  }
  std::int64_t featureDim() const override { return kFeatureDim; }

 private:
  static constexpr std::int64_t kFeatureDim = 512 * 7 * 7;
  static constexpr std::int64_t kHidden = 4096;
  std::vector<torch::nn::Conv2d> layers_;  // null entries are 2x2 max pools
  std::vector<torch::nn::Linear> fc_;
};

}  // namespace

std::shared_ptr<Backbone> makeSqueezeNet11(std::int64_t numClasses) {
  return std::make_shared<SqueezeNet11>(numClasses);
}

std::shared_ptr<Backbone> makeVgg16(std::int64_t numClasses) { return std::make_shared<Vgg16>(numClasses); }

}  // namespace winnow::torchvision::detail
