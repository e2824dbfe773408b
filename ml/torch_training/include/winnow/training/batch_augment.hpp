// Per-batch augmentation on the batch's device: one affine resampling per image (horizontal flip,
// rotation, random resized crop), colour jitter (brightness, contrast, saturation), Gaussian
// noise and Gaussian blur. Random parameters come from a CPU generator seeded by the caller, so a
// run is reproducible for a seed (and bit-identical on the CPU).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "winnow/training/train_config.hpp"

namespace winnow::training {

// images: float NCHW in [0, 1]; returns a new tensor of the same shape, clamped to [0, 1].
torch::Tensor augmentBatch(const torch::Tensor& images, const AugmentConfig& config, std::uint64_t seed);

}  // namespace winnow::training
