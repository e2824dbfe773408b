// Training, evaluation and prediction of ClassifierNet models on winnow HDF5 datasets.
//
// A run folder holds: metrics.csv and metrics.json (one row per epoch), checkpoint.pt (native
// LibTorch archive: weights, best weights, optimizer state and progress, rewritten atomically after
// every epoch, so an interrupted run resumes from its last finished epoch), model.h5 (the best
// epoch's weights and the calibration temperature, see model_file.hpp), report.json (test-split
// classification report with the accuracy's 95% interval, baselines, calibration, warnings,
// per-sample test predictions, timings), classification_report.txt and predictions.csv.
//
// Probabilities everywhere (test predictions, evaluate, Predictor) are softmax(logits / T) with the
// model's temperature T, fitted on the val split after training (1 without a val split).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/training/distributed.hpp"
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
  // The process group to join; unset = from torchrun's variables (distributed.hpp), which without
  // WORLD_SIZE is one process.
  std::optional<DistributedEnvironment> distributed = std::nullopt;
};

// Data-parallel when the request or the environment names a world of several processes: each
// rank trains on its shard of every epoch (epochShard), gradients are averaged, rank 0 alone writes
// the run folder and every rank returns the same summary (with "distributed"). PeerLost when
// another rank stops or hangs past the timeout.
// Throws std::runtime_error with a one-line reason for bad input (missing/corrupt dataset, fewer
// than two classes, an empty split, an existing run without resume, a checkpoint that does not
// match), TrainingCancelled on cancel. The val split is optional: without it there is no early
// stopping and no calibration (said in the log and the summary). Returns the run summary (also in
// report.json), with "warnings" (evaluation_warnings.hpp) for the test split.
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
// (rows of other classes are counted and left out). The summary carries the baselines (the model's
// training majority class and the evaluated set's), the source check (rows from sources the model
// was not trained on, accuracy on them vs the model's own test accuracy), calibration (ECE before
// and after the model's temperature) and "warnings".
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
