// Everything that defines a training run, parsed from the model capability's parameters (JSON,
// validated against the manifest's schema by the host; parseTrainConfig re-checks the ranges it
// relies on so the library is safe to call directly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::training {

enum class TrainMode { Invalid = 0, Features, FineTune };
enum class OptimizerKind { Invalid = 0, Sgd, Adam, AdamW };
enum class ScheduleKind { Invalid = 0, Constant, Step, Cosine, OneCycle };
enum class StopMetric { Invalid = 0, ValAccuracy, ValMacroF1, ValLoss };

// Per-batch augmentation on the device, applied to training batches in fine-tune mode.
struct AugmentConfig {
  double flipProbability = 0.5;
  double rotationDegrees = 0.0;     // uniform in [-d, d]
  double cropScaleMin = 1.0;        // random resized crop: area fraction in [min, 1]; 1 = off
  double brightness = 0.0;          // factor in [1 - b, 1 + b]
  double contrast = 0.0;
  double saturation = 0.0;
  double noiseStd = 0.0;            // Gaussian noise, in 0..1 pixel units
  double blurProbability = 0.0;     // Gaussian blur with sigma in [0.1, blurSigmaMax]
  double blurSigmaMax = 1.5;
  bool enabled() const;
};

struct TrainConfig {
  std::string backbone = "resnet18";  // a torchvision name, "small_cnn" or "faceapi_recognition"
  std::string weights;                // .pth for torchvision names; face-api model dir; "" = none
  std::vector<std::int64_t> headHidden;  // widths of hidden layers of the head, e.g. {512, 256}
  double headDropout = 0.2;
  TrainMode mode = TrainMode::FineTune;
  std::int64_t trainableBlocks = 0;   // fine-tune: the last k backbone blocks; 0 = all
  std::int64_t inputSize = 0;         // 0: the dataset's size (face backbone: always 150)
  OptimizerKind optimizer = OptimizerKind::AdamW;
  double learningRate = 1e-3;
  double backboneLrFactor = 0.1;      // backbone lr = learningRate * factor (fine-tune)
  double weightDecay = 1e-4;
  double momentum = 0.9;              // SGD
  ScheduleKind schedule = ScheduleKind::Cosine;
  std::int64_t stepEpochs = 10;       // step schedule
  double stepGamma = 0.1;
  double labelSmoothing = 0.0;
  bool balancedClassWeights = false;  // loss weights n / (K * n_k) from the train split
  bool mixedPrecision = true;         // CUDA only (bfloat16 autocast); ignored on the CPU
  std::int64_t epochs = 20;
  std::int64_t batchSize = 32;         // per process: a data-parallel step sees batchSize * world size
  // Batch-norm layers in training: "batch" normalises with each batch's statistics (per rank in a
  // data-parallel run, as DistributedDataParallel without SyncBatchNorm); "frozen" keeps them in
  // eval mode (running statistics, affine parameters still learnt), so a step does not depend on
  // how a batch is split across ranks.
  bool frozenBatchNorm = false;
  StopMetric stopMetric = StopMetric::ValAccuracy;
  std::int64_t patience = 5;          // epochs without improvement before stopping; 0 = never
  std::uint64_t seed = 1;
  std::string device = "auto";        // auto | cpu | cuda
  std::int64_t threads = 0;           // CPU threads for LibTorch; 0 = one per core
  bool linearProbeBaseline = true;
  AugmentConfig augment;

  nlohmann::json toJson() const;
};

// Throws std::invalid_argument "<field>: <reason>".
TrainConfig parseTrainConfig(const nlohmann::json& params);

const char* toString(TrainMode mode);
const char* toString(StopMetric metric);

}  // namespace winnow::training
