// face-api's FaceRecognitionNet (dlib's ResNet-29 metric-learning network): conv + scale layers
// (folded into the convolution here), residual blocks, down-sampling blocks whose shortcut is a
// 2x2 average pool zero-padded in channels, global average, 256 -> 128 linear map.
#include <array>
#include <map>
#include <stdexcept>
#include <string>

#include "tf_ops.hpp"
#include "winnow/faceapi/nets.hpp"
#include "winnow/faceapi/tfjs_weights.hpp"

namespace winnow::faceapi {
namespace {

constexpr std::int64_t kRecognitionInputSize = 150;
constexpr std::array<float, 3> kRecognitionMeanRgb = {122.782F, 117.001F, 104.298F};

struct ScaledConv {
  torch::Tensor weight, bias;
};

ScaledConv loadScaledConv(const WeightMap& w, const std::string& prefix, torch::Device device) {
  const torch::Tensor filters = detail::convWeight(weightAt(w, prefix + "/conv/filters", 4));
  const torch::Tensor bias = weightAt(w, prefix + "/conv/bias", 1);
  const torch::Tensor scale = weightAt(w, prefix + "/scale/weights", 1);
  const torch::Tensor shift = weightAt(w, prefix + "/scale/biases", 1);
  return {(filters * scale.view({-1, 1, 1, 1})).to(device), (bias * scale + shift).to(device)};
}

constexpr std::size_t kBlockCount = 14;
// Which of the 14 residual blocks down-sample (names containing "down" in face-api's weights).
constexpr std::array<bool, kBlockCount> kDownBlocks = {false, false, false, true,  false, false, false,
                                                       true,  false, false, true,  false, false, true};

struct Residual {
  ScaledConv conv1, conv2;
  bool down = false;
};

}  // namespace

struct FaceRecognitionNet::Impl {
  ScaledConv stem;
  std::vector<Residual> blocks;
  torch::Tensor fc;  // [256, 128]
  torch::Tensor mean;

  Impl(const WeightMap& w, torch::Device device) {
    stem = loadScaledConv(w, "conv32_down", device);
    mean = torch::tensor(std::vector<float>(kRecognitionMeanRgb.begin(), kRecognitionMeanRgb.end())).view({1, 3, 1, 1}).to(device);
    const char* names[] = {"conv32_1",  "conv32_2",  "conv32_3",  "conv64_down", "conv64_1",
                           "conv64_2",  "conv64_3",  "conv128_down", "conv128_1", "conv128_2",
                           "conv256_down", "conv256_1", "conv256_2", "conv256_down_out"};
    for (const char* name : names) {
      const std::string prefix = name;
      blocks.push_back(Residual{loadScaledConv(w, prefix + "/conv1", device),
                                loadScaledConv(w, prefix + "/conv2", device),
                                prefix.find("down") != std::string::npos});
    }
    fc = weightAt(w, "fc", 2).to(device);
  }

  // From named tensors as namedTensors() lists them (e.g. read back from a model file).
  struct FromNamed {};
  Impl(FromNamed /*tag*/, const std::map<std::string, torch::Tensor>& named, torch::Device device) {
    auto at = [&](const std::string& name) {
      auto found = named.find(name);
      if (found == named.end()) throw std::runtime_error("face recognition weights: missing " + name);
      return found->second.to(device, torch::kFloat32).clone();
    };
    mean = torch::tensor(std::vector<float>(kRecognitionMeanRgb.begin(), kRecognitionMeanRgb.end())).view({1, 3, 1, 1}).to(device);
    stem = {at("stem.weight"), at("stem.bias")};
    for (std::size_t i = 0; i < kBlockCount; ++i) {
      const std::string prefix = "blocks." + std::to_string(i) + ".";
      blocks.push_back(Residual{{at(prefix + "conv1.weight"), at(prefix + "conv1.bias")},
                                {at(prefix + "conv2.weight"), at(prefix + "conv2.bias")},
                                kDownBlocks[i]});
    }
    fc = at("fc");
    if (named.size() != 3 + 4 * kBlockCount) {
      throw std::runtime_error("face recognition weights: " + std::to_string(named.size()) +
                               " tensors, expected " + std::to_string(3 + 4 * kBlockCount));
    }
  }

  std::vector<std::pair<std::string, torch::Tensor>> namedTensors() const {
    std::vector<std::pair<std::string, torch::Tensor>> named = {{"stem.weight", stem.weight},
                                                                {"stem.bias", stem.bias}};
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string prefix = "blocks." + std::to_string(i) + ".";
      named.emplace_back(prefix + "conv1.weight", blocks[i].conv1.weight);
      named.emplace_back(prefix + "conv1.bias", blocks[i].conv1.bias);
      named.emplace_back(prefix + "conv2.weight", blocks[i].conv2.weight);
      named.emplace_back(prefix + "conv2.bias", blocks[i].conv2.bias);
    }
    named.emplace_back("fc", fc);
    return named;
  }

  torch::Tensor forward(const torch::Tensor& batch) const {
    torch::Tensor x = (batch - mean) / 255.0;
    x = torch::relu(detail::conv2dValid(x, stem.weight, stem.bias, 2));
    x = torch::max_pool2d(x, {3, 3}, {2, 2});
    for (const Residual& block : blocks) {
      if (!block.down) {
        torch::Tensor out = torch::relu(detail::conv2dSame(x, block.conv1.weight, block.conv1.bias, 1));
        out = detail::conv2dSame(out, block.conv2.weight, block.conv2.bias, 1);
        x = torch::relu(out + x);
        continue;
      }
      torch::Tensor out = torch::relu(detail::conv2dValid(x, block.conv1.weight, block.conv1.bias, 2));
      out = detail::conv2dSame(out, block.conv2.weight, block.conv2.bias, 1);
      torch::Tensor pooled = torch::avg_pool2d(x, {2, 2}, {2, 2});
      if (pooled.size(2) != out.size(2) || pooled.size(3) != out.size(3)) {
        // face-api appends one zero row and one zero column to the convolution branch.
        out = torch::nn::functional::pad(out, torch::nn::functional::PadFuncOptions({0, 1, 0, 1}));
      }
      if (pooled.size(1) != out.size(1)) {
        pooled = torch::cat({pooled, torch::zeros_like(pooled)}, 1);
      }
      x = torch::relu(pooled + out);
    }
    return torch::mm(x.mean({2, 3}), fc);
  }
};

FaceRecognitionNet::FaceRecognitionNet(const std::filesystem::path& manifest, torch::Device device)
    : impl_(std::make_shared<Impl>(loadTfjsWeights(manifest), device)), device_(device) {}

FaceRecognitionNet::FaceRecognitionNet(const std::map<std::string, torch::Tensor>& named,
                                       torch::Device device)
    : impl_(std::make_shared<Impl>(Impl::FromNamed{}, named, device)), device_(device) {}

std::vector<std::pair<std::string, torch::Tensor>> FaceRecognitionNet::namedTensors() const {
  return impl_->namedTensors();
}

torch::Tensor FaceRecognitionNet::forwardWithGrad(const torch::Tensor& batch) {
  return impl_->forward(batch.to(device_));
}

torch::Tensor FaceRecognitionNet::forward(const torch::Tensor& batch) {
  torch::InferenceMode inference;
  return impl_->forward(batch.to(device_));
}

torch::Tensor FaceRecognitionNet::descriptors(const std::vector<RgbImage>& crops) {
  if (crops.empty()) {
    return torch::empty({0, 128});
  }
  torch::InferenceMode inference;
  std::vector<torch::Tensor> inputs;
  inputs.reserve(crops.size());
  for (const RgbImage& crop : crops) {
    inputs.push_back(detail::toInputTensor(crop, kRecognitionInputSize, true));
  }
  return impl_->forward(torch::stack(inputs).to(device_)).to(torch::kCPU).contiguous();
}

}  // namespace winnow::faceapi
