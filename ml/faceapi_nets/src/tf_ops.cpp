#include "tf_ops.hpp"

#include <ATen/ops/mkldnn_convolution.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace winnow::faceapi::detail {
namespace F = torch::nn::functional;

torch::Tensor convWeight(const torch::Tensor& hwio) { return hwio.permute({3, 2, 0, 1}).contiguous(); }

torch::Tensor depthwiseWeight(const torch::Tensor& hwc1) {
  return hwc1.permute({2, 3, 0, 1}).contiguous();
}

namespace {

// TF SAME padding along one axis: (before, after).
std::pair<std::int64_t, std::int64_t> samePadding(std::int64_t in, std::int64_t kernel,
                                                  std::int64_t stride) {
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + kernel - in, 0);
  return {total / 2, total - total / 2};
}

// On the CPU every convolution goes to oneDNN: LibTorch's own heuristic sends small batch-1
// convolutions to BLAS instead, several times slower with Debian's reference libblas.
torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                       const std::vector<std::int64_t>& padding, std::int64_t stride, std::int64_t groups) {
  const std::vector<std::int64_t> strides{stride, stride}, dilation{1, 1};
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && torch::globalContext().userEnabledMkldnn()) {
    const c10::optional<torch::Tensor> optionalBias = bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt;
    return at::mkldnn_convolution(x.contiguous(), weight, optionalBias, padding, strides, dilation, groups);
  }
  return torch::conv2d(x, weight, bias, strides, padding, dilation, groups);
}

}  // namespace

torch::Tensor conv2dSame(const torch::Tensor& x, const torch::Tensor& weight,
                         const torch::Tensor& bias, std::int64_t stride, std::int64_t groups) {
  const auto [top, bottom] = samePadding(x.size(2), weight.size(2), stride);
  const auto [left, right] = samePadding(x.size(3), weight.size(3), stride);
  if (top == bottom && left == right) {
    return convolve(x, weight, bias, {top, left}, stride, groups);
  }
  const torch::Tensor padded = F::pad(x, F::PadFuncOptions({left, right, top, bottom}));
  return convolve(padded, weight, bias, {0, 0}, stride, groups);
}

torch::Tensor conv2dValid(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, std::int64_t stride) {
  return convolve(x, weight, bias, {0, 0}, stride, 1);
}

namespace {

struct AxisSampling {
  torch::Tensor low, high, fraction;
};

// TF's legacy sampling: source = (in / out) * destination, computed in double as tfjs does.
AxisSampling legacySampling(std::int64_t in, std::int64_t out) {
  std::vector<std::int64_t> low(static_cast<size_t>(out));
  std::vector<std::int64_t> high(static_cast<size_t>(out));
  std::vector<float> fraction(static_cast<size_t>(out));
  const double ratio = static_cast<double>(in) / static_cast<double>(out);
  for (std::int64_t i = 0; i < out; ++i) {
    const double source = ratio * static_cast<double>(i);
    const double floorSource = std::floor(source);
    low[static_cast<size_t>(i)] = static_cast<std::int64_t>(floorSource);
    high[static_cast<size_t>(i)] = std::min<std::int64_t>(in - 1, static_cast<std::int64_t>(std::ceil(source)));
    fraction[static_cast<size_t>(i)] = static_cast<float>(source - floorSource);
  }
  return {torch::tensor(low, torch::kLong), torch::tensor(high, torch::kLong),
          torch::tensor(fraction, torch::kFloat32)};
}

}  // namespace

torch::Tensor resizeBilinearLegacy(const torch::Tensor& chw, std::int64_t outHeight,
                                   std::int64_t outWidth) {
  const AxisSampling columns = legacySampling(chw.size(2), outWidth);
  const AxisSampling rows = legacySampling(chw.size(1), outHeight);
  const torch::Tensor left = chw.index_select(2, columns.low);
  const torch::Tensor right = chw.index_select(2, columns.high);
  const torch::Tensor across = left + (right - left) * columns.fraction.view({1, 1, -1});
  const torch::Tensor top = across.index_select(1, rows.low);
  const torch::Tensor bottom = across.index_select(1, rows.high);
  return top + (bottom - top) * rows.fraction.view({1, -1, 1});
}

torch::Tensor imageTensor(const RgbImage& image) {
  if (image.data == nullptr || image.width <= 0 || image.height <= 0 ||
      image.strideBytes < static_cast<std::int64_t>(image.width) * 3) {
    throw std::invalid_argument("invalid RGB image (" + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + ")");
  }
  torch::Tensor hwc = torch::empty({image.height, image.width, 3}, torch::kUInt8);
  std::uint8_t* out = hwc.data_ptr<std::uint8_t>();
  const size_t rowBytes = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(out + static_cast<size_t>(y) * rowBytes, image.data + y * image.strideBytes, rowBytes);
  }
  return hwc.permute({2, 0, 1}).to(torch::kFloat32).contiguous();
}

torch::Tensor padToSquare(const torch::Tensor& chw, bool centred) {
  const std::int64_t height = chw.size(1);
  const std::int64_t width = chw.size(2);
  if (height == width) {
    return chw;
  }
  const std::int64_t diff = std::abs(height - width);
  // JS Math.round: halves round up.
  const std::int64_t append = centred ? static_cast<std::int64_t>(std::floor(static_cast<double>(diff) * 0.5 + 0.5)) : diff;
  const std::int64_t prepend = diff - append;
  if (height > width) {  // pad columns
    return F::pad(chw, F::PadFuncOptions({prepend, append, 0, 0}));
  }
  return F::pad(chw, F::PadFuncOptions({0, 0, prepend, append}));
}

torch::Tensor toInputTensor(const RgbImage& image, std::int64_t size, bool centred) {
  torch::Tensor square = padToSquare(imageTensor(image), centred);
  if (square.size(1) != size || square.size(2) != size) {
    square = resizeBilinearLegacy(square, size, size);
  }
  return square;
}

}  // namespace winnow::faceapi::detail
