// face-api's FaceLandmark68Net: FaceFeatureExtractor (four dense blocks of depthwise-separable
// convolutions, relu, 7x7 average pool) and a fully connected layer to 136 relative coordinates.
#include <array>
#include <cmath>
#include <string>

#include "tf_ops.hpp"
#include "winnow/faceapi/nets.hpp"
#include "winnow/faceapi/tfjs_weights.hpp"

namespace winnow::faceapi {
namespace {

constexpr std::int64_t kLandmarkInputSize = 112;
constexpr std::array<float, 3> kLandmarkMeanRgb = {122.782F, 117.001F, 104.298F};

struct SeparableConv {
  torch::Tensor depthwise, pointwise, bias;
};

torch::Tensor separable(const SeparableConv& conv, const torch::Tensor& x, std::int64_t stride) {
  const torch::Tensor spatial = detail::conv2dSame(x, conv.depthwise, {}, stride, conv.depthwise.size(0));
  return torch::conv2d(spatial, conv.pointwise, conv.bias);
}

}  // namespace

struct FaceLandmark68Net::Impl {
  torch::Tensor firstWeight, firstBias;  // dense0/conv0: a plain 3x3 convolution
  std::array<SeparableConv, 16> separables;  // dense b, conv c at [4*b + c]; [0] unused
  torch::Tensor fcWeight, fcBias;             // [136, 256], [136]
  torch::Tensor mean;

  Impl(const WeightMap& w, torch::Device device) {
    firstWeight = detail::convWeight(weightAt(w, "dense0/conv0/filters", 4)).to(device);
    firstBias = weightAt(w, "dense0/conv0/bias", 1).to(device);
    for (int block = 0; block < 4; ++block) {
      for (int conv = block == 0 ? 1 : 0; conv < 4; ++conv) {
        const std::string prefix = "dense" + std::to_string(block) + "/conv" + std::to_string(conv);
        separables[static_cast<size_t>(4 * block + conv)] = SeparableConv{
            detail::depthwiseWeight(weightAt(w, prefix + "/depthwise_filter", 4)).to(device),
            detail::convWeight(weightAt(w, prefix + "/pointwise_filter", 4)).to(device),
            weightAt(w, prefix + "/bias", 1).to(device)};
      }
    }
    fcWeight = weightAt(w, "fc/weights", 2).t().contiguous().to(device);
    fcBias = weightAt(w, "fc/bias", 1).to(device);
    mean = torch::tensor(std::vector<float>(kLandmarkMeanRgb.begin(), kLandmarkMeanRgb.end())).view({1, 3, 1, 1}).to(device);
  }

  torch::Tensor denseBlock(const torch::Tensor& x, int block) const {
    const auto at = [&](int conv) -> const SeparableConv& {
      return separables[static_cast<size_t>(4 * block + conv)];
    };
    const torch::Tensor out1 =
        torch::relu(block == 0 ? detail::conv2dSame(x, firstWeight, firstBias, 2) : separable(at(0), x, 2));
    const torch::Tensor out2 = separable(at(1), out1, 1);
    const torch::Tensor in3 = torch::relu(out1 + out2);
    const torch::Tensor out3 = separable(at(2), in3, 1);
    const torch::Tensor in4 = torch::relu(out1 + (out2 + out3));
    const torch::Tensor out4 = separable(at(3), in4, 1);
    return torch::relu(out1 + (out2 + (out3 + out4)));
  }

  torch::Tensor forward(const torch::Tensor& batch) const {
    torch::Tensor x = (batch - mean) / 255.0;
    for (int block = 0; block < 4; ++block) {
      x = denseBlock(x, block);
    }
    x = torch::avg_pool2d(x, {7, 7}, {2, 2});
    return torch::addmm(fcBias, x.flatten(1), fcWeight.t());
  }
};

FaceLandmark68Net::FaceLandmark68Net(const std::filesystem::path& manifest, torch::Device device)
    : impl_(std::make_shared<Impl>(loadTfjsWeights(manifest), device)), device_(device) {}

std::vector<std::array<float, 136>> FaceLandmark68Net::landmarks(const std::vector<RgbImage>& crops) {
  std::vector<std::array<float, 136>> result;
  if (crops.empty()) {
    return result;
  }
  torch::InferenceMode inference;
  std::vector<torch::Tensor> inputs;
  inputs.reserve(crops.size());
  for (const RgbImage& crop : crops) {
    inputs.push_back(detail::toInputTensor(crop, kLandmarkInputSize, true));
  }
  const torch::Tensor out = impl_->forward(torch::stack(inputs).to(device_)).to(torch::kCPU).contiguous();
  const float* values = out.data_ptr<float>();
  for (size_t i = 0; i < crops.size(); ++i) {
    // face-api's postProcess: undo the centred padding in the 112-pixel frame, then scale to the
    // crop's own pixels.
    const double width = crops[i].width;
    const double height = crops[i].height;
    const double scale = kLandmarkInputSize / std::max(width, height);
    const double scaledWidth = width * scale;
    const double scaledHeight = height * scale;
    const double padX = scaledWidth < scaledHeight ? std::abs(scaledWidth - scaledHeight) / 2 : 0.0;
    const double padY = scaledHeight < scaledWidth ? std::abs(scaledWidth - scaledHeight) / 2 : 0.0;
    std::array<float, 136> points{};
    for (size_t p = 0; p < 68; ++p) {
      const double rx = (values[i * 136 + 2 * p] * kLandmarkInputSize - padX) / scaledWidth;
      const double ry = (values[i * 136 + 2 * p + 1] * kLandmarkInputSize - padY) / scaledHeight;
      points[2 * p] = static_cast<float>(rx * width);
      points[2 * p + 1] = static_cast<float>(ry * height);
    }
    result.push_back(points);
  }
  return result;
}

}  // namespace winnow::faceapi
