// Training, evaluation and prediction of ClassifierNet models on winnow HDF5 datasets.
//
// A run folder holds: metrics.csv and metrics.json (one row per epoch), checkpoint.pt (native
// LibTorch archive: weights, best weights, optimizer state and progress, rewritten atomically after
// every epoch, so an interrupted run resumes from its last finished epoch), model.h5 (the best
// epoch's weights, see model_file.hpp), report.json (test-split classification report, baselines,
// per-sample test predictions, timings), classification_report.txt and predictions.csv.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/training/model_file.hpp"
#include "winnow/training/train_config.hpp"

namespace winnow::training {

// Thrown when TrainHooks::cancelled() turned true; what has been checkpointed stays.
class TrainingCancelled : public std::runtime_error {
 public:
  TrainingCancelled() : std::runtime_error("cancelled") {}
};

struct TrainHooks {
  std::function<void(const std::string& line)> log;  // progress lines for people
  std::function<void(std::int64_t done, std::int64_t total, const std::string& stage)> progress;
  std::function<bool()> cancelled;
};

struct TrainRequest {
  std::filesystem::path dataset;
  std::filesystem::path runDir;
  bool resume = false;                // continue from runDir/checkpoint.pt
  std::string defaultFaceModelDir;    // face-api weights when config.weights is empty
};

// Throws std::runtime_error with a one-line reason for bad input (missing/corrupt dataset, fewer
// than two classes, an empty split, an existing run without resume, a checkpoint that does not
// match), TrainingCancelled on cancel. Returns the run summary (also in report.json).
nlohmann::json trainClassifier(const TrainConfig& config, const TrainRequest& request, const TrainHooks& hooks);

struct EvaluateRequest {
  std::filesystem::path model;
  std::filesystem::path dataset;
  std::filesystem::path outputDir;  // "" = write nothing
  std::string split = "all";        // all | train | val | test
  std::string device = "auto";
  std::int64_t batchSize = 64;
};

// Scores a model on the labelled rows of a dataset whose class names match the model's by name
// (rows of other classes are counted and left out).
nlohmann::json evaluateClassifier(const EvaluateRequest& request, const TrainHooks& hooks);

// Class probabilities for pictures of any size: each is fitted to the model's dataset image size
// the way the exporter fitted the training data (letterbox, center_crop or stretch), then
// preprocessed as in training.
class Predictor {
 public:
  Predictor(const std::filesystem::path& modelPath, const std::string& device);
  const ModelFile& model() const { return model_; }
  // image: uint8 HWC (C = 1, 3 or 4; RGB order). Returns [classCount] probabilities.
  std::vector<float> probabilities(const torch::Tensor& imageHwc);

 private:
  ModelFile model_;
  std::shared_ptr<ClassifierNet> net_;
};

// "auto" picks CUDA when available. Throws for "cuda" without one.
torch::Device resolveDevice(const std::string& name);

}  // namespace winnow::training
