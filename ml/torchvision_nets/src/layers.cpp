#include "layers.hpp"

#include <algorithm>

namespace winnow::torchvision::detail {

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::ReLU: return torch::relu(x);
    case Activation::ReLU6: return torch::clamp(x, 0.0, 6.0);
    case Activation::Hardswish: return torch::hardswish(x);
    case Activation::None: break;
  }
  return x;
}

torch::nn::Conv2d makeConv(std::int64_t in, std::int64_t out, std::int64_t kernel, ConvOptions options) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(options.stride)
                               .padding((kernel - 1) / 2)
                               .groups(options.groups)
                               .bias(options.bias));
}

torch::nn::BatchNorm2d makeBatchNorm(std::int64_t channels, double eps, double momentum) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(eps).momentum(momentum));
}

std::shared_ptr<torch::nn::Module> addContainer(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

ConvBnActImpl::ConvBnActImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, ConvOptions options,
                             Activation activation, double bnEps, double bnMomentum)
    : activation_(activation) {
  options.bias = false;
  conv_ = register_module("0", makeConv(in, out, kernel, options));
  norm_ = register_module("1", makeBatchNorm(out, bnEps, bnMomentum));
}

torch::Tensor ConvBnActImpl::forward(const torch::Tensor& x) {
  return activate(norm_->forward(conv_->forward(x)), activation_);
}

std::int64_t makeDivisible(double value, std::int64_t divisor) {
  std::int64_t rounded =
      std::max(divisor, static_cast<std::int64_t>(value + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) {
    rounded += divisor;
  }
  return rounded;
}

torch::Tensor flattenPooled(const torch::Tensor& map) {
  return torch::adaptive_avg_pool2d(map, {1, 1}).flatten(1);
}

}  // namespace winnow::torchvision::detail
