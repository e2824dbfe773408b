#include "winnow/training/trainer.hpp"

#include <torch/torch.h>
#include <torch/version.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "winnow/training/batch_augment.hpp"
#include "winnow/training/calibration.hpp"
#include "winnow/training/classification_metrics.hpp"
#include "winnow/training/evaluation_warnings.hpp"
#include "winnow/training/cuda_autocast.hpp"
#include "winnow/training/dataset_file.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;
const char* const kCheckpointName = "checkpoint.pt";

using Clock = std::chrono::steady_clock;

// glibc serves large blocks (activations, gradients: megabytes each) with mmap and gives them back
// on free, so every training step page-faults its working set in again: measured on the 2-core
// CPU machine, resnet18 at 112 px trained at 38 img/s that way and at 74 img/s with the blocks
// kept in the heap. Process-wide, set once; the memory stays with the process while it trains.
void keepLargeBlocksInHeap() {
#if defined(__GLIBC__)
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
#endif
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void writeTextAtomic(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(path.string() + ": cannot write");
  }
  fs::rename(temp, path);
}

torch::Tensor rowsTensor(const std::vector<std::int64_t>& rows) {
  return torch::tensor(rows, torch::kInt64);
}

struct SplitData {
  std::vector<std::int64_t> rows;  // dataset rows
  torch::Tensor images;            // uint8 NHWC on the device
  torch::Tensor labels;            // int64 on the device
  std::vector<std::int64_t> labelValues;
};

SplitData takeSplit(const DatasetFile& data, SplitCode split, torch::Device device) {
  SplitData out;
  out.rows = data.labelledRows(split);
  torch::Tensor index = rowsTensor(out.rows);
  torch::Tensor images = data.images.index_select(0, index);
  if (device.is_cuda()) images = images.pin_memory();
  out.images = images.to(device, /*non_blocking=*/true);
  for (auto row : out.rows) out.labelValues.push_back(data.labels[static_cast<std::size_t>(row)]);
  out.labels = torch::tensor(out.labelValues, torch::kInt64).to(device);
  return out;
}

// `head` (features or the whole network) of every image in eval mode without gradients, batch by
// batch, as float [n, D] on the device. afterBatch(done, total), when given, runs after each batch
// (progress; it may throw to cancel).
using BatchCallback = std::function<void(std::int64_t done, std::int64_t total)>;
template <typename Head>
torch::Tensor inferInBatches(ClassifierNet& net, const torch::Tensor& images, std::int64_t batchSize, bool amp,
                             std::int64_t emptyWidth, Head head, const BatchCallback& afterBatch) {
  torch::NoGradGuard noGrad;
  net.setTrainingMode(false);
  std::vector<torch::Tensor> parts;
  for (std::int64_t start = 0; start < images.size(0); start += batchSize) {
    const auto count = std::min(batchSize, images.size(0) - start);
    {
      CudaAutocast autocast(amp);
      parts.push_back(head(net.normalise(net.toUnitRange(images.narrow(0, start, count)))).to(torch::kFloat32));
    }
    if (afterBatch) afterBatch(start + count, images.size(0));
  }
  if (parts.empty()) return torch::empty({0, emptyWidth}, torch::TensorOptions().device(net.device()));
  return torch::cat(parts);
}

// Backbone features of every image, frozen, [n, F] on the device.
torch::Tensor computeFeatures(ClassifierNet& net, const torch::Tensor& images, std::int64_t batchSize, bool amp) {
  return inferInBatches(
      net, images, batchSize, amp, net.featureDim(), [&](const torch::Tensor& x) { return net.features(x); }, {});
}

// Logits of every image, [n, K] on the device.
torch::Tensor computeLogits(ClassifierNet& net, const torch::Tensor& images, std::int64_t batchSize, bool amp,
                            const BatchCallback& afterBatch = {}) {
  return inferInBatches(
      net, images, batchSize, amp, net.spec().classCount, [&](const torch::Tensor& x) { return net.forward(x); },
      afterBatch);
}

// Softmax probability of the predicted class, one per row of logits [n, K].
std::vector<double> predictedProbabilities(const torch::Tensor& logits, const std::vector<std::int64_t>& predicted) {
  const torch::Tensor probabilities = torch::softmax(logits.to(torch::kFloat32), 1).to(torch::kCPU).contiguous();
  const auto rows = probabilities.accessor<float, 2>();
  std::vector<double> chosen(predicted.size());
  for (std::size_t i = 0; i < predicted.size(); ++i) chosen[i] = rows[static_cast<std::int64_t>(i)][predicted[i]];
  return chosen;
}

std::vector<std::int64_t> toVector(const torch::Tensor& tensor) {
  const torch::Tensor cpu = tensor.to(torch::kCPU, torch::kInt64).contiguous();
  return {cpu.data_ptr<std::int64_t>(), cpu.data_ptr<std::int64_t>() + cpu.numel()};
}

// Multinomial logistic regression on standardised features (the "linear probe" baseline).
ClassificationReport linearProbe(const torch::Tensor& trainFeatures, const torch::Tensor& trainLabels,
                                 const torch::Tensor& testFeatures, const std::vector<std::int64_t>& testLabels,
                                 const std::vector<std::string>& classNames, std::uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor mean = trainFeatures.mean(0, true);
  const torch::Tensor std = trainFeatures.std(0, true, true).clamp_min(1e-6);
  const torch::Tensor x = (trainFeatures - mean) / std;
  torch::nn::Linear probe(trainFeatures.size(1), static_cast<std::int64_t>(classNames.size()));
  probe->to(trainFeatures.device());
  torch::optim::Adam optimizer(probe->parameters(), torch::optim::AdamOptions(0.01).weight_decay(1e-3));
  for (int step = 0; step < 300; ++step) {
    optimizer.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(probe->forward(x), trainLabels);
    loss.backward();
    optimizer.step();
  }
  torch::NoGradGuard noGrad;
  const torch::Tensor predicted = probe->forward((testFeatures - mean) / std).argmax(1);
  return scoreClassification(testLabels, toVector(predicted), classNames);
}

struct EpochMetrics {
  std::int64_t epoch = 0;
  double trainLoss = 0, trainAccuracy = 0, valLoss = 0, valAccuracy = 0, valMacroF1 = 0;
  double learningRate = 0, seconds = 0, imagesPerSecond = 0;
  nlohmann::json toJson() const {
    return {{"epoch", epoch},           {"train_loss", trainLoss},   {"train_accuracy", trainAccuracy},
            {"val_loss", valLoss},       {"val_accuracy", valAccuracy}, {"val_macro_f1", valMacroF1},
            {"learning_rate", learningRate}, {"seconds", seconds},    {"images_per_second", imagesPerSecond}};
  }
  // Validation values are NaN (JSON null) when the dataset has no val split.
  static EpochMetrics fromJson(const nlohmann::json& j) {
    auto orNan = [&](const char* key) {
      return j.at(key).is_null() ? std::numeric_limits<double>::quiet_NaN() : j.at(key).get<double>();
    };
    EpochMetrics m;
    m.epoch = j.at("epoch");
    m.trainLoss = j.at("train_loss");
    m.trainAccuracy = j.at("train_accuracy");
    m.valLoss = orNan("val_loss");
    m.valAccuracy = orNan("val_accuracy");
    m.valMacroF1 = orNan("val_macro_f1");
    m.learningRate = j.at("learning_rate");
    m.seconds = j.at("seconds");
    m.imagesPerSecond = j.at("images_per_second");
    return m;
  }
};

// Without a val split every epoch "improves": no early stopping, the last epoch is the model.
double stopScore(const EpochMetrics& m, StopMetric metric) {
  if (std::isnan(m.valLoss)) return static_cast<double>(m.epoch);
  switch (metric) {
    case StopMetric::ValMacroF1: return m.valMacroF1;
    case StopMetric::ValLoss: return -m.valLoss;
    default: return m.valAccuracy;
  }
}

void writeMetrics(const fs::path& runDir, const std::vector<EpochMetrics>& history, std::int64_t bestEpoch,
                  StopMetric metric) {
  std::ostringstream csv;
  csv << "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_macro_f1,learning_rate,seconds,images_per_second\n";
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& m : history) {
    csv << m.epoch << ',' << m.trainLoss << ',' << m.trainAccuracy << ',' << m.valLoss << ',' << m.valAccuracy << ','
        << m.valMacroF1 << ',' << m.learningRate << ',' << m.seconds << ',' << m.imagesPerSecond << '\n';
    epochs.push_back(m.toJson());
  }
  writeTextAtomic(runDir / "metrics.csv", csv.str());
  writeTextAtomic(runDir / "metrics.json",
                  nlohmann::json{{"epochs", epochs}, {"best_epoch", bestEpoch}, {"early_stopping_metric", toString(metric)}}
                      .dump(2));
}

// Learning-rate multiplier at global step `step` of `totalSteps` (epoch for the step schedule).
double scheduleFactor(const TrainConfig& config, std::int64_t step, std::int64_t totalSteps, std::int64_t epoch) {
  const double t = totalSteps > 0 ? static_cast<double>(step) / static_cast<double>(totalSteps) : 0.0;
  switch (config.schedule) {
    case ScheduleKind::Step: return std::pow(config.stepGamma, static_cast<double>(epoch / config.stepEpochs));
    case ScheduleKind::Cosine: return 0.5 * (1.0 + std::cos(kPi * t));
    case ScheduleKind::OneCycle: {
      // torch's OneCycleLR defaults: 30% warm-up from max/25, cosine down to max/(25*1e4).
      const double warm = 0.3;
      if (t < warm) return 1.0 / 25.0 + (1.0 - 1.0 / 25.0) * (t / warm);
      const double u = (t - warm) / (1.0 - warm);
      const double low = 1.0 / 25.0 / 1e4;
      return low + (1.0 - low) * 0.5 * (1.0 + std::cos(kPi * u));
    }
    default: return 1.0;
  }
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainConfig& config,
                                                       const std::vector<torch::Tensor>& head,
                                                       const std::vector<torch::Tensor>& backbone,
                                                       std::vector<double>& baseRates) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  baseRates.clear();
  auto options = [&](double lr) -> std::unique_ptr<torch::optim::OptimizerOptions> {
    switch (config.optimizer) {
      case OptimizerKind::Sgd:
        return std::make_unique<torch::optim::SGDOptions>(
            torch::optim::SGDOptions(lr).momentum(config.momentum).weight_decay(config.weightDecay));
      case OptimizerKind::Adam:
        return std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(lr).weight_decay(config.weightDecay));
      default:
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr).weight_decay(config.weightDecay));
    }
  };
  groups.emplace_back(head, options(config.learningRate));
  baseRates.push_back(config.learningRate);
  if (!backbone.empty()) {
    const double lr = config.learningRate * config.backboneLrFactor;
    groups.emplace_back(backbone, options(lr));
    baseRates.push_back(lr);
  }
  switch (config.optimizer) {
    case OptimizerKind::Sgd:
      return std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(config.learningRate));
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(groups, torch::optim::AdamOptions(config.learningRate));
    default:
      return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(config.learningRate));
  }
}

// Named tensors <-> an archive: names go in as one JSON string, tensors as t<i> (archive keys may
// not contain the dots of parameter names).
void writeNamed(torch::serialize::OutputArchive& archive, const NamedTensors& state) {
  nlohmann::json names = nlohmann::json::array();
  std::int64_t i = 0;
  for (const auto& [name, tensor] : state) {
    names.push_back(name);
    archive.write("t" + std::to_string(i++), tensor.detach().to(torch::kCPU));
  }
  archive.write("names", c10::IValue(names.dump()));
}

NamedTensors readNamed(torch::serialize::InputArchive& archive) {
  c10::IValue namesValue;
  archive.read("names", namesValue);
  const nlohmann::json names = nlohmann::json::parse(namesValue.toStringRef());
  NamedTensors state;
  for (std::size_t i = 0; i < names.size(); ++i) {
    torch::Tensor tensor;
    archive.read("t" + std::to_string(i), tensor);
    state[names[i].get<std::string>()] = tensor;
  }
  return state;
}

struct Progress {
  std::int64_t nextEpoch = 0;
  std::int64_t bestEpoch = -1;
  double bestScore = -1e300;
  std::int64_t epochsSinceBest = 0;
  std::vector<EpochMetrics> history;
  double trainSeconds = 0;
  std::int64_t trainImages = 0;
};

void saveCheckpoint(const fs::path& runDir, const nlohmann::json& identity, const Progress& progress,
                    const ClassifierNet& net, const NamedTensors& best, torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  nlohmann::json history = nlohmann::json::array();
  for (const auto& m : progress.history) history.push_back(m.toJson());
  const nlohmann::json state = {{"format", "winnow-checkpoint"},
                                {"identity", identity},
                                {"next_epoch", progress.nextEpoch},
                                {"best_epoch", progress.bestEpoch},
                                {"best_score", progress.bestScore},
                                {"epochs_since_best", progress.epochsSinceBest},
                                {"train_seconds", progress.trainSeconds},
                                {"train_images", progress.trainImages},
                                {"history", history}};
  archive.write("state", c10::IValue(state.dump()));
  torch::serialize::OutputArchive model, bestArchive, optimizerArchive;
  writeNamed(model, net.namedState());
  writeNamed(bestArchive, best);
  optimizer.save(optimizerArchive);
  archive.write("model", model);
  archive.write("best", bestArchive);
  archive.write("optimizer", optimizerArchive);
  const fs::path path = runDir / kCheckpointName;
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  archive.save_to(temp.string());
  fs::rename(temp, path);
}

nlohmann::json datasetJson(const DatasetFile& data) {
  return {{"path", fs::absolute(data.path).string()},
          {"rows", data.rowCount()},
          {"image_size", data.imageSize},
          {"channels", data.channels},
          {"fit", data.fit},
          {"class_names", data.classNames}};
}

std::string majorityName(const std::vector<std::int64_t>& labels, std::size_t classCount, std::int64_t& majority) {
  std::vector<std::int64_t> counts(classCount, 0);
  for (auto label : labels) ++counts[static_cast<std::size_t>(label)];
  majority = std::max_element(counts.begin(), counts.end()) - counts.begin();
  return std::to_string(majority);
}

// {source: rows} of the given dataset rows.
nlohmann::json sourceCounts(const DatasetFile& data, const std::vector<std::int64_t>& rows) {
  std::map<std::string, std::int64_t> counts;
  for (auto row : rows) ++counts[data.sources[static_cast<std::size_t>(row)]];
  return counts;
}

std::string fixed(double value, int digits = 4) {
  if (std::isnan(value)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string numberOr(const nlohmann::json& value, int digits = 4) {
  return value.is_number() ? fixed(value.get<double>(), digits) : std::string("n/a");
}

// One line for people: the temperature, where it was fitted, ECE and the median probability of
// correct predictions before -> after.
std::string calibrationLine(const nlohmann::json& calibration) {
  std::string line = "calibration: ";
  if (!calibration.value("fitted", false)) {
    line += calibration.value("reason", std::string("not fitted")) + "; ";
  } else {
    line += "temperature " + fixed(calibration["temperature"].get<double>(), 3) + " fitted on the " +
            calibration.value("fitted_on", std::string("val")) + " split; ";
  }
  line += "ECE (15 bins, top label)";
  for (const char* split : {"val", "test", "evaluated"}) {
    if (!calibration.contains(split)) continue;
    const auto& entry = calibration[split];
    line += std::string(" ") + split + " " + numberOr(entry["before"]["ece"]);
    if (entry.contains("after")) line += " -> " + numberOr(entry["after"]["ece"]);
    line += ",";
  }
  for (const char* split : {"test", "evaluated"}) {
    if (!calibration.contains(split)) continue;
    const auto& entry = calibration[split];
    line += std::string(" median probability of correct ") + split + " predictions " +
            numberOr(entry["before"]["median_correct_probability"]);
    if (entry.contains("after")) line += " -> " + numberOr(entry["after"]["median_correct_probability"]);
  }
  return line;
}

// Baselines, calibration and warnings as lines appended to classification_report.txt.
std::string reportNotesText(const nlohmann::json& baselines, const nlohmann::json& calibration,
                            const std::vector<std::string>& warnings) {
  std::string text = "\n";
  for (const auto& [name, baseline] : baselines.items()) {
    text += "baseline " + name + (baseline.value("class", nlohmann::json()).is_string() ? " ('" + baseline["class"].get<std::string>() + "')" : "") +
            ": accuracy " + numberOr(baseline["accuracy"]) +
            (baseline.contains("what") ? " (" + baseline["what"].get<std::string>() + ")" : "") + "\n";
  }
  text += calibrationLine(calibration) + "\n";
  text += std::string(kProbabilityMeaning) + "\n";
  for (const auto& warning : warnings) text += "WARNING: " + warning + "\n";
  return text;
}

}  // namespace

torch::Device resolveDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda") {
    if (!torch::cuda::is_available()) throw std::runtime_error("device cuda requested but no CUDA device is available");
    return torch::kCUDA;
  }
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

nlohmann::json trainClassifier(const TrainConfig& config, const TrainRequest& request, const TrainHooks& hooks) {
  const auto started = Clock::now();
  auto log = [&](const std::string& line) {
    if (hooks.log) hooks.log(line);
  };
  auto cancelled = [&] { return hooks.cancelled && hooks.cancelled(); };
  keepLargeBlocksInHeap();
  // LibTorch's own default here is one thread (Debian's build), so 0 means every core.
  torch::set_num_threads(config.threads > 0 ? static_cast<int>(config.threads)
                                            : static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));

  const DatasetFile data = readDatasetFile(request.dataset);
  const std::string where = request.dataset.string() + ": ";
  const auto classCount = data.classNames.size();
  if (classCount < 2) {
    throw std::runtime_error(where + "a classifier needs at least 2 classes; the dataset has " + std::to_string(classCount) +
                             (classCount == 1 ? " (\"" + data.classNames[0] + "\")" : ""));
  }
  // val is optional: without it there is no early stopping and no calibration (both stated).
  for (SplitCode split : {SplitCode::Train, SplitCode::Test}) {
    if (data.labelledRows(split).empty()) {
      throw std::runtime_error(where + "split '" + splitName(split) + "' has no labelled rows (run `winnow split` before exporting)");
    }
  }
  {
    std::vector<std::int64_t> trainLabels;
    for (auto row : data.labelledRows(SplitCode::Train)) trainLabels.push_back(data.labels[static_cast<std::size_t>(row)]);
    std::sort(trainLabels.begin(), trainLabels.end());
    if (std::unique(trainLabels.begin(), trainLabels.end()) - trainLabels.begin() < 2) {
      throw std::runtime_error(where + "the train split holds only one class");
    }
  }

  const fs::path checkpointPath = request.runDir / kCheckpointName;
  std::error_code ec;
  if (!request.resume && fs::exists(checkpointPath, ec)) {
    throw std::runtime_error(request.runDir.string() + ": holds a run already (checkpoint.pt); resume it or choose another folder");
  }
  if (request.resume && !fs::exists(checkpointPath, ec)) {
    throw std::runtime_error(checkpointPath.string() + ": no checkpoint to resume from");
  }
  fs::create_directories(request.runDir);

  const torch::Device device = resolveDevice(config.device);
  const bool amp = config.mixedPrecision && device.is_cuda();
  NetSpec spec;
  spec.backbone = config.backbone;
  spec.headHidden = config.headHidden;
  spec.headDropout = config.headDropout;
  spec.classCount = static_cast<std::int64_t>(classCount);
  spec.inputSize = config.inputSize > 0 ? config.inputSize : data.imageSize;
  torch::manual_seed(config.seed);
  auto net = std::make_shared<ClassifierNet>(spec, device);
  std::string weights = config.weights;
  if (weights.empty() && net->kind() == BackboneKind::FaceRecognition) weights = request.defaultFaceModelDir;
  if (net->kind() == BackboneKind::FaceRecognition && weights.empty()) {
    throw std::runtime_error("faceapi_recognition needs face-api's weights: set weights to the model folder");
  }
  net->loadPretrainedBackbone(weights);
  log("model " + spec.backbone + (weights.empty() ? " (random init)" : " from " + weights) + ", " +
      std::to_string(net->featureDim()) + "-d features, " + std::to_string(classCount) + " classes, " +
      (device.is_cuda() ? "cuda" : "cpu") + (amp ? " bf16 autocast" : ""));

  const SplitData train = takeSplit(data, SplitCode::Train, device);
  const SplitData val = takeSplit(data, SplitCode::Val, device);
  const SplitData test = takeSplit(data, SplitCode::Test, device);
  log("rows: train " + std::to_string(train.rows.size()) + ", val " + std::to_string(val.rows.size()) + ", test " +
      std::to_string(test.rows.size()));
  const bool hasVal = !val.rows.empty();
  if (!hasVal) {
    log("no validation split: no early stopping (the last epoch is the model) and no calibration (temperature 1); "
        "split with a val share (winnow split --ratios 70,15,15) to get both");
  }

  torch::Tensor classWeights;
  if (config.balancedClassWeights) {
    std::vector<float> weightsPerClass(classCount, 0.0F);
    std::vector<std::int64_t> counts(classCount, 0);
    for (auto label : train.labelValues) ++counts[static_cast<std::size_t>(label)];
    for (std::size_t c = 0; c < classCount; ++c) {
      weightsPerClass[c] = counts[c] > 0 ? static_cast<float>(static_cast<double>(train.labelValues.size()) /
                                                              (static_cast<double>(classCount) * static_cast<double>(counts[c])))
                                         : 0.0F;
    }
    classWeights = torch::tensor(weightsPerClass).to(device);
  }
  auto lossOf = [&](const torch::Tensor& logits, const torch::Tensor& labels) {
    auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config.labelSmoothing);
    if (classWeights.defined()) options.weight(classWeights);
    return torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), labels, options);
  };

  // Baselines and the feature cache need the backbone as it was before training.
  const bool featureMode = config.mode == TrainMode::Features;
  torch::Tensor trainFeatures, valFeatures, testFeatures;
  nlohmann::json baselines = nlohmann::json::object();
  std::int64_t majority = 0;
  std::vector<std::int64_t> trainClassCounts(classCount, 0);
  for (auto label : train.labelValues) ++trainClassCounts[static_cast<std::size_t>(label)];
  {
    majorityName(train.labelValues, classCount, majority);
    const ClassificationReport report =
        scoreClassification(test.labelValues, std::vector<std::int64_t>(test.labelValues.size(), majority), data.classNames);
    baselines["majority_class"] = {{"class", data.classNames[static_cast<std::size_t>(majority)]},
                                   {"accuracy", report.accuracy},
                                   {"macro_f1", report.macro.f1},
                                   {"what", "always answering the most frequent class of the train split, scored on the test split"}};
  }
  // The probe on the backbone as training starts (pretrained when weights were given), and, for a
  // pretrained backbone, a second one on an untrained copy: a probe on random features that comes
  // close to the trained model says the labels are readable from picture statistics alone.
  std::optional<double> untrainedProbeAccuracy;
  if (featureMode || config.linearProbeBaseline) {
    log("computing frozen backbone features");
    const auto featureStart = Clock::now();
    trainFeatures = computeFeatures(*net, train.images, config.batchSize, amp);
    valFeatures = computeFeatures(*net, val.images, config.batchSize, amp);
    testFeatures = computeFeatures(*net, test.images, config.batchSize, amp);
    log("features of " + std::to_string(data.rowCount()) + " images in " + std::to_string(secondsSince(featureStart)) + " s");
    if (cancelled()) throw TrainingCancelled();
    if (config.linearProbeBaseline) {
      const ClassificationReport probe =
          linearProbe(trainFeatures, train.labels, testFeatures, test.labelValues, data.classNames, config.seed);
      const bool untrained = weights.empty();
      baselines["linear_probe"] = {
          {"accuracy", probe.accuracy},
          {"macro_f1", probe.macro.f1},
          {"backbone", untrained ? "untrained (random init)" : "pretrained"},
          {"what", "logistic regression on the frozen " + spec.backbone + " features of the train split, scored on the test split"}};
      log("baseline linear probe on frozen " + std::string(untrained ? "untrained" : "pretrained") + " features: test accuracy " +
          std::to_string(probe.accuracy));
      if (untrained) {
        untrainedProbeAccuracy = probe.accuracy;
      } else {
        torch::manual_seed(config.seed);
        auto random = std::make_shared<ClassifierNet>(spec, device);
        const torch::Tensor randomTrain = computeFeatures(*random, train.images, config.batchSize, amp);
        const torch::Tensor randomTest = computeFeatures(*random, test.images, config.batchSize, amp);
        if (cancelled()) throw TrainingCancelled();
        const ClassificationReport untrainedProbe =
            linearProbe(randomTrain, train.labels, randomTest, test.labelValues, data.classNames, config.seed);
        untrainedProbeAccuracy = untrainedProbe.accuracy;
        baselines["untrained_linear_probe"] = {
            {"accuracy", untrainedProbe.accuracy},
            {"macro_f1", untrainedProbe.macro.f1},
            {"backbone", "untrained (random init)"},
            {"what", "logistic regression on the features of an untrained " + spec.backbone + ", scored on the test split"}};
        log("baseline linear probe on untrained features: test accuracy " + std::to_string(untrainedProbe.accuracy));
      }
    }
  }

  std::vector<torch::Tensor> backboneParams = net->selectTrainableBackbone(featureMode ? -1 : config.trainableBlocks);
  std::vector<double> baseRates;
  auto optimizer = makeOptimizer(config, net->headParameters(), backboneParams, baseRates);

  const nlohmann::json identity = {{"config", [&] {
                                      nlohmann::json c = config.toJson();
                                      c.erase("epochs");
                                      c.erase("patience");
                                      c.erase("threads");
                                      return c;
                                    }()},
                                   {"dataset", datasetJson(data)}};
  Progress progress;
  NamedTensors best = cpuCopy(net->namedState());
  if (request.resume) {
    torch::serialize::InputArchive archive;
    try {
      archive.load_from(checkpointPath.string());
      c10::IValue stateValue;
      archive.read("state", stateValue);
      const nlohmann::json state = nlohmann::json::parse(stateValue.toStringRef());
      if (state.at("identity") != identity) {
        throw std::runtime_error("it was made with another configuration or dataset (only epochs, patience and threads may change)");
      }
      progress.nextEpoch = state.at("next_epoch");
      progress.bestEpoch = state.at("best_epoch");
      progress.bestScore = state.at("best_score");
      progress.epochsSinceBest = state.at("epochs_since_best");
      progress.trainSeconds = state.at("train_seconds");
      progress.trainImages = state.at("train_images");
      for (const auto& m : state.at("history")) progress.history.push_back(EpochMetrics::fromJson(m));
      torch::serialize::InputArchive model, bestArchive, optimizerArchive;
      archive.read("model", model);
      archive.read("best", bestArchive);
      archive.read("optimizer", optimizerArchive);
      net->loadNamedState(readNamed(model));
      best = readNamed(bestArchive);
      optimizer->load(optimizerArchive);
    } catch (const std::exception& error) {
      throw std::runtime_error(checkpointPath.string() + ": cannot resume: " + error.what());
    }
    log("resuming at epoch " + std::to_string(progress.nextEpoch + 1));
  }

  const std::int64_t trainCount = static_cast<std::int64_t>(train.rows.size());
  const std::int64_t batchesPerEpoch = (trainCount + config.batchSize - 1) / config.batchSize;
  const std::int64_t totalSteps = batchesPerEpoch * config.epochs;
  bool stoppedEarly = false;
  for (std::int64_t epoch = progress.nextEpoch; epoch < config.epochs; ++epoch) {
    if (config.patience > 0 && progress.epochsSinceBest >= config.patience) {
      stoppedEarly = true;
      break;
    }
    const auto epochStart = Clock::now();
    torch::manual_seed(config.seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
    std::vector<std::int64_t> order(static_cast<std::size_t>(trainCount));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle(config.seed * 7919ULL + static_cast<std::uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), shuffle);
    const torch::Tensor permutation = torch::tensor(order, torch::kInt64).to(device);
    net->setTrainingMode(true);
    // Summed on the device and read once per epoch: a read per batch would wait for the GPU.
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
    torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device));
    double lastRate = 0;
    for (std::int64_t b = 0; b < batchesPerEpoch; ++b) {
      if (cancelled()) throw TrainingCancelled();
      const std::int64_t step = epoch * batchesPerEpoch + b;
      const double factor = scheduleFactor(config, step, totalSteps, epoch);
      for (std::size_t g = 0; g < optimizer->param_groups().size(); ++g) {
        optimizer->param_groups()[g].options().set_lr(baseRates[g] * factor);
      }
      lastRate = baseRates[0] * factor;
      const std::int64_t start = b * config.batchSize;
      const std::int64_t count = std::min(config.batchSize, trainCount - start);
      const torch::Tensor index = permutation.narrow(0, start, count);
      const torch::Tensor labels = train.labels.index_select(0, index);
      optimizer->zero_grad();
      torch::Tensor logits;
      {
        CudaAutocast autocast(amp);
        if (featureMode) {
          logits = net->classify(trainFeatures.index_select(0, index));
        } else {
          torch::Tensor unit = net->toUnitRange(train.images.index_select(0, index));
          unit = augmentBatch(unit, config.augment, config.seed ^ (static_cast<std::uint64_t>(step) * 0x9e3779b97f4a7c15ULL));
          logits = net->forward(net->normalise(unit));
        }
      }
      torch::Tensor loss = lossOf(logits, labels);
      loss.backward();
      optimizer->step();
      lossSum += loss.detach().to(torch::kFloat64) * static_cast<double>(count);
      correct += logits.detach().argmax(1).eq(labels).sum();
      if (hooks.progress) hooks.progress(step + 1, totalSteps, "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config.epochs));
    }
    // Reading the sums waits for the device, so the epoch's time includes all of its work.
    const double epochLossSum = lossSum.item<double>();
    const auto epochCorrect = correct.item<std::int64_t>();
    const double trainSeconds = secondsSince(epochStart);
    progress.trainSeconds += trainSeconds;
    progress.trainImages += trainCount;

    EpochMetrics m;
    m.epoch = epoch + 1;
    m.trainLoss = epochLossSum / static_cast<double>(trainCount);
    m.trainAccuracy = static_cast<double>(epochCorrect) / static_cast<double>(trainCount);
    m.learningRate = lastRate;
    m.imagesPerSecond = static_cast<double>(trainCount) / trainSeconds;
    if (!hasVal) {
      m.valLoss = m.valAccuracy = m.valMacroF1 = std::numeric_limits<double>::quiet_NaN();
    } else {
      torch::NoGradGuard noGrad;
      net->setTrainingMode(false);
      const torch::Tensor valLogits = featureMode ? net->classify(valFeatures) : computeLogits(*net, val.images, config.batchSize, amp);
      m.valLoss = torch::nn::functional::cross_entropy(valLogits, val.labels).item<double>();
      const ClassificationReport report = scoreClassification(val.labelValues, toVector(valLogits.argmax(1)), data.classNames);
      m.valAccuracy = report.accuracy;
      m.valMacroF1 = report.macro.f1;
    }
    m.seconds = secondsSince(epochStart);
    progress.history.push_back(m);
    const double score = stopScore(m, config.stopMetric);
    if (score > progress.bestScore) {
      progress.bestScore = score;
      progress.bestEpoch = m.epoch;
      progress.epochsSinceBest = 0;
      best = cpuCopy(net->namedState());
    } else {
      ++progress.epochsSinceBest;
    }
    progress.nextEpoch = epoch + 1;
    writeMetrics(request.runDir, progress.history, progress.bestEpoch, config.stopMetric);
    saveCheckpoint(request.runDir, identity, progress, *net, best, *optimizer);
    char line[256];
    if (hasVal) {
      std::snprintf(line, sizeof line, "epoch %lld/%lld: train loss %.4f acc %.4f | val loss %.4f acc %.4f macro-F1 %.4f | %.1f img/s",
                    static_cast<long long>(m.epoch), static_cast<long long>(config.epochs), m.trainLoss, m.trainAccuracy,
                    m.valLoss, m.valAccuracy, m.valMacroF1, m.imagesPerSecond);
    } else {
      std::snprintf(line, sizeof line, "epoch %lld/%lld: train loss %.4f acc %.4f | no val split | %.1f img/s",
                    static_cast<long long>(m.epoch), static_cast<long long>(config.epochs), m.trainLoss, m.trainAccuracy,
                    m.imagesPerSecond);
    }
    log(line);
  }
  if (!stoppedEarly && config.patience > 0 && progress.epochsSinceBest >= config.patience &&
      progress.nextEpoch < config.epochs) {
    stoppedEarly = true;
  }

  // The best epoch's weights are the model.
  net->loadNamedState(best);
  net->setTrainingMode(false);
  torch::Tensor testLogits;
  {
    torch::NoGradGuard noGrad;
    testLogits = featureMode ? net->classify(testFeatures) : computeLogits(*net, test.images, config.batchSize, amp);
  }
  if (featureMode) {
    // The cached-feature head is exact only for the frozen backbone it was trained on, which is
    // what the saved model holds; check the round trip through images once.
    torch::NoGradGuard noGrad;
    const torch::Tensor viaImages = computeLogits(*net, test.images, config.batchSize, amp);
    const double drift = (viaImages - testLogits).abs().max().item<double>();
    if (drift > 1e-2) log("warning: logits via images differ from cached features by " + std::to_string(drift));
  }
  // Temperature scaling on the val split (the best epoch's weights), applied to every probability
  // the model reports from here on (test report, model.h5, evaluate, predict).
  nlohmann::json calibration;
  double temperature = 1.0;
  if (hasVal) {
    torch::Tensor valLogits;
    {
      torch::NoGradGuard noGrad;
      valLogits = featureMode ? net->classify(valFeatures) : computeLogits(*net, val.images, config.batchSize, amp);
    }
    temperature = fitTemperature(valLogits.to(torch::kFloat32), val.labels);
    calibration = {{"fitted", true},
                   {"temperature", temperature},
                   {"fitted_on", "val"},
                   {"method", "temperature scaling: one T minimising the val split's NLL of softmax(logits / T)"},
                   {"val", {{"before", calibrationSummary(valLogits, val.labelValues, 1.0)},
                            {"after", calibrationSummary(valLogits, val.labelValues, temperature)}}},
                   {"test", {{"before", calibrationSummary(testLogits, test.labelValues, 1.0)},
                             {"after", calibrationSummary(testLogits, test.labelValues, temperature)}}}};
  } else {
    calibration = {{"fitted", false},
                   {"temperature", 1.0},
                   {"reason", "no validation split: probabilities are the uncalibrated softmax (temperature 1)"},
                   {"test", {{"before", calibrationSummary(testLogits, test.labelValues, 1.0)}}}};
  }
  calibration["meaning"] = kProbabilityMeaning;
  log(calibrationLine(calibration));
  const std::vector<std::int64_t> predicted = toVector(testLogits.argmax(1));
  const std::vector<double> probabilities = predictedProbabilities(testLogits / temperature, predicted);
  const ClassificationReport report = scoreClassification(test.labelValues, predicted, data.classNames);
  EvaluationFacts facts;
  facts.accuracy = report.accuracy;
  facts.count = report.count;
  facts.accuracyInterval = report.accuracyInterval;
  facts.majorityBaselines.push_back({data.classNames[static_cast<std::size_t>(majority)],
                                     baselines["majority_class"]["accuracy"].get<double>(),
                                     "the most frequent class of the train split, on the test split"});
  facts.untrainedProbeAccuracy = untrainedProbeAccuracy;
  const std::vector<std::string> warnings = evaluationWarnings(facts);
  for (const auto& warning : warnings) log("WARNING: " + warning);

  nlohmann::json predictions = nlohmann::json::array();
  std::ostringstream csv;
  csv << "row,sample_id,source,original_path,label,predicted,probability\n";
  for (std::size_t i = 0; i < test.rows.size(); ++i) {
    const auto row = static_cast<std::size_t>(test.rows[i]);
    const double p = probabilities[i];
    predictions.push_back({{"row", row},
                           {"sample_id", data.sampleIds[row]},
                           {"source", data.sources[row]},
                           {"original_path", data.originalPaths[row]},
                           {"label", data.classNames[static_cast<std::size_t>(test.labelValues[i])]},
                           {"predicted", data.classNames[static_cast<std::size_t>(predicted[i])]},
                           {"probability", p}});
    std::string path = data.originalPaths[row];
    std::replace(path.begin(), path.end(), '"', '\'');
    csv << row << ',' << data.sampleIds[row] << ',' << data.sources[row] << ",\"" << path << "\","
        << data.classNames[static_cast<std::size_t>(test.labelValues[i])] << ','
        << data.classNames[static_cast<std::size_t>(predicted[i])] << ',' << p << '\n';
  }

  const double wallSeconds = secondsSince(started);
  nlohmann::json preprocessing = {{"input_size", spec.inputSize},
                                  {"dataset_image_size", data.imageSize},
                                  {"fit", data.fit},
                                  {"channels", data.channels},
                                  {"normalisation", net->kind() == BackboneKind::FaceRecognition ? "face_recognition_0_255" : "imagenet"},
                                  {"mean", {0.485, 0.456, 0.406}},
                                  {"std", {0.229, 0.224, 0.225}},
                                  {"face_crops", data.faceCrops()}};
  nlohmann::json summary = {{"run_dir", fs::absolute(request.runDir).string()},
                            {"model", fs::absolute(request.runDir / "model.h5").string()},
                            {"dataset", datasetJson(data)},
                            {"config", config.toJson()},
                            {"architecture", spec.toJson()},
                            {"device", device.is_cuda() ? "cuda" : "cpu"},
                            {"mixed_precision", amp},
                            {"epochs_run", progress.history.size()},
                            {"best_epoch", progress.bestEpoch},
                            {"stopped_early", stoppedEarly},
                            {"rows", {{"train", train.rows.size()}, {"val", val.rows.size()}, {"test", test.rows.size()}}},
                            {"test", report.toJson()},
                            {"baselines", baselines},
                            {"calibration", calibration},
                            {"warnings", warnings},
                            {"wall_seconds", wallSeconds},
                            {"train_seconds", progress.trainSeconds},
                            {"train_images_per_second",
                             progress.trainSeconds > 0 ? static_cast<double>(progress.trainImages) / progress.trainSeconds : 0.0}};
  ModelFile model;
  model.spec = net->spec();
  model.classNames = data.classNames;
  model.preprocessing = preprocessing;
  nlohmann::json trainCounts = nlohmann::json::object();
  for (std::size_t c = 0; c < classCount; ++c) trainCounts[data.classNames[c]] = trainClassCounts[c];
  // What evaluate compares another data set against: the training data's majority class and
  // sources, and the model's own test accuracy.
  model.training = {{"config", config.toJson()},
                    {"dataset", datasetJson(data)},
                    {"best_epoch", progress.bestEpoch},
                    {"test_accuracy", report.accuracy},
                    {"test_accuracy_ci95", {{"low", report.accuracyInterval.low}, {"high", report.accuracyInterval.high}}},
                    {"test_count", report.count},
                    {"test_macro_f1", report.macro.f1},
                    {"majority_class", data.classNames[static_cast<std::size_t>(majority)]},
                    {"train_class_counts", trainCounts},
                    {"sources", {{"train", sourceCounts(data, train.rows)},
                                 {"val", sourceCounts(data, val.rows)},
                                 {"test", sourceCounts(data, test.rows)}}},
                    {"baselines", baselines},
                    {"calibration", calibration},
                    {"warnings", warnings}};
  model.temperature = temperature;
  if (!data.contentHashes.empty()) {
    for (const auto* split : {&train, &val, &test}) {
      const std::int64_t code = split == &train ? 1 : split == &val ? 2 : 3;
      for (auto row : split->rows) {
        model.trainingContentHashes.push_back(data.contentHashes[static_cast<std::size_t>(row)]);
        model.trainingSplits.push_back(code);
      }
    }
  }
  model.state = cpuCopy(net->namedState());
  writeModelFile(request.runDir / "model.h5", model);
  writeTextAtomic(request.runDir / "classification_report.txt",
                  report.toText() + reportNotesText(baselines, calibration, warnings));
  writeTextAtomic(request.runDir / "predictions.csv", csv.str());
  nlohmann::json full = summary;
  full["predictions"] = predictions;
  writeTextAtomic(request.runDir / "report.json", full.dump(2));
  log("test accuracy " + std::to_string(report.accuracy) + ", macro F1 " + std::to_string(report.macro.f1) +
      " (best epoch " + std::to_string(progress.bestEpoch) + ")");
  return summary;
}

nlohmann::json evaluateClassifier(const EvaluateRequest& request, const TrainHooks& hooks) {
  auto log = [&](const std::string& line) {
    if (hooks.log) hooks.log(line);
  };
  const auto started = Clock::now();
  keepLargeBlocksInHeap();
  const ModelFile model = readModelFile(request.model);
  const torch::Device device = resolveDevice(request.device);
  auto net = instantiateModel(model, device);
  const DatasetFile data = readDatasetFile(request.dataset);
  std::vector<std::int64_t> rows;
  std::vector<std::int64_t> truth;
  std::int64_t otherClassRows = 0;
  std::map<std::string, std::int64_t> modelIndex;
  for (std::size_t c = 0; c < model.classNames.size(); ++c) modelIndex[model.classNames[c]] = static_cast<std::int64_t>(c);
  for (std::int64_t row = 0; row < data.rowCount(); ++row) {
    const auto r = static_cast<std::size_t>(row);
    if (data.labels[r] < 0) continue;
    if (request.split != "all" && request.split != splitName(data.splits[r])) continue;
    auto found = modelIndex.find(data.classNames[static_cast<std::size_t>(data.labels[r])]);
    if (found == modelIndex.end()) {
      ++otherClassRows;
      continue;
    }
    rows.push_back(row);
    truth.push_back(found->second);
  }
  if (rows.empty()) {
    throw std::runtime_error(request.dataset.string() + ": no labelled rows" +
                             (request.split != "all" ? " in split '" + request.split + "'" : "") +
                             " whose class the model knows (model classes: " + nlohmann::json(model.classNames).dump() + ")");
  }
  const torch::Tensor images = data.images.index_select(0, rowsTensor(rows)).to(device);
  if (hooks.cancelled && hooks.cancelled()) throw TrainingCancelled();
  const torch::Tensor logits =
      computeLogits(*net, images, request.batchSize, /*amp=*/false, [&](std::int64_t done, std::int64_t total) {
        if (hooks.progress) hooks.progress(done, total, "evaluate");
        if (done < total && hooks.cancelled && hooks.cancelled()) throw TrainingCancelled();
      });
  const std::vector<std::int64_t> predicted = toVector(logits.argmax(1));
  const ClassificationReport report = scoreClassification(truth, predicted, model.classNames);
  const double temperature = model.temperature;
  const std::vector<double> probabilities = predictedProbabilities(logits / temperature, predicted);
  const std::size_t classCount = model.classNames.size();
  std::vector<std::int64_t> truthCounts(classCount, 0);
  for (auto t : truth) ++truthCounts[static_cast<std::size_t>(t)];
  auto constantAccuracy = [&](std::size_t c) {
    return static_cast<double>(truthCounts[c]) / static_cast<double>(truth.size());
  };

  // Baselines: the model's own majority class (from its training data, stored in model.h5) and
  // the evaluated set's majority class (which needs these labels: the best constant answer here).
  EvaluationFacts facts;
  facts.accuracy = report.accuracy;
  facts.count = report.count;
  facts.accuracyInterval = report.accuracyInterval;
  nlohmann::json baselines = nlohmann::json::object();
  const std::string trainedMajority = model.training.value("majority_class", std::string());
  if (auto found = std::find(model.classNames.begin(), model.classNames.end(), trainedMajority);
      !trainedMajority.empty() && found != model.classNames.end()) {
    const double accuracy = constantAccuracy(static_cast<std::size_t>(found - model.classNames.begin()));
    baselines["majority_class_of_training"] = {
        {"class", trainedMajority},
        {"accuracy", accuracy},
        {"what", "always answering the most frequent class of the model's train split, scored on these rows"}};
    facts.majorityBaselines.push_back({trainedMajority, accuracy, "the majority class of the model's training data"});
  } else {
    baselines["majority_class_of_training"] = {
        {"class", nullptr}, {"accuracy", nullptr}, {"what", "not recorded in this model file (written before it was)"}};
  }
  {
    const auto c = static_cast<std::size_t>(std::max_element(truthCounts.begin(), truthCounts.end()) - truthCounts.begin());
    baselines["majority_class_of_evaluated_set"] = {
        {"class", model.classNames[c]},
        {"accuracy", constantAccuracy(c)},
        {"what", "always answering the most frequent class of these rows; it uses their labels, so it is the best constant answer"}};
    facts.majorityBaselines.push_back({model.classNames[c], constantAccuracy(c), "the majority class of the evaluated set"});
  }

  // Another source: rows whose source tag is not among the model's train-split sources and whose
  // picture (content hash) is not in its training data either (a folder evaluated as class
  // folders gets the folder's name as its source tag, so the tag alone cannot say "same data").
  // Files written before sources were recorded fall back to comparing the dataset file.
  std::map<std::string, std::int64_t> trainedSplitOf;
  for (std::size_t i = 0; i < model.trainingContentHashes.size(); ++i) {
    trainedSplitOf[model.trainingContentHashes[i]] = model.trainingSplits[i];
  }
  auto splitSeen = [&](std::size_t row) -> std::int64_t {
    if (data.contentHashes.empty()) return 0;
    const auto found = trainedSplitOf.find(data.contentHashes[row]);
    return found == trainedSplitOf.end() ? 0 : found->second;
  };
  nlohmann::json sourceCheck = nlohmann::json::object();
  std::map<std::string, std::int64_t> evaluatedSources;
  for (auto row : rows) ++evaluatedSources[data.sources[static_cast<std::size_t>(row)]];
  sourceCheck["evaluated_sources"] = evaluatedSources;
  const nlohmann::json trainSources =
      model.training.contains("sources") ? model.training["sources"].value("train", nlohmann::json()) : nlohmann::json();
  if (model.training.contains("test_accuracy")) facts.ownTestAccuracy = model.training["test_accuracy"].get<double>();
  sourceCheck["model_test_accuracy"] = facts.ownTestAccuracy ? nlohmann::json(*facts.ownTestAccuracy) : nlohmann::json();
  if (trainSources.is_object()) {
    sourceCheck["training_sources"] = trainSources;
    std::vector<std::string> foreign;
    std::int64_t correctForeign = 0, foreignRows = 0;
    std::int64_t inTrainSplit = 0, inValOrTest = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string& source = data.sources[static_cast<std::size_t>(rows[i])];
      const std::int64_t seen = splitSeen(static_cast<std::size_t>(rows[i]));
      if (seen == 1) ++inTrainSplit;
      if (seen == 2 || seen == 3) ++inValOrTest;
      if (trainSources.contains(source) || seen != 0) continue;
      ++foreignRows;
      if (predicted[i] == truth[i]) ++correctForeign;
      if (std::find(foreign.begin(), foreign.end(), source) == foreign.end()) foreign.push_back(source);
    }
    facts.otherSource = foreignRows > 0;
    sourceCheck["rows_in_model_train_split"] = inTrainSplit;
    sourceCheck["rows_in_model_val_or_test_split"] = inValOrTest;
    sourceCheck["rows_from_other_sources"] = foreignRows;
    sourceCheck["other_sources"] = foreign;
    if (foreignRows > 0) {
      facts.otherSourceAccuracy = static_cast<double>(correctForeign) / static_cast<double>(foreignRows);
      std::string names;
      for (const auto& name : foreign) names += (names.empty() ? "" : ", ") + name;
      facts.otherSourceWhat = std::to_string(foreignRows) + " of " + std::to_string(rows.size()) +
                              " rows from sources not in the training data: " + names;
    }
    sourceCheck["how"] = model.trainingContentHashes.empty()
                             ? "source tags of the evaluated rows against those of the model's train split"
                             : "source tags against those of the model's train split, and content hashes against the "
                               "pictures of its training run";
  } else {
    const std::string trainedOn = model.training.contains("dataset") ? model.training["dataset"].value("path", std::string()) : "";
    std::error_code ec;
    const bool sameFile = !trainedOn.empty() && fs::equivalent(trainedOn, data.path, ec);
    facts.otherSource = !trainedOn.empty() && !sameFile;
    if (facts.otherSource) {
      facts.otherSourceAccuracy = report.accuracy;
      facts.otherSourceWhat = "another dataset file than the model's training data";
    }
    sourceCheck["rows_from_other_sources"] = facts.otherSource ? static_cast<std::int64_t>(rows.size()) : 0;
    sourceCheck["how"] = "the model file does not record its training sources: the dataset file was compared";
  }
  sourceCheck["other_source"] = facts.otherSource;
  sourceCheck["accuracy_on_other_sources"] = facts.otherSourceAccuracy ? nlohmann::json(*facts.otherSourceAccuracy) : nlohmann::json();

  nlohmann::json calibration = {
      {"fitted", model.training.contains("calibration") ? model.training["calibration"].value("fitted", false) : false},
      {"temperature", temperature},
      {"evaluated", {{"before", calibrationSummary(logits, truth, 1.0)}, {"after", calibrationSummary(logits, truth, temperature)}}},
      {"meaning", kProbabilityMeaning}};
  if (!calibration["fitted"].get<bool>()) {
    calibration["reason"] = model.training.contains("calibration")
                                ? model.training["calibration"].value("reason", std::string("not fitted"))
                                : std::string("the model file predates calibration: temperature 1");
    calibration["evaluated"].erase("after");
  } else {
    calibration["fitted_on"] = model.training["calibration"].value("fitted_on", std::string("val"));
  }
  const std::vector<std::string> warnings = evaluationWarnings(facts);
  log(calibrationLine(calibration));
  for (const auto& warning : warnings) log("WARNING: " + warning);

  nlohmann::json predictions = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto row = static_cast<std::size_t>(rows[i]);
    predictions.push_back({{"row", row},
                           {"sample_id", data.sampleIds[row]},
                           {"source", data.sources[row]},
                           {"original_path", data.originalPaths[row]},
                           {"label", model.classNames[static_cast<std::size_t>(truth[i])]},
                           {"predicted", model.classNames[static_cast<std::size_t>(predicted[i])]},
                           {"probability", probabilities[i]}});
  }
  nlohmann::json summary = {{"model", fs::absolute(request.model).string()},
                            {"dataset", datasetJson(data)},
                            {"split", request.split},
                            {"rows_scored", rows.size()},
                            {"rows_of_other_classes", otherClassRows},
                            {"test", report.toJson()},
                            {"baselines", baselines},
                            {"source_check", sourceCheck},
                            {"calibration", calibration},
                            {"warnings", warnings},
                            {"model_training_warnings", model.training.value("warnings", nlohmann::json::array())},
                            {"seconds", secondsSince(started)}};
  if (!request.outputDir.empty()) {
    fs::create_directories(request.outputDir);
    nlohmann::json full = summary;
    full["predictions"] = predictions;
    writeTextAtomic(request.outputDir / "report.json", full.dump(2));
    writeTextAtomic(request.outputDir / "classification_report.txt",
                    report.toText() + reportNotesText(baselines, calibration, warnings));
  }
  return summary;
}

Predictor::Predictor(const fs::path& modelPath, const std::string& device)
    : model_(readModelFile(modelPath)), net_(instantiateModel(model_, resolveDevice(device))) {}

std::vector<float> Predictor::probabilities(const torch::Tensor& imageHwc) {
  torch::NoGradGuard noGrad;
  torch::Tensor image = imageHwc;
  if (image.dim() != 3 || image.size(2) < 1 || image.size(2) > 4) throw std::invalid_argument("image must be HWC with 1-4 channels");
  if (image.size(2) == 4) image = image.narrow(2, 0, 3);
  const std::int64_t side = model_.preprocessing.value("dataset_image_size", model_.spec.inputSize);
  const std::string fit = model_.preprocessing.value("fit", "letterbox");
  torch::Tensor unit = net_->toUnitRange(image.unsqueeze(0));  // [1,3,h,w]
  const auto h = unit.size(2), w = unit.size(3);
  namespace F = torch::nn::functional;
  auto resize = [&](const torch::Tensor& x, std::int64_t outH, std::int64_t outW) {
    const bool shrink = outH <= x.size(2) && outW <= x.size(3);
    auto options = F::InterpolateFuncOptions().size(std::vector<std::int64_t>{outH, outW});
    return shrink ? F::interpolate(x, options.mode(torch::kArea))
                  : F::interpolate(x, options.mode(torch::kBilinear).align_corners(false));
  };
  torch::Tensor fitted;
  if (fit == "stretch") {
    fitted = resize(unit, side, side);
  } else if (fit == "center_crop") {
    const auto crop = std::min(h, w);
    fitted = resize(unit.narrow(2, (h - crop) / 2, crop).narrow(3, (w - crop) / 2, crop), side, side);
  } else {
    const double scale = static_cast<double>(side) / static_cast<double>(std::max(h, w));
    const auto outH = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::lround(static_cast<double>(h) * scale)));
    const auto outW = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::lround(static_cast<double>(w) * scale)));
    fitted = torch::zeros({1, 3, side, side}, unit.options());
    fitted.narrow(2, (side - outH) / 2, outH).narrow(3, (side - outW) / 2, outW).copy_(resize(unit, outH, outW));
  }
  net_->setTrainingMode(false);
  const torch::Tensor p =
      torch::softmax(net_->forward(net_->normalise(fitted)) / model_.temperature, 1).to(torch::kCPU).contiguous();
  return {p.data_ptr<float>(), p.data_ptr<float>() + p.numel()};
}

}  // namespace winnow::training
