// Building blocks shared by the architectures, named like torchvision's so that state dict keys
// match: containers name their children "0", "1", ... as torch.nn.Sequential does.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

namespace winnow::torchvision::detail {

enum class Activation { None, ReLU, ReLU6, Hardswish };

torch::Tensor activate(const torch::Tensor& x, Activation activation);

struct ConvOptions {
  std::int64_t stride = 1;
  std::int64_t groups = 1;
  bool bias = false;
};

// A k x k convolution padded by (k - 1) / 2 (torchvision's "same" padding for odd k).
torch::nn::Conv2d makeConv(std::int64_t in, std::int64_t out, std::int64_t kernel, ConvOptions options = {});

torch::nn::BatchNorm2d makeBatchNorm(std::int64_t channels, double eps = 1e-5, double momentum = 0.1);

// A parameterless module to hang named children on (torch.nn.Sequential / ModuleDict stand-in);
// its forward is written by the owner.
std::shared_ptr<torch::nn::Module> addContainer(torch::nn::Module& parent, const std::string& name);

// torchvision.ops.Conv2dNormActivation: children "0" (conv, no bias) and "1" (batch norm).
class ConvBnActImpl : public torch::nn::Module {
 public:
  ConvBnActImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, ConvOptions options,
                Activation activation, double bnEps = 1e-5, double bnMomentum = 0.1);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d norm_{nullptr};
  Activation activation_;
};
TORCH_MODULE(ConvBnAct);

// torchvision's make_divisible: `value` rounded to the nearest multiple of `divisor`, not below
// `divisor` and not more than 10% below `value`.
std::int64_t makeDivisible(double value, std::int64_t divisor = 8);

torch::Tensor flattenPooled(const torch::Tensor& map);  // adaptive average pool to 1x1, flatten

}  // namespace winnow::torchvision::detail
