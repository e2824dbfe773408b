#include "winnow/training/classifier_net.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "winnow/faceapi/nets.hpp"
#include "winnow/torchvision/models.hpp"
#include "winnow/torchvision/state_dict.hpp"

namespace winnow::training {
namespace {

constexpr std::int64_t kFaceInputSize = 150;
constexpr std::int64_t kFaceDescriptorDim = 128;
const char* const kBackbonePrefix = "backbone.";

// The torchvision classifier the head replaces; its tensors are not part of the state.
std::string replacedClassifierPrefix(const std::string& backbone) {
  return backbone.rfind("resnet", 0) == 0 ? "fc." : "classifier.";
}

// One block of the small CNN: 3x3 convolution, batch norm, ReLU, 2x2 max pool.
struct ConvBlockImpl : torch::nn::Module {
  ConvBlockImpl(std::int64_t in, std::int64_t out)
      : conv(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)))),
        norm(register_module("norm", torch::nn::BatchNorm2d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) { return torch::max_pool2d(torch::relu(norm->forward(conv->forward(x))), 2); }
  torch::nn::Conv2d conv;
  torch::nn::BatchNorm2d norm;
};
TORCH_MODULE(ConvBlock);

torch::nn::Sequential makeSmallCnn() {
  torch::nn::Sequential features;
  std::int64_t in = 3;
  for (std::int64_t out : {32, 64, 128, 256}) {
    features->push_back(ConvBlock(in, out));
    in = out;
  }
  return features;
}

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

nlohmann::json NetSpec::toJson() const {
  return {{"backbone", backbone},
          {"head", {{"hidden", headHidden}, {"dropout", headDropout}}},
          {"class_count", classCount},
          {"input_size", inputSize}};
}

NetSpec NetSpec::fromJson(const nlohmann::json& json) {
  try {
    NetSpec spec;
    spec.backbone = json.at("backbone").get<std::string>();
    spec.headHidden = json.at("head").at("hidden").get<std::vector<std::int64_t>>();
    spec.headDropout = json.at("head").at("dropout").get<double>();
    spec.classCount = json.at("class_count").get<std::int64_t>();
    spec.inputSize = json.at("input_size").get<std::int64_t>();
    return spec;
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("architecture: ") + error.what());
  }
}

std::vector<std::string> classifierBackboneNames() {
  std::vector<std::string> names = torchvision::backboneNames();
  names.emplace_back("faceapi_recognition");
  names.emplace_back("small_cnn");
  return names;
}

BackboneKind backboneKindOf(const std::string& name) {
  if (name == "faceapi_recognition") return BackboneKind::FaceRecognition;
  if (name == "small_cnn") return BackboneKind::SmallCnn;
  const auto names = torchvision::backboneNames();
  return std::find(names.begin(), names.end(), name) != names.end() ? BackboneKind::Torchvision
                                                                     : BackboneKind::Invalid;
}

std::string blockOfTensor(const std::string& name) {
  const std::size_t first = name.find('.');
  if (first == std::string::npos) return name;
  const std::string head = name.substr(0, first);
  if (head == "features" || head == "blocks") {
    const std::size_t second = name.find('.', first + 1);
    return name.substr(0, second);
  }
  return head;
}

ClassifierNet::~ClassifierNet() = default;

ClassifierNet::ClassifierNet(const NetSpec& spec, torch::Device device)
    : spec_(spec), kind_(backboneKindOf(spec.backbone)), device_(device) {
  if (kind_ == BackboneKind::Invalid) {
    std::string known;
    for (const auto& name : classifierBackboneNames()) known += (known.empty() ? "" : ", ") + name;
    throw std::invalid_argument("backbone \"" + spec.backbone + "\" is unknown (known: " + known + ")");
  }
  if (spec_.classCount < 2) throw std::invalid_argument("a classifier needs at least 2 classes");
  if (kind_ == BackboneKind::FaceRecognition) spec_.inputSize = kFaceInputSize;
  if (spec_.inputSize < 32 || spec_.inputSize > 1024) {
    throw std::invalid_argument("input size " + std::to_string(spec_.inputSize) + " outside [32, 1024]");
  }
  switch (kind_) {
    case BackboneKind::Torchvision:
      torchvisionBackbone_ = torchvision::makeBackbone(spec_.backbone, 1000);
      register_module("backbone", torchvisionBackbone_);
      featureDim_ = torchvisionBackbone_->featureDim();
      break;
    case BackboneKind::SmallCnn:
      smallCnn_ = register_module("backbone", makeSmallCnn());
      featureDim_ = 256;
      break;
    case BackboneKind::FaceRecognition: {
      // Random initial tensors of the right shapes; loadPretrainedBackbone or loadNamedState
      // replaces them. (No torch::nn registration: the port keeps plain tensors.)
      NamedTensors random;
      auto conv = [&](const std::string& name, std::int64_t out, std::int64_t in, std::int64_t k) {
        random[name + ".weight"] = torch::randn({out, in, k, k}) * std::sqrt(2.0 / static_cast<double>(in * k * k));
        random[name + ".bias"] = torch::zeros({out});
      };
      conv("stem", 32, 3, 7);
      const std::int64_t widths[] = {32, 32, 32, 64, 64, 64, 64, 128, 128, 128, 256, 256, 256, 256};
      std::int64_t in = 32;
      for (int i = 0; i < 14; ++i) {
        const std::string prefix = "blocks." + std::to_string(i);
        conv(prefix + ".conv1", widths[i], in, 3);
        conv(prefix + ".conv2", widths[i], widths[i], 3);
        in = widths[i];
      }
      random["fc"] = torch::randn({256, kFaceDescriptorDim}) / 16.0;
      faceNet_ = std::make_shared<faceapi::FaceRecognitionNet>(random, device_);
      featureDim_ = kFaceDescriptorDim;
      break;
    }
    case BackboneKind::Invalid: break;
  }
  head_ = torch::nn::Sequential();
  std::int64_t in = featureDim_;
  for (std::int64_t width : spec_.headHidden) {
    head_->push_back(torch::nn::Linear(in, width));
    head_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    if (spec_.headDropout > 0) head_->push_back(torch::nn::Dropout(spec_.headDropout));
    in = width;
  }
  if (spec_.headHidden.empty() && spec_.headDropout > 0) head_->push_back(torch::nn::Dropout(spec_.headDropout));
  head_->push_back(torch::nn::Linear(in, spec_.classCount));
  register_module("head", head_);
  mean_ = torch::tensor({0.485F, 0.456F, 0.406F}).view({1, 3, 1, 1});
  std_ = torch::tensor({0.229F, 0.224F, 0.225F}).view({1, 3, 1, 1});
  to(device_);
  mean_ = mean_.to(device_);
  std_ = std_.to(device_);
  trainableBlocks_ = backboneBlocks();
}

void ClassifierNet::loadPretrainedBackbone(const std::string& weights) {
  if (weights.empty()) return;
  switch (kind_) {
    case BackboneKind::Torchvision: {
      torchvision::StateDict state = torchvision::renameLegacyTorchvisionKeys(torchvision::loadStateDict(weights));
      try {
        torchvision::loadStateDictInto(*torchvisionBackbone_, state);
      } catch (const std::exception& error) {
        throw std::runtime_error(weights + ": " + error.what());
      }
      break;
    }
    case BackboneKind::FaceRecognition: {
      std::filesystem::path path = weights;
      if (std::filesystem::is_directory(path)) path = faceapi::ModelDir{path}.recognition();
      auto loaded = std::make_shared<faceapi::FaceRecognitionNet>(path, device_);
      faceNet_ = loaded;
      break;
    }
    case BackboneKind::SmallCnn:
      throw std::runtime_error("small_cnn trains from scratch; it takes no pretrained weights (" + weights + ")");
    case BackboneKind::Invalid: break;
  }
}

torch::Tensor ClassifierNet::toUnitRange(const torch::Tensor& imagesNhwc) const {
  torch::Tensor x = imagesNhwc.to(device_, /*non_blocking=*/true).permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0);
  if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
  // Channels-last (NHWC in memory), as the permuted pixels already are: oneDNN and cuDNN run
  // convolutions faster in it, and every layer's output keeps it.
  return x.contiguous(torch::MemoryFormat::ChannelsLast);
}

torch::Tensor ClassifierNet::normalise(const torch::Tensor& unitImages) const {
  torch::Tensor x = unitImages;
  if (x.size(2) != spec_.inputSize || x.size(3) != spec_.inputSize) {
    x = torch::nn::functional::interpolate(
        x, torch::nn::functional::InterpolateFuncOptions()
               .size(std::vector<std::int64_t>{spec_.inputSize, spec_.inputSize})
               .mode(torch::kBilinear)
               .align_corners(false));
  }
  if (kind_ == BackboneKind::FaceRecognition) return x * 255.0;
  return (x - mean_) / std_;
}

torch::Tensor ClassifierNet::features(const torch::Tensor& normalisedImages) {
  switch (kind_) {
    case BackboneKind::Torchvision: {
      torch::Tensor f = torchvisionBackbone_->features(normalisedImages);
      if (f.dim() == 4) f = torch::adaptive_avg_pool2d(f, {1, 1}).flatten(1);  // squeezenet's map
      return f;
    }
    case BackboneKind::SmallCnn:
      return torch::adaptive_avg_pool2d(smallCnn_->forward(normalisedImages), {1, 1}).flatten(1);
    case BackboneKind::FaceRecognition:
      return faceNet_->forwardWithGrad(normalisedImages);
    case BackboneKind::Invalid: break;
  }
  throw std::logic_error("ClassifierNet without a backbone");
}

torch::Tensor ClassifierNet::classify(const torch::Tensor& features) { return head_->forward(features); }

std::vector<std::string> ClassifierNet::backboneBlocks() const {
  std::vector<std::string> blocks;
  const std::string skipped = kind_ == BackboneKind::Torchvision ? replacedClassifierPrefix(spec_.backbone) : "";
  std::vector<std::string> names;
  if (kind_ == BackboneKind::FaceRecognition) {
    for (const auto& [name, tensor] : faceNet_->namedTensors()) names.push_back(name);
  } else {
    const torch::nn::Module& backbone =
        kind_ == BackboneKind::Torchvision ? static_cast<const torch::nn::Module&>(*torchvisionBackbone_)
                                           : static_cast<const torch::nn::Module&>(*smallCnn_);
    for (const auto& item : backbone.named_parameters()) names.push_back(item.key());
  }
  for (const auto& name : names) {
    if (!skipped.empty() && startsWith(name, skipped)) continue;
    const std::string block = blockOfTensor(name);
    if (std::find(blocks.begin(), blocks.end(), block) == blocks.end()) blocks.push_back(block);
  }
  return blocks;
}

std::vector<torch::Tensor> ClassifierNet::selectTrainableBackbone(std::int64_t lastBlocks) {
  const std::vector<std::string> blocks = backboneBlocks();
  std::set<std::string> trainable;
  if (lastBlocks == 0) {
    trainable.insert(blocks.begin(), blocks.end());
  } else if (lastBlocks > 0) {
    const auto first = blocks.size() > static_cast<std::size_t>(lastBlocks) ? blocks.size() - static_cast<std::size_t>(lastBlocks) : 0;
    trainable.insert(blocks.begin() + static_cast<std::ptrdiff_t>(first), blocks.end());
  }
  trainableBlocks_.assign(trainable.begin(), trainable.end());
  std::vector<torch::Tensor> selected;
  const std::string skipped = kind_ == BackboneKind::Torchvision ? replacedClassifierPrefix(spec_.backbone) : "";
  auto visit = [&](const std::string& name, torch::Tensor tensor) {
    const bool on = trainable.count(blockOfTensor(name)) > 0 && (skipped.empty() || !startsWith(name, skipped));
    tensor.set_requires_grad(on);
    if (on) selected.push_back(tensor);
  };
  if (kind_ == BackboneKind::FaceRecognition) {
    for (auto& [name, tensor] : faceNet_->namedTensors()) visit(name, tensor);
  } else {
    torch::nn::Module& backbone = kind_ == BackboneKind::Torchvision ? static_cast<torch::nn::Module&>(*torchvisionBackbone_)
                                                                      : static_cast<torch::nn::Module&>(*smallCnn_);
    for (auto& item : backbone.named_parameters()) visit(item.key(), item.value());
  }
  return selected;
}

std::vector<torch::Tensor> ClassifierNet::headParameters() { return head_->parameters(); }

void ClassifierNet::setTrainingMode(bool on) {
  train(on);
  if (!on || kind_ == BackboneKind::FaceRecognition) return;
  const std::set<std::string> trainable(trainableBlocks_.begin(), trainableBlocks_.end());
  torch::nn::Module& backbone = kind_ == BackboneKind::Torchvision ? static_cast<torch::nn::Module&>(*torchvisionBackbone_)
                                                                    : static_cast<torch::nn::Module&>(*smallCnn_);
  for (auto& item : backbone.named_modules("", /*include_self=*/false)) {
    if (trainable.count(blockOfTensor(item.key())) == 0) item.value()->eval();
  }
}

NamedTensors ClassifierNet::namedState() const {
  NamedTensors state;
  const std::string skipped = kind_ == BackboneKind::Torchvision ? replacedClassifierPrefix(spec_.backbone) : "";
  auto add = [&](const std::string& prefix, const torch::nn::Module& module) {
    for (const auto& item : module.named_parameters()) state[prefix + item.key()] = item.value();
    for (const auto& item : module.named_buffers()) state[prefix + item.key()] = item.value();
  };
  switch (kind_) {
    case BackboneKind::Torchvision: add(kBackbonePrefix, *torchvisionBackbone_); break;
    case BackboneKind::SmallCnn: add(kBackbonePrefix, *smallCnn_); break;
    case BackboneKind::FaceRecognition:
      for (const auto& [name, tensor] : faceNet_->namedTensors()) state[kBackbonePrefix + name] = tensor;
      break;
    case BackboneKind::Invalid: break;
  }
  if (!skipped.empty()) {
    for (auto it = state.begin(); it != state.end();) {
      it = startsWith(it->first, kBackbonePrefix + skipped) ? state.erase(it) : std::next(it);
    }
  }
  add("head.", *head_);
  return state;
}

void ClassifierNet::loadNamedState(const NamedTensors& state) {
  NamedTensors own = namedState();
  std::string problems;
  for (const auto& [name, tensor] : own) {
    auto found = state.find(name);
    if (found == state.end()) {
      problems += " missing " + name + ";";
    } else if (found->second.sizes() != tensor.sizes()) {
      problems += " " + name + " has shape " + c10::str(found->second.sizes()) + ", expected " + c10::str(tensor.sizes()) + ";";
    }
  }
  for (const auto& [name, tensor] : state) {
    (void)tensor;
    if (own.count(name) == 0) problems += " unexpected " + name + ";";
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw std::runtime_error("weights do not fit the " + spec_.backbone + " architecture:" + problems);
  }
  torch::NoGradGuard noGrad;
  for (auto& [name, tensor] : own) tensor.copy_(state.at(name).to(tensor.device(), tensor.scalar_type()));
}

}  // namespace winnow::training
