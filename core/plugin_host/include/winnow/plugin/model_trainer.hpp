// Typed wrapper over a model capability's training, evaluation and classification ops (plugin
// API level 4), e.g. torch_classifier. Not thread-safe (one per thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/image/image.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

struct ModelProgress {
  std::function<void(std::uint64_t done, std::uint64_t total, const std::string& stage)> report;
  std::function<void(const std::string& line)> line;
};

class ModelTrainer {
 public:
  // Fails (InvalidArgument) when the instance is not a model or lacks the level-4 ops.
  static Result<ModelTrainer> wrap(std::unique_ptr<CapabilityInstance> instance);

  // request/results: see winnow_model_ops in plugin_abi.h. Cancel: ErrorCode::Cancelled.
  Result<nlohmann::json> train(const nlohmann::json& request, const ModelProgress& progress);
  Result<nlohmann::json> evaluate(const nlohmann::json& request, const ModelProgress& progress);
  // Loads a model file for classify(); returns its description (class_names, preprocessing, ...).
  Result<nlohmann::json> loadModel(const std::string& modelPath);
  // Probabilities per image (one vector of class_count per image) after loadModel.
  Result<std::vector<std::vector<float>>> classify(const std::vector<Image>& images);

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  explicit ModelTrainer(std::unique_ptr<CapabilityInstance> instance) : instance_(std::move(instance)) {}
  std::unique_ptr<CapabilityInstance> instance_;
  std::size_t classCount_ = 0;
};

}  // namespace winnow::plugin
