#include "winnow/training/batch_augment.hpp"

#include <torch/torch.h>

#include <cmath>
#include <random>
#include <vector>

namespace winnow::training {
namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor gaussianBlur(const torch::Tensor& images, double sigma) {
  const int radius = std::max(1, static_cast<int>(std::ceil(2.5 * sigma)));
  std::vector<float> taps;
  float sum = 0;
  for (int i = -radius; i <= radius; ++i) {
    taps.push_back(static_cast<float>(std::exp(-(i * i) / (2.0 * sigma * sigma))));
    sum += taps.back();
  }
  for (float& tap : taps) tap /= sum;
  const auto channels = images.size(1);
  const auto size = static_cast<std::int64_t>(taps.size());
  torch::Tensor kernel = torch::tensor(taps).to(images.device());
  torch::Tensor horizontal = kernel.view({1, 1, 1, size}).expand({channels, 1, 1, size}).contiguous();
  torch::Tensor vertical = kernel.view({1, 1, size, 1}).expand({channels, 1, size, 1}).contiguous();
  namespace F = torch::nn::functional;
  torch::Tensor x = F::pad(images, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReflect));
  x = F::conv2d(x, horizontal, F::Conv2dFuncOptions().groups(channels));
  return F::conv2d(x, vertical, F::Conv2dFuncOptions().groups(channels));
}

}  // namespace

torch::Tensor augmentBatch(const torch::Tensor& images, const AugmentConfig& config, std::uint64_t seed) {
  if (!config.enabled() || images.size(0) == 0) return images;
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::int64_t count = images.size(0);
  torch::Tensor x = images;

  const bool geometric = config.flipProbability > 0 || config.rotationDegrees > 0 || config.cropScaleMin < 1;
  if (geometric) {
    std::vector<float> theta;
    theta.reserve(static_cast<std::size_t>(count) * 6);
    for (std::int64_t i = 0; i < count; ++i) {
      double scaleX = 1, scaleY = 1, shiftX = 0, shiftY = 0;
      if (config.cropScaleMin < 1) {
        // torchvision's RandomResizedCrop: area fraction and log-uniform aspect ratio in [3/4, 4/3].
        const double area = config.cropScaleMin + (1.0 - config.cropScaleMin) * unit(random);
        const double logRatio = std::log(3.0 / 4.0) + (std::log(4.0 / 3.0) - std::log(3.0 / 4.0)) * unit(random);
        const double ratio = std::exp(logRatio);
        scaleX = std::min(1.0, std::sqrt(area * ratio));
        scaleY = std::min(1.0, std::sqrt(area / ratio));
        shiftX = (1.0 - scaleX) * (2.0 * unit(random) - 1.0);
        shiftY = (1.0 - scaleY) * (2.0 * unit(random) - 1.0);
      }
      const double angle = config.rotationDegrees > 0 ? (2.0 * unit(random) - 1.0) * config.rotationDegrees * kPi / 180.0 : 0.0;
      const double flip = unit(random) < config.flipProbability ? -1.0 : 1.0;
      const double c = std::cos(angle), s = std::sin(angle);
      // Output (u, v) in [-1, 1] samples input at R(angle) * diag(flip * sx, sy) * (u, v) + shift.
      theta.push_back(static_cast<float>(c * flip * scaleX));
      theta.push_back(static_cast<float>(-s * scaleY));
      theta.push_back(static_cast<float>(shiftX));
      theta.push_back(static_cast<float>(s * flip * scaleX));
      theta.push_back(static_cast<float>(c * scaleY));
      theta.push_back(static_cast<float>(shiftY));
    }
    torch::Tensor affine = torch::tensor(theta).view({count, 2, 3}).to(x.device(), x.scalar_type());
    namespace F = torch::nn::functional;
    torch::Tensor grid = F::affine_grid(affine, x.sizes(), /*align_corners=*/false);
    x = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kReflection).align_corners(false));
  }

  if (config.brightness > 0 || config.contrast > 0 || config.saturation > 0) {
    std::vector<float> brightness(static_cast<std::size_t>(count)), contrast(brightness.size()), saturation(brightness.size());
    for (std::int64_t i = 0; i < count; ++i) {
      brightness[static_cast<std::size_t>(i)] = static_cast<float>(1.0 + config.brightness * (2.0 * unit(random) - 1.0));
      contrast[static_cast<std::size_t>(i)] = static_cast<float>(1.0 + config.contrast * (2.0 * unit(random) - 1.0));
      saturation[static_cast<std::size_t>(i)] = static_cast<float>(1.0 + config.saturation * (2.0 * unit(random) - 1.0));
    }
    auto perImage = [&](const std::vector<float>& values) {
      return torch::tensor(values).view({count, 1, 1, 1}).to(x.device(), x.scalar_type());
    };
    x = x * perImage(brightness);
    const torch::Tensor grey = (0.299 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2)).unsqueeze(1);
    const torch::Tensor meanGrey = grey.mean({2, 3}, /*keepdim=*/true);
    x = (x - meanGrey) * perImage(contrast) + meanGrey;
    const torch::Tensor greyAfter = (0.299 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2)).unsqueeze(1);
    x = (x - greyAfter) * perImage(saturation) + greyAfter;
  }

  if (config.blurProbability > 0) {
    std::vector<std::int64_t> chosen;
    std::vector<double> sigmas;
    for (std::int64_t i = 0; i < count; ++i) {
      const bool blur = unit(random) < config.blurProbability;
      const double sigma = 0.1 + (config.blurSigmaMax - 0.1) * unit(random);
      if (blur) {
        chosen.push_back(i);
        sigmas.push_back(sigma);
      }
    }
    if (!chosen.empty()) {
      x = x.clone();
      for (std::size_t k = 0; k < chosen.size(); ++k) {
        const auto row = chosen[k];
        x.narrow(0, row, 1).copy_(gaussianBlur(x.narrow(0, row, 1), sigmas[k]));
      }
    }
  }

  if (config.noiseStd > 0) {
    auto generator = at::detail::createCPUGenerator(seed ^ 0x9e3779b97f4a7c15ULL);
    torch::Tensor noise = at::normal(0.0, config.noiseStd, x.sizes(), generator, torch::TensorOptions().dtype(x.scalar_type()));
    x = x + noise.to(x.device());
  }
  return x.clamp(0.0, 1.0);
}

}  // namespace winnow::training
