// torchvision.models.mobilenet_v2 and mobilenet_v3_{small,large} (width multiplier 1.0).
#include <vector>

#include "architectures.hpp"
#include "layers.hpp"

namespace winnow::torchvision::detail {
namespace {

constexpr double kClassifierDropout = 0.2;
// MobileNetV3's batch norms use eps 0.001 and momentum 0.01.
constexpr double kV3BnEps = 0.001;
constexpr double kV3BnMomentum = 0.01;

// MobileNetV2 InvertedResidual: child "conv" holds [expand ConvBnAct when expandRatio != 1],
// depthwise ConvBnAct, then the linear 1x1 projection conv and its batch norm, indexed in order.
class InvertedResidualV2 : public torch::nn::Module {
 public:
  InvertedResidualV2(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t expandRatio)
      : residual_(stride == 1 && in == out) {
    const std::int64_t hidden = in * expandRatio;
    auto conv = addContainer(*this, "conv");
    if (expandRatio != 1) {
      stages_.push_back(ConvBnAct(in, hidden, 1, ConvOptions{}, Activation::ReLU6));
    }
    stages_.push_back(ConvBnAct(hidden, hidden, 3, ConvOptions{stride, hidden}, Activation::ReLU6));
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      conv->register_module(std::to_string(i), stages_[i]);
    }
    project_ = conv->register_module(std::to_string(stages_.size()), makeConv(hidden, out, 1));
    projectNorm_ = conv->register_module(std::to_string(stages_.size() + 1), makeBatchNorm(out));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = x;
    for (auto& stage : stages_) {
      y = stage->forward(y);
    }
    y = projectNorm_->forward(project_->forward(y));
    return residual_ ? x + y : y;
  }

 private:
  bool residual_;
  std::vector<ConvBnAct> stages_;
  torch::nn::Conv2d project_{nullptr};
  torch::nn::BatchNorm2d projectNorm_{nullptr};
};

class MobileNetV2 : public Backbone {
 public:
  explicit MobileNetV2(std::int64_t numClasses) {
    struct Stage {
      std::int64_t expandRatio, channels, repeats, stride;
    };
    const std::vector<Stage> stages = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                       {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    auto features = addContainer(*this, "features");
    stem_ = features->register_module("0", ConvBnAct(3, 32, 3, ConvOptions{2}, Activation::ReLU6));
    std::int64_t channels = 32;
    for (const Stage& stage : stages) {
      for (std::int64_t i = 0; i < stage.repeats; ++i) {
        blocks_.push_back(features->register_module(
            std::to_string(blocks_.size() + 1),
            std::make_shared<InvertedResidualV2>(channels, stage.channels, i == 0 ? stage.stride : 1,
                                                 stage.expandRatio)));
        channels = stage.channels;
      }
    }
    head_ = features->register_module(std::to_string(blocks_.size() + 1),
                                      ConvBnAct(channels, kLastChannels, 1, ConvOptions{}, Activation::ReLU6));
    fc_ = addContainer(*this, "classifier")->register_module("1", torch::nn::Linear(kLastChannels, numClasses));
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = stem_->forward(images);
    for (const auto& block : blocks_) {
      x = block->forward(x);
    }
    return flattenPooled(head_->forward(x));
  }
  torch::Tensor classify(const torch::Tensor& features) override {
    return fc_->forward(torch::dropout(features, kClassifierDropout, is_training()));
  }
  std::int64_t featureDim() const override { return kLastChannels; }

 private:
  static constexpr std::int64_t kLastChannels = 1280;
  ConvBnAct stem_{nullptr};
  std::vector<std::shared_ptr<InvertedResidualV2>> blocks_;
  ConvBnAct head_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

// torchvision.ops.SqueezeExcitation with ReLU and hardsigmoid: children fc1, fc2 (1x1 convs).
class SqueezeExcitation : public torch::nn::Module {
 public:
  SqueezeExcitation(std::int64_t channels, std::int64_t squeezed) {
    fc1_ = register_module("fc1", makeConv(channels, squeezed, 1, {1, 1, true}));
    fc2_ = register_module("fc2", makeConv(squeezed, channels, 1, {1, 1, true}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor pooled = torch::adaptive_avg_pool2d(x, {1, 1});
    return x * torch::hardsigmoid(fc2_->forward(torch::relu(fc1_->forward(pooled))));
  }

 private:
  torch::nn::Conv2d fc1_{nullptr}, fc2_{nullptr};
};

struct BlockConfigV3 {
  std::int64_t in, kernel, expanded, out;
  bool squeezeExcite;
  Activation activation;
  std::int64_t stride;
};

// MobileNetV3 InvertedResidual: child "block" holds [expand ConvBnAct when expanded != in],
// depthwise ConvBnAct, [SqueezeExcitation], and the linear projection ConvBnAct, indexed in order.
class InvertedResidualV3 : public torch::nn::Module {
 public:
  explicit InvertedResidualV3(const BlockConfigV3& config)
      : residual_(config.stride == 1 && config.in == config.out) {
    auto block = addContainer(*this, "block");
    int index = 0;
    const auto next = [&index] { return std::to_string(index++); };
    if (config.expanded != config.in) {
      expand_ = block->register_module(next(), ConvBnAct(config.in, config.expanded, 1, ConvOptions{}, config.activation,
                                                         kV3BnEps, kV3BnMomentum));
    }
    depthwise_ = block->register_module(
        next(), ConvBnAct(config.expanded, config.expanded, config.kernel, ConvOptions{config.stride, config.expanded},
                          config.activation, kV3BnEps, kV3BnMomentum));
    if (config.squeezeExcite) {
      excite_ = block->register_module(
          next(), std::make_shared<SqueezeExcitation>(config.expanded, makeDivisible(static_cast<double>(config.expanded / 4))));
    }
    project_ = block->register_module(
        next(), ConvBnAct(config.expanded, config.out, 1, ConvOptions{}, Activation::None, kV3BnEps, kV3BnMomentum));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = expand_ ? expand_->forward(x) : x;
    y = depthwise_->forward(y);
    if (excite_) {
      y = excite_->forward(y);
    }
    y = project_->forward(y);
    return residual_ ? x + y : y;
  }

 private:
  bool residual_;
  ConvBnAct expand_{nullptr}, depthwise_{nullptr}, project_{nullptr};
  std::shared_ptr<SqueezeExcitation> excite_;
};

class MobileNetV3 : public Backbone {
 public:
  MobileNetV3(const std::vector<BlockConfigV3>& configs, std::int64_t lastChannels, std::int64_t numClasses)
      : featureDim_(configs.back().out * 6) {
    auto features = addContainer(*this, "features");
    stem_ = features->register_module(
        "0", ConvBnAct(3, configs.front().in, 3, ConvOptions{2}, Activation::Hardswish, kV3BnEps, kV3BnMomentum));
    for (const BlockConfigV3& config : configs) {
      blocks_.push_back(features->register_module(std::to_string(blocks_.size() + 1),
                                                  std::make_shared<InvertedResidualV3>(config)));
    }
    head_ = features->register_module(std::to_string(blocks_.size() + 1),
                                      ConvBnAct(configs.back().out, featureDim_, 1, ConvOptions{}, Activation::Hardswish,
                                                kV3BnEps, kV3BnMomentum));
    auto classifier = addContainer(*this, "classifier");
    hidden_ = classifier->register_module("0", torch::nn::Linear(featureDim_, lastChannels));
    fc_ = classifier->register_module("3", torch::nn::Linear(lastChannels, numClasses));
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = stem_->forward(images);
    for (const auto& block : blocks_) {
      x = block->forward(x);
    }
    return flattenPooled(head_->forward(x));
  }
  torch::Tensor classify(const torch::Tensor& features) override {
    const torch::Tensor hidden = torch::hardswish(hidden_->forward(features));
    return fc_->forward(torch::dropout(hidden, kClassifierDropout, is_training()));
  }
  std::int64_t featureDim() const override { return featureDim_; }

 private:
  std::int64_t featureDim_;
  ConvBnAct stem_{nullptr};
  std::vector<std::shared_ptr<InvertedResidualV3>> blocks_;
  ConvBnAct head_{nullptr};
  torch::nn::Linear hidden_{nullptr}, fc_{nullptr};
};

std::vector<BlockConfigV3> largeConfigs() {
  constexpr Activation RE = Activation::ReLU;
  constexpr Activation HS = Activation::Hardswish;
  return {{16, 3, 16, 16, false, RE, 1},    {16, 3, 64, 24, false, RE, 2},    {24, 3, 72, 24, false, RE, 1},
          {24, 5, 72, 40, true, RE, 2},     {40, 5, 120, 40, true, RE, 1},    {40, 5, 120, 40, true, RE, 1},
          {40, 3, 240, 80, false, HS, 2},   {80, 3, 200, 80, false, HS, 1},   {80, 3, 184, 80, false, HS, 1},
          {80, 3, 184, 80, false, HS, 1},   {80, 3, 480, 112, true, HS, 1},   {112, 3, 672, 112, true, HS, 1},
          {112, 5, 672, 160, true, HS, 2},  {160, 5, 960, 160, true, HS, 1},  {160, 5, 960, 160, true, HS, 1}};
}

std::vector<BlockConfigV3> smallConfigs() {
  constexpr Activation RE = Activation::ReLU;
  constexpr Activation HS = Activation::Hardswish;
  return {{16, 3, 16, 16, true, RE, 2},   {16, 3, 72, 24, false, RE, 2}, {24, 3, 88, 24, false, RE, 1},
          {24, 5, 96, 40, true, HS, 2},   {40, 5, 240, 40, true, HS, 1}, {40, 5, 240, 40, true, HS, 1},
          {40, 5, 120, 48, true, HS, 1},  {48, 5, 144, 48, true, HS, 1}, {48, 5, 288, 96, true, HS, 2},
          {96, 5, 576, 96, true, HS, 1},  {96, 5, 576, 96, true, HS, 1}};
}

}  // namespace

std::shared_ptr<Backbone> makeMobileNetV2(std::int64_t numClasses) {
  return std::make_shared<MobileNetV2>(numClasses);
}

std::shared_ptr<Backbone> makeMobileNetV3(MobileNetV3Size size, std::int64_t numClasses) {
  if (size == MobileNetV3Size::Small) {
    return std::make_shared<MobileNetV3>(smallConfigs(), 1024, numClasses);
  }
  return std::make_shared<MobileNetV3>(largeConfigs(), 1280, numClasses);
}

}  // namespace winnow::torchvision::detail
