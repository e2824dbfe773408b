// SSD-MobileNetV1 as in face-api's src/ssdMobilenetv1: MobileNetV1 (relu6, depthwise layers with
// batch norm), eight extra pointwise layers, six box predictors (3 anchors on the 32x32 map, 6 on
// the others: 5118 anchors), box decoding against the stored anchors (Output/extra_dim) with
// variances 10 and 5, sigmoid face score, greedy NMS.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "tf_ops.hpp"
#include "winnow/faceapi/nets.hpp"
#include "winnow/faceapi/tfjs_weights.hpp"

namespace winnow::faceapi {

torch::Device parseDevice(const std::string& name) {
  if (name == "cpu") {
    return torch::Device(torch::kCPU);
  }
  if (name == "cuda" || name == "auto") {
    if (torch::cuda::is_available()) {
      return torch::Device(torch::kCUDA, 0);
    }
    if (name == "cuda") {
      throw std::runtime_error("device 'cuda' requested but no CUDA device is available");
    }
    return torch::Device(torch::kCPU);
  }
  throw std::runtime_error("unknown device '" + name + "' (expected cpu, cuda or auto)");
}

namespace {

constexpr float kBatchNormEpsilon = 0.0010000000474974513F;
constexpr std::int64_t kSsdInputSize = 512;

struct ConvLayer {
  torch::Tensor weight, bias;
  std::int64_t stride = 1;
  std::int64_t groups = 1;
};

torch::Tensor clampRelu6(const torch::Tensor& x) { return torch::clamp(x, 0.0, 6.0); }

torch::Tensor run(const ConvLayer& layer, const torch::Tensor& x) {
  return detail::conv2dSame(x, layer.weight, layer.bias, layer.stride, layer.groups);
}

bool isStrideTwo(int layer) { return layer == 2 || layer == 4 || layer == 6 || layer == 12; }

}  // namespace

struct SsdMobilenetV1::Impl {
  ConvLayer conv0;
  std::array<ConvLayer, 13> depthwise;
  std::array<ConvLayer, 13> pointwise;
  std::array<ConvLayer, 8> prediction;
  std::array<ConvLayer, 6> boxEncoding;
  std::array<ConvLayer, 6> classes;
  torch::Tensor anchors;  // [5118, 4] ymin, xmin, ymax, xmax

  Impl(const WeightMap& w, torch::Device device) {
    auto pointwiseLayer = [&](const std::string& prefix, std::int64_t stride) {
      return ConvLayer{detail::convWeight(weightAt(w, prefix + "/weights", 4)).to(device),
                       weightAt(w, prefix + "/convolution_bn_offset", 1).to(device), stride, 1};
    };
    conv0 = pointwiseLayer("MobilenetV1/Conv2d_0_pointwise", 2);
    for (int i = 1; i <= 13; ++i) {
      const std::string dw = "MobilenetV1/Conv2d_" + std::to_string(i) + "_depthwise";
      const torch::Tensor filters = detail::depthwiseWeight(weightAt(w, dw + "/depthwise_weights", 4));
      const torch::Tensor gamma = weightAt(w, dw + "/BatchNorm/gamma", 1);
      const torch::Tensor beta = weightAt(w, dw + "/BatchNorm/beta", 1);
      const torch::Tensor mean = weightAt(w, dw + "/BatchNorm/moving_mean", 1);
      const torch::Tensor variance = weightAt(w, dw + "/BatchNorm/moving_variance", 1);
      // Batch norm folded into the depthwise convolution.
      const torch::Tensor factor = gamma / torch::sqrt(variance + kBatchNormEpsilon);
      const std::int64_t channels = filters.size(0);
      depthwise[static_cast<size_t>(i - 1)] =
          ConvLayer{(filters * factor.view({-1, 1, 1, 1})).to(device), (beta - mean * factor).to(device),
                    isStrideTwo(i) ? 2 : 1, channels};
      pointwise[static_cast<size_t>(i - 1)] =
          pointwiseLayer("MobilenetV1/Conv2d_" + std::to_string(i) + "_pointwise", 1);
    }
    for (int i = 0; i < 8; ++i) {
      prediction[static_cast<size_t>(i)] =
          pointwiseLayer("Prediction/Conv2d_" + std::to_string(i) + "_pointwise", i % 2 == 1 ? 2 : 1);
    }
    for (int i = 0; i < 6; ++i) {
      const std::string prefix = "Prediction/BoxPredictor_" + std::to_string(i);
      boxEncoding[static_cast<size_t>(i)] =
          ConvLayer{detail::convWeight(weightAt(w, prefix + "/BoxEncodingPredictor/weights", 4)).to(device),
                    weightAt(w, prefix + "/BoxEncodingPredictor/biases", 1).to(device), 1, 1};
      classes[static_cast<size_t>(i)] =
          ConvLayer{detail::convWeight(weightAt(w, prefix + "/ClassPredictor/weights", 4)).to(device),
                    weightAt(w, prefix + "/ClassPredictor/biases", 1).to(device), 1, 1};
    }
    anchors = weightAt(w, "Output/extra_dim", 3).reshape({-1, 4}).to(device);
  }
};

SsdMobilenetV1::SsdMobilenetV1(const std::filesystem::path& manifest, torch::Device device)
    : impl_(std::make_shared<Impl>(loadTfjsWeights(manifest), device)), device_(device) {}

std::pair<torch::Tensor, torch::Tensor> SsdMobilenetV1::forward(const torch::Tensor& batch) {
  const Impl& m = *impl_;
  const std::int64_t n = batch.size(0);
  torch::Tensor x = batch.to(device_) / 127.5 - 1.0;
  x = clampRelu6(run(m.conv0, x));
  torch::Tensor conv11;
  for (size_t i = 0; i < 13; ++i) {
    x = clampRelu6(run(m.depthwise[i], x));
    x = clampRelu6(run(m.pointwise[i], x));
    if (i == 10) {
      conv11 = x;
    }
  }
  std::array<torch::Tensor, 8> extra;
  torch::Tensor y = x;
  for (size_t i = 0; i < 8; ++i) {
    y = clampRelu6(run(m.prediction[i], y));
    extra[i] = y;
  }
  const std::array<torch::Tensor, 6> maps = {conv11, x, extra[1], extra[3], extra[5], extra[7]};
  std::vector<torch::Tensor> encodings;
  std::vector<torch::Tensor> scores;
  for (size_t i = 0; i < 6; ++i) {
    // TF reshapes NHWC outputs: anchors vary fastest, then x, then y.
    encodings.push_back(run(m.boxEncoding[i], maps[i]).permute({0, 2, 3, 1}).reshape({n, -1, 4}));
    scores.push_back(run(m.classes[i], maps[i]).permute({0, 2, 3, 1}).reshape({n, -1, 3}));
  }
  const torch::Tensor encoding = torch::cat(encodings, 1);  // [N, 5118, 4]
  const torch::Tensor classScores = torch::cat(scores, 1);  // [N, 5118, 3]

  const torch::Tensor anchorHeight = m.anchors.select(1, 2) - m.anchors.select(1, 0);
  const torch::Tensor anchorWidth = m.anchors.select(1, 3) - m.anchors.select(1, 1);
  const torch::Tensor anchorY = m.anchors.select(1, 0) + anchorHeight / 2;
  const torch::Tensor anchorX = m.anchors.select(1, 1) + anchorWidth / 2;
  const torch::Tensor halfHeight = torch::exp(encoding.select(2, 2) / 5) * anchorHeight / 2;
  const torch::Tensor centreY = encoding.select(2, 0) / 10 * anchorHeight + anchorY;
  const torch::Tensor halfWidth = torch::exp(encoding.select(2, 3) / 5) * anchorWidth / 2;
  const torch::Tensor centreX = encoding.select(2, 1) / 10 * anchorWidth + anchorX;
  const torch::Tensor boxes = torch::stack(
      {centreY - halfHeight, centreX - halfWidth, centreY + halfHeight, centreX + halfWidth}, 2);
  const torch::Tensor faceScores = torch::sigmoid(classScores.select(2, 1));
  return {boxes, faceScores};
}

namespace {

// face-api's IOU on (ymin, xmin, ymax, xmax) rows.
float intersectionOverUnion(const float* a, const float* b) {
  const float ay0 = std::min(a[0], a[2]), ax0 = std::min(a[1], a[3]);
  const float ay1 = std::max(a[0], a[2]), ax1 = std::max(a[1], a[3]);
  const float by0 = std::min(b[0], b[2]), bx0 = std::min(b[1], b[3]);
  const float by1 = std::max(b[0], b[2]), bx1 = std::max(b[1], b[3]);
  const float areaA = (ay1 - ay0) * (ax1 - ax0);
  const float areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) {
    return 0.0F;
  }
  const float intersection = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.0F) *
                             std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.0F);
  return intersection / (areaA + areaB - intersection);
}

}  // namespace

std::vector<Detection> SsdMobilenetV1::detect(const RgbImage& image, float minConfidence,
                                              int maxResults, float iouThreshold) {
  torch::InferenceMode inference;
  const torch::Tensor input = detail::toInputTensor(image, kSsdInputSize, false).unsqueeze(0);
  auto [boxesBatch, scoresBatch] = forward(input);
  const torch::Tensor boxes = boxesBatch[0].to(torch::kCPU).contiguous();
  const torch::Tensor scores = scoresBatch[0].to(torch::kCPU).contiguous();
  const float* box = boxes.data_ptr<float>();
  const float* score = scores.data_ptr<float>();
  const std::int64_t count = scores.size(0);

  std::vector<std::int64_t> candidates;
  for (std::int64_t i = 0; i < count; ++i) {
    if (score[i] > minConfidence) {
      candidates.push_back(i);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::int64_t a, std::int64_t b) { return score[a] > score[b]; });
  std::vector<std::int64_t> selected;
  const auto limit = static_cast<size_t>(std::max(0, std::min<int>(maxResults, static_cast<int>(count))));
  for (const std::int64_t candidate : candidates) {
    if (selected.size() >= limit) {
      break;
    }
    bool keep = true;
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
      const float iou = intersectionOverUnion(box + 4 * candidate, box + 4 * *it);
      if (iou > iouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) {
      selected.push_back(candidate);
    }
  }

  // Relative to the padded square -> pixels of the image (face-api's locateFaces + rescale).
  const double side = std::max(image.width, image.height);
  const double reshapedWidth = std::round(image.width * (kSsdInputSize / side));
  const double reshapedHeight = std::round(image.height * (kSsdInputSize / side));
  const double padX = kSsdInputSize / reshapedWidth;
  const double padY = kSsdInputSize / reshapedHeight;
  std::vector<Detection> detections;
  for (const std::int64_t i : selected) {
    const float* b = box + 4 * i;
    const double top = std::max(0.0F, b[0]) * padY;
    const double bottom = std::min(1.0F, b[2]) * padY;
    const double left = std::max(0.0F, b[1]) * padX;
    const double right = std::min(1.0F, b[3]) * padX;
    Detection d;
    d.x = static_cast<float>(left * image.width);
    d.y = static_cast<float>(top * image.height);
    d.width = static_cast<float>((right - left) * image.width);
    d.height = static_cast<float>((bottom - top) * image.height);
    d.score = score[i];
    detections.push_back(d);
  }
  return detections;
}

}  // namespace winnow::faceapi
