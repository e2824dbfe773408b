// TensorFlow semantics on LibTorch tensors (NCHW), where TF and PyTorch differ: "SAME" padding
// with stride 2 pads only bottom/right; legacy bilinear resize (no half-pixel centres); face-api's
// padding to a square.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "winnow/faceapi/nets.hpp"
#include "winnow/faceapi/tfjs_weights.hpp"

namespace winnow::faceapi::detail {

// HWIO (TF conv filter) -> OIHW.
torch::Tensor convWeight(const torch::Tensor& hwio);
// [H,W,C,1] (TF depthwise filter) -> [C,1,H,W].
torch::Tensor depthwiseWeight(const torch::Tensor& hwc1);

// Convolution with TF "SAME" padding; groups = channels for a depthwise convolution.
torch::Tensor conv2dSame(const torch::Tensor& x, const torch::Tensor& weight,
                         const torch::Tensor& bias, std::int64_t stride, std::int64_t groups = 1);
// Convolution with TF "VALID" padding.
torch::Tensor conv2dValid(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, std::int64_t stride);

// tf.image.resizeBilinear(x, [outHeight, outWidth], alignCorners=false, halfPixelCenters=false)
// on a [C,H,W] float tensor.
torch::Tensor resizeBilinearLegacy(const torch::Tensor& chw, std::int64_t outHeight,
                                   std::int64_t outWidth);

// [3,H,W] float32 (0..255) copy of an RGB image.
torch::Tensor imageTensor(const RgbImage& image);

// face-api's padToSquare on [C,H,W]: zeros appended after the image (bottom/right), or, when
// centred, round(diff/2) appended and the rest prepended.
torch::Tensor padToSquare(const torch::Tensor& chw, bool centred);

// face-api's NetInput.toBatchTensor for one image: pad to square, resize to `size` unless it
// already is that size.
torch::Tensor toInputTensor(const RgbImage& image, std::int64_t size, bool centred);

}  // namespace winnow::faceapi::detail
