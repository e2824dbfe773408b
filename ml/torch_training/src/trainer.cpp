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
#include "winnow/training/distributed.hpp"
#include "winnow/sdk/run_folder.hpp"

namespace winnow::training {

namespace fs = std::filesystem;
namespace run_folder = sdk::run_folder;

namespace {

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
  writeTextAtomic(runDir / run_folder::kMetricsCsv, csv.str());
  writeTextAtomic(runDir / run_folder::kMetricsJson,
                  nlohmann::json{{"epochs", epochs}, {"best_epoch", bestEpoch}, {"early_stopping_metric", toString(metric)}}
                      .dump(2));
}

// Learning-rate multiplier at global step `step` of `totalSteps` (epoch for the step schedule).
double scheduleFactor(const TrainConfig& config, std::int64_t step, std::int64_t totalSteps, std::int64_t epoch) {
  const double t = totalSteps > 0 ? static_cast<double>(step) / static_cast<double>(totalSteps) : 0.0;
  switch (config.schedule) {
    case ScheduleKind::Step: return std::pow(config.stepGamma, static_cast<double>(epoch / config.stepEpochs));
    case ScheduleKind::Cosine: return 0.5 * (1.0 + std::cos(M_PI * t));
    case ScheduleKind::OneCycle: {
      // torch's OneCycleLR defaults: 30% warm-up from max/25, cosine down to max/(25*1e4).
      const double warm = 0.3;
      if (t < warm) return 1.0 / 25.0 + (1.0 - 1.0 / 25.0) * (t / warm);
      const double u = (t - warm) / (1.0 - warm);
      const double low = 1.0 / 25.0 / 1e4;
      return low + (1.0 - low) * 0.5 * (1.0 + std::cos(M_PI * u));
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

namespace {

// One training run, phase by phase (trainClassifier calls them in order). Every rank of a
// data-parallel run executes every phase; collectives keep them in step, rank 0 alone writes the
// run folder. Decisions that must agree (early stopping, the best epoch, cancelling) are taken on
// values every rank holds identically: gathered logits, all-reduced sums.
class TrainingRun {
 public:
  TrainingRun(const TrainConfig& config, const TrainRequest& request, const TrainHooks& hooks)
      : config_(config), request_(request), hooks_(hooks), started_(Clock::now()) {}

  nlohmann::json run() {
    keepLargeBlocksInHeap();
    readDataset();
    joinGroup();
    prepareRunFolder();
    buildModel();
    loadSplits();
    computeBaselines();
    makeOptimizerState();
    if (request_.resume) resume();
    trainEpochs();
    scoreTestSplit();
    return writeResults();
  }

 private:
  bool leader() const { return group_->rank() == 0; }
  void log(const std::string& line) const {
    if (leader() && hooks_.log) hooks_.log(line);
  }
  // Any rank's cancel stops every rank at the same step.
  bool cancelled() {
    bool local = hooks_.cancelled && hooks_.cancelled();
    if (group_->worldSize() == 1) return local;
    torch::Tensor flag = torch::tensor({local ? 1.0F : 0.0F});
    group_->allReduceSum(flag);
    return flag.item<float>() > 0;
  }
  void throwIfCancelled() {
    if (cancelled()) throw TrainingCancelled();
  }

  void readDataset() {
    data_ = readDatasetFile(request_.dataset);
    const std::string where = request_.dataset.string() + ": ";
    classCount_ = data_.classNames.size();
    if (classCount_ < 2) {
      throw std::runtime_error(where + "a classifier needs at least 2 classes; the dataset has " + std::to_string(classCount_) +
                               (classCount_ == 1 ? " (\"" + data_.classNames[0] + "\")" : ""));
    }
    // val is optional: without it there is no early stopping and no calibration (both stated).
    for (SplitCode split : {SplitCode::Train, SplitCode::Test}) {
      if (data_.labelledRows(split).empty()) {
        throw std::runtime_error(where + "split '" + splitName(split) + "' has no labelled rows (run `winnow split` before exporting)");
      }
    }
    std::vector<std::int64_t> trainLabels;
    for (auto row : data_.labelledRows(SplitCode::Train)) trainLabels.push_back(data_.labels[static_cast<std::size_t>(row)]);
    std::sort(trainLabels.begin(), trainLabels.end());
    if (std::unique(trainLabels.begin(), trainLabels.end()) - trainLabels.begin() < 2) {
      throw std::runtime_error(where + "the train split holds only one class");
    }
  }

  void joinGroup() {
    const DistributedEnvironment environment =
        request_.distributed ? *request_.distributed : distributedEnvironmentFromVariables();
    device_ = resolveDevice(config_.device);
    if (environment.distributed() && device_.is_cuda()) {
      device_ = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(environment.localRank % std::max<std::int64_t>(
                                                                               1, torch::cuda::device_count())));
    }
    // LibTorch's own default here is one thread (Debian's build), so 0 means every core, shared
    // out among the ranks on this machine.
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    threads_ = config_.threads > 0 ? static_cast<int>(config_.threads) : std::max(1, cores / environment.localWorldSize);
    torch::set_num_threads(threads_);
    group_ = TrainingGroup::join(environment, device_);
    if (group_->worldSize() > 1) {
      log("data-parallel: " + std::to_string(group_->worldSize()) + " processes over " + group_->backend() + ", " +
          std::to_string(threads_) + " thread(s) each, global batch " + std::to_string(config_.batchSize * group_->worldSize()));
    }
  }

  // Rank 0 decides whether the folder may be used; every rank raises the same error.
  void prepareRunFolder() {
    checkpointPath_ = request_.runDir / kCheckpointName;
    std::string refusal;
    if (leader()) {
      std::error_code ec;
      if (!request_.resume && fs::exists(checkpointPath_, ec)) {
        refusal = request_.runDir.string() + ": holds a run already (checkpoint.pt); resume it or choose another folder";
      } else if (request_.resume && !fs::exists(checkpointPath_, ec)) {
        refusal = checkpointPath_.string() + ": no checkpoint to resume from";
      } else {
        fs::create_directories(request_.runDir, ec);
        if (ec) refusal = request_.runDir.string() + ": cannot create: " + ec.message();
      }
    }
    refusal = group_->broadcastBytes(refusal);
    if (!refusal.empty()) throw std::runtime_error(refusal);
  }

  void buildModel() {
    amp_ = config_.mixedPrecision && device_.is_cuda();
    spec_.backbone = config_.backbone;
    spec_.headHidden = config_.headHidden;
    spec_.headDropout = config_.headDropout;
    spec_.classCount = static_cast<std::int64_t>(classCount_);
    spec_.inputSize = config_.inputSize > 0 ? config_.inputSize : data_.imageSize;
    torch::manual_seed(config_.seed);
    net_ = std::make_shared<ClassifierNet>(spec_, device_);
    weights_ = config_.weights;
    if (weights_.empty() && net_->kind() == BackboneKind::FaceRecognition) weights_ = request_.defaultFaceModelDir;
    if (net_->kind() == BackboneKind::FaceRecognition && weights_.empty()) {
      throw std::runtime_error("faceapi_recognition needs face-api's weights: set weights to the model folder");
    }
    net_->loadPretrainedBackbone(weights_);
    // Every rank starts from rank 0's weights (as DistributedDataParallel does at construction).
    broadcastState();
    log("model " + spec_.backbone + (weights_.empty() ? " (random init)" : " from " + weights_) + ", " +
        std::to_string(net_->featureDim()) + "-d features, " + std::to_string(classCount_) + " classes, " +
        (device_.is_cuda() ? "cuda" : "cpu") + (amp_ ? " bf16 autocast" : ""));
  }

  void broadcastState() {
    std::vector<torch::Tensor> tensors;
    for (const auto& [name, tensor] : net_->namedState()) tensors.push_back(tensor);
    group_->broadcast(tensors);
  }

  void loadSplits() {
    train_ = takeSplit(data_, SplitCode::Train, device_);
    val_ = takeSplit(data_, SplitCode::Val, device_);
    test_ = takeSplit(data_, SplitCode::Test, device_);
    log("rows: train " + std::to_string(train_.rows.size()) + ", val " + std::to_string(val_.rows.size()) + ", test " +
        std::to_string(test_.rows.size()));
    hasVal_ = !val_.rows.empty();
    if (!hasVal_) {
      log("no validation split: no early stopping (the last epoch is the model) and no calibration (temperature 1); "
          "split with a val share (winnow split --ratios 70,15,15) to get both");
    }
    if (config_.balancedClassWeights) {
      std::vector<float> weightsPerClass(classCount_, 0.0F);
      std::vector<std::int64_t> counts(classCount_, 0);
      for (auto label : train_.labelValues) ++counts[static_cast<std::size_t>(label)];
      for (std::size_t c = 0; c < classCount_; ++c) {
        weightsPerClass[c] = counts[c] > 0 ? static_cast<float>(static_cast<double>(train_.labelValues.size()) /
                                                                (static_cast<double>(classCount_) * static_cast<double>(counts[c])))
                                           : 0.0F;
      }
      classWeights_ = torch::tensor(weightsPerClass).to(device_);
    }
    trainClassCounts_.assign(classCount_, 0);
    for (auto label : train_.labelValues) ++trainClassCounts_[static_cast<std::size_t>(label)];
  }

  torch::Tensor lossOf(const torch::Tensor& logits, const torch::Tensor& labels) const {
    auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config_.labelSmoothing);
    if (classWeights_.defined()) options.weight(classWeights_);
    return torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), labels, options);
  }

  // `compute` of every image, each rank taking rows i % worldSize == rank, gathered in order.
  template <typename Compute>
  torch::Tensor shared(const torch::Tensor& images, Compute compute) {
    if (group_->worldSize() == 1) return compute(images);
    const auto rows = interleavedRows(images.size(0), group_->rank(), group_->worldSize());
    const torch::Tensor local = compute(images.index_select(0, rowsTensor(rows).to(images.device())));
    return group_->gatherInterleaved(local, images.size(0));
  }
  torch::Tensor featuresOf(ClassifierNet& net, const torch::Tensor& images) {
    return shared(images, [&](const torch::Tensor& x) { return computeFeatures(net, x, config_.batchSize, amp_); });
  }
  torch::Tensor logitsOf(const torch::Tensor& images) {
    return shared(images, [&](const torch::Tensor& x) { return computeLogits(*net_, x, config_.batchSize, amp_); });
  }

  // Baselines and the feature cache need the backbone as it was before training.
  void computeBaselines() {
    featureMode_ = config_.mode == TrainMode::Features;
    majorityName(train_.labelValues, classCount_, majority_);
    {
      const ClassificationReport report = scoreClassification(
          test_.labelValues, std::vector<std::int64_t>(test_.labelValues.size(), majority_), data_.classNames);
      baselines_["majority_class"] = {{"class", data_.classNames[static_cast<std::size_t>(majority_)]},
                                      {"accuracy", report.accuracy},
                                      {"macro_f1", report.macro.f1},
                                      {"what", "always answering the most frequent class of the train split, scored on the test split"}};
    }
    if (!featureMode_ && !config_.linearProbeBaseline) return;
    // The probe on the backbone as training starts (pretrained when weights were given), and,
    // for a pretrained backbone, a second one on an untrained copy: a probe on random features
    // that comes close to the trained model says the labels are readable from picture statistics.
    log("computing frozen backbone features");
    const auto featureStart = Clock::now();
    trainFeatures_ = featuresOf(*net_, train_.images);
    valFeatures_ = featuresOf(*net_, val_.images);
    testFeatures_ = featuresOf(*net_, test_.images);
    log("features of " + std::to_string(data_.rowCount()) + " images in " + std::to_string(secondsSince(featureStart)) + " s");
    throwIfCancelled();
    if (!config_.linearProbeBaseline) return;
    const ClassificationReport probe =
        linearProbe(trainFeatures_, train_.labels, testFeatures_, test_.labelValues, data_.classNames, config_.seed);
    const bool untrained = weights_.empty();
    baselines_["linear_probe"] = {
        {"accuracy", probe.accuracy},
        {"macro_f1", probe.macro.f1},
        {"backbone", untrained ? "untrained (random init)" : "pretrained"},
        {"what", "logistic regression on the frozen " + spec_.backbone + " features of the train split, scored on the test split"}};
    log("baseline linear probe on frozen " + std::string(untrained ? "untrained" : "pretrained") + " features: test accuracy " +
        std::to_string(probe.accuracy));
    if (untrained) {
      untrainedProbeAccuracy_ = probe.accuracy;
      return;
    }
    torch::manual_seed(config_.seed);
    auto random = std::make_shared<ClassifierNet>(spec_, device_);
    std::vector<torch::Tensor> randomState;
    for (const auto& [name, tensor] : random->namedState()) randomState.push_back(tensor);
    group_->broadcast(randomState);
    const torch::Tensor randomTrain = featuresOf(*random, train_.images);
    const torch::Tensor randomTest = featuresOf(*random, test_.images);
    throwIfCancelled();
    const ClassificationReport untrainedProbe =
        linearProbe(randomTrain, train_.labels, randomTest, test_.labelValues, data_.classNames, config_.seed);
    untrainedProbeAccuracy_ = untrainedProbe.accuracy;
    baselines_["untrained_linear_probe"] = {
        {"accuracy", untrainedProbe.accuracy},
        {"macro_f1", untrainedProbe.macro.f1},
        {"backbone", "untrained (random init)"},
        {"what", "logistic regression on the features of an untrained " + spec_.backbone + ", scored on the test split"}};
    log("baseline linear probe on untrained features: test accuracy " + std::to_string(untrainedProbe.accuracy));
  }

  void makeOptimizerState() {
    std::vector<torch::Tensor> backboneParams = net_->selectTrainableBackbone(featureMode_ ? -1 : config_.trainableBlocks);
    std::vector<torch::Tensor> trainable = net_->headParameters();
    trainable.insert(trainable.end(), backboneParams.begin(), backboneParams.end());
    optimizer_ = makeOptimizer(config_, net_->headParameters(), backboneParams, baseRates_);
    averager_ = std::make_unique<GradientAverager>(*group_, trainable);
    nlohmann::json c = config_.toJson();
    c.erase("epochs");
    c.erase("patience");
    c.erase("threads");
    identity_ = {{"config", c}, {"dataset", datasetJson(data_)}};
    // A data-parallel run's batches depend on the world size; a single process's identity is
    // unchanged from before data parallelism existed.
    if (group_->worldSize() > 1) identity_["world_size"] = group_->worldSize();
    best_ = cpuCopy(net_->namedState());
  }

  // Rank 0 reads checkpoint.pt and sends its bytes, so ranks on other machines need no copy.
  void resume() {
    std::string bytes;
    std::string failure;
    if (leader()) {
      std::ifstream in(checkpointPath_, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      if (!in) failure = "cannot read it";
      bytes = buffer.str();
    }
    failure = group_->broadcastBytes(failure);
    if (!failure.empty()) throw std::runtime_error(checkpointPath_.string() + ": cannot resume: " + failure);
    bytes = group_->broadcastBytes(bytes);
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(bytes.data(), bytes.size());
      c10::IValue stateValue;
      archive.read("state", stateValue);
      const nlohmann::json state = nlohmann::json::parse(stateValue.toStringRef());
      const int savedWorld = state.at("identity").value("world_size", 1);
      if (savedWorld != group_->worldSize()) {
        throw std::runtime_error("it was trained by " + std::to_string(savedWorld) + " process(es), this run has " +
                                 std::to_string(group_->worldSize()) + "; resume with the same number (--nproc " +
                                 std::to_string(savedWorld) + ")");
      }
      if (state.at("identity") != identity_) {
        throw std::runtime_error("it was made with another configuration or dataset (only epochs, patience and threads may change)");
      }
      progress_.nextEpoch = state.at("next_epoch");
      progress_.bestEpoch = state.at("best_epoch");
      progress_.bestScore = state.at("best_score");
      progress_.epochsSinceBest = state.at("epochs_since_best");
      progress_.trainSeconds = state.at("train_seconds");
      progress_.trainImages = state.at("train_images");
      for (const auto& m : state.at("history")) progress_.history.push_back(EpochMetrics::fromJson(m));
      torch::serialize::InputArchive model, bestArchive, optimizerArchive;
      archive.read("model", model);
      archive.read("best", bestArchive);
      archive.read("optimizer", optimizerArchive);
      net_->loadNamedState(readNamed(model));
      best_ = readNamed(bestArchive);
      optimizer_->load(optimizerArchive);
    } catch (const std::exception& error) {
      throw std::runtime_error(checkpointPath_.string() + ": cannot resume: " + error.what());
    }
    log("resuming at epoch " + std::to_string(progress_.nextEpoch + 1));
  }

  void setTraining(bool on) {
    net_->setTrainingMode(on);
    if (!on || !config_.frozenBatchNorm) return;
    for (const auto& module : net_->modules(/*include_self=*/false)) {
      if (module->as<torch::nn::BatchNorm2d>() != nullptr || module->as<torch::nn::BatchNorm1d>() != nullptr) module->eval();
    }
  }

  // Per-rank batch-norm statistics, averaged once per epoch so every rank validates and saves
  // the same model. Synchronising them in every forward (SyncBatchNorm) would cost two collectives
  // per layer and step; its benefit is for tiny per-rank batches.
  void averageBatchNormStatistics() {
    if (group_->worldSize() == 1 || config_.frozenBatchNorm) return;
    torch::NoGradGuard noGrad;
    for (auto& buffer : net_->buffers()) {
      if (!buffer.is_floating_point()) continue;
      group_->allReduceSum(buffer);
      buffer.div_(static_cast<double>(group_->worldSize()));
    }
  }

  void trainEpochs() {
    const int world = group_->worldSize();
    const int rank = group_->rank();
    const auto trainCount = static_cast<std::int64_t>(train_.rows.size());
    const std::int64_t shardCount = (trainCount + world - 1) / world;
    const std::int64_t batchesPerEpoch = (shardCount + config_.batchSize - 1) / config_.batchSize;
    const std::int64_t totalSteps = batchesPerEpoch * config_.epochs;
    // Dropout and augmentation differ across ranks (each sees other images); rank 0 draws what a
    // single process draws.
    const std::uint64_t rankSalt = static_cast<std::uint64_t>(rank) * 0x632be59bd9b4e019ULL;
    if (const std::int64_t padded = shardCount * world - trainCount; padded > 0) {
      log("the " + std::to_string(trainCount) + " train rows do not split evenly over " + std::to_string(world) +
          " ranks: each epoch trains " + std::to_string(padded) + " of them twice (DistributedSampler's padding)");
    }
    for (std::int64_t epoch = progress_.nextEpoch; epoch < config_.epochs; ++epoch) {
      if (config_.patience > 0 && progress_.epochsSinceBest >= config_.patience) {
        stoppedEarly_ = true;
        break;
      }
      const auto epochStart = Clock::now();
      group_->takeCommunicationSeconds();
      torch::manual_seed(config_.seed * 1000003ULL + static_cast<std::uint64_t>(epoch) + rankSalt);
      const torch::Tensor shard = torch::tensor(epochShard(trainCount, config_.seed, epoch, rank, world), torch::kInt64).to(device_);
      setTraining(true);
      // Summed on the device and read once per epoch: a read per batch would wait for the GPU.
      torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
      torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device_));
      double lastRate = 0;
      for (std::int64_t b = 0; b < batchesPerEpoch; ++b) {
        throwIfCancelled();
        const std::int64_t step = epoch * batchesPerEpoch + b;
        const double factor = scheduleFactor(config_, step, totalSteps, epoch);
        for (std::size_t g = 0; g < optimizer_->param_groups().size(); ++g) {
          optimizer_->param_groups()[g].options().set_lr(baseRates_[g] * factor);
        }
        lastRate = baseRates_[0] * factor;
        const std::int64_t start = b * config_.batchSize;
        const std::int64_t count = std::min(config_.batchSize, shardCount - start);
        const torch::Tensor index = shard.narrow(0, start, count);
        const torch::Tensor labels = train_.labels.index_select(0, index);
        optimizer_->zero_grad();
        torch::Tensor logits;
        {
          CudaAutocast autocast(amp_);
          if (featureMode_) {
            logits = net_->classify(trainFeatures_.index_select(0, index));
          } else {
            torch::Tensor unit = net_->toUnitRange(train_.images.index_select(0, index));
            unit = augmentBatch(unit, config_.augment,
                                config_.seed ^ (static_cast<std::uint64_t>(step) * 0x9e3779b97f4a7c15ULL) ^ rankSalt);
            logits = net_->forward(net_->normalise(unit));
          }
        }
        torch::Tensor loss = lossOf(logits, labels);
        averager_->beginStep();
        loss.backward();
        averager_->finishStep();
        optimizer_->step();
        lossSum += loss.detach().to(torch::kFloat64) * static_cast<double>(count);
        correct += logits.detach().argmax(1).eq(labels).sum();
        if (leader() && hooks_.progress) {
          hooks_.progress(step + 1, totalSteps, "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config_.epochs));
        }
      }
      // Reading the sums waits for the device, so the epoch's time includes all of its work.
      group_->allReduceSum(lossSum);
      group_->allReduceSum(correct);
      averageBatchNormStatistics();
      const double epochLossSum = lossSum.item<double>();
      const auto epochCorrect = correct.item<std::int64_t>();
      const std::int64_t imagesSeen = shardCount * world;  // padded rows count: each was trained on
      const double trainSeconds = secondsSince(epochStart);
      communicationSeconds_ += group_->takeCommunicationSeconds();
      progress_.trainSeconds += trainSeconds;
      progress_.trainImages += imagesSeen;

      EpochMetrics m;
      m.epoch = epoch + 1;
      m.trainLoss = epochLossSum / static_cast<double>(imagesSeen);
      m.trainAccuracy = static_cast<double>(epochCorrect) / static_cast<double>(imagesSeen);
      m.learningRate = lastRate;
      m.imagesPerSecond = static_cast<double>(imagesSeen) / trainSeconds;
      if (!hasVal_) {
        m.valLoss = m.valAccuracy = m.valMacroF1 = std::numeric_limits<double>::quiet_NaN();
      } else {
        torch::NoGradGuard noGrad;
        net_->setTrainingMode(false);
        const torch::Tensor valLogits = featureMode_ ? net_->classify(valFeatures_) : logitsOf(val_.images);
        m.valLoss = torch::nn::functional::cross_entropy(valLogits, val_.labels).item<double>();
        const ClassificationReport report = scoreClassification(val_.labelValues, toVector(valLogits.argmax(1)), data_.classNames);
        m.valAccuracy = report.accuracy;
        m.valMacroF1 = report.macro.f1;
      }
      m.seconds = secondsSince(epochStart);
      progress_.history.push_back(m);
      const double score = stopScore(m, config_.stopMetric);
      if (score > progress_.bestScore) {
        progress_.bestScore = score;
        progress_.bestEpoch = m.epoch;
        progress_.epochsSinceBest = 0;
        best_ = cpuCopy(net_->namedState());
      } else {
        ++progress_.epochsSinceBest;
      }
      progress_.nextEpoch = epoch + 1;
      if (leader()) {
        writeMetrics(request_.runDir, progress_.history, progress_.bestEpoch, config_.stopMetric);
        saveCheckpoint(request_.runDir, identity_, progress_, *net_, best_, *optimizer_);
      }
      char line[256];
      if (hasVal_) {
        std::snprintf(line, sizeof line, "epoch %lld/%lld: train loss %.4f acc %.4f | val loss %.4f acc %.4f macro-F1 %.4f | %.1f img/s",
                      static_cast<long long>(m.epoch), static_cast<long long>(config_.epochs), m.trainLoss, m.trainAccuracy,
                      m.valLoss, m.valAccuracy, m.valMacroF1, m.imagesPerSecond);
      } else {
        std::snprintf(line, sizeof line, "epoch %lld/%lld: train loss %.4f acc %.4f | no val split | %.1f img/s",
                      static_cast<long long>(m.epoch), static_cast<long long>(config_.epochs), m.trainLoss, m.trainAccuracy,
                      m.imagesPerSecond);
      }
      log(line);
    }
    if (!stoppedEarly_ && config_.patience > 0 && progress_.epochsSinceBest >= config_.patience &&
        progress_.nextEpoch < config_.epochs) {
      stoppedEarly_ = true;
    }
  }

  // The best epoch's weights are the model; temperature scaling on the val split.
  void scoreTestSplit() {
    net_->loadNamedState(best_);
    net_->setTrainingMode(false);
    {
      torch::NoGradGuard noGrad;
      testLogits_ = featureMode_ ? net_->classify(testFeatures_) : logitsOf(test_.images);
    }
    if (featureMode_) {
      // The cached-feature head is exact only for the frozen backbone it was trained on, which is
      // what the saved model holds; check the round trip through images once.
      torch::NoGradGuard noGrad;
      const torch::Tensor viaImages = logitsOf(test_.images);
      const double drift = (viaImages - testLogits_).abs().max().item<double>();
      if (drift > 1e-2) log("warning: logits via images differ from cached features by " + std::to_string(drift));
    }
    if (hasVal_) {
      torch::Tensor valLogits;
      {
        torch::NoGradGuard noGrad;
        valLogits = featureMode_ ? net_->classify(valFeatures_) : logitsOf(val_.images);
      }
      temperature_ = fitTemperature(valLogits.to(torch::kFloat32), val_.labels);
      calibration_ = {{"fitted", true},
                      {"temperature", temperature_},
                      {"fitted_on", "val"},
                      {"method", "temperature scaling: one T minimising the val split's NLL of softmax(logits / T)"},
                      {"val", {{"before", calibrationSummary(valLogits, val_.labelValues, 1.0)},
                               {"after", calibrationSummary(valLogits, val_.labelValues, temperature_)}}},
                      {"test", {{"before", calibrationSummary(testLogits_, test_.labelValues, 1.0)},
                                {"after", calibrationSummary(testLogits_, test_.labelValues, temperature_)}}}};
    } else {
      calibration_ = {{"fitted", false},
                      {"temperature", 1.0},
                      {"reason", "no validation split: probabilities are the uncalibrated softmax (temperature 1)"},
                      {"test", {{"before", calibrationSummary(testLogits_, test_.labelValues, 1.0)}}}};
    }
    calibration_["meaning"] = kProbabilityMeaning;
    log(calibrationLine(calibration_));
  }

  nlohmann::json writeResults() {
    const std::vector<std::int64_t> predicted = toVector(testLogits_.argmax(1));
    const std::vector<double> probabilities = predictedProbabilities(testLogits_ / temperature_, predicted);
    const ClassificationReport report = scoreClassification(test_.labelValues, predicted, data_.classNames);
    EvaluationFacts facts;
    facts.accuracy = report.accuracy;
    facts.count = report.count;
    facts.accuracyInterval = report.accuracyInterval;
    facts.majorityBaselines.push_back({data_.classNames[static_cast<std::size_t>(majority_)],
                                       baselines_["majority_class"]["accuracy"].get<double>(),
                                       "the most frequent class of the train split, on the test split"});
    facts.untrainedProbeAccuracy = untrainedProbeAccuracy_;
    const std::vector<std::string> warnings = evaluationWarnings(facts);
    for (const auto& warning : warnings) log("WARNING: " + warning);

    const double wallSeconds = secondsSince(started_);
    nlohmann::json summary = {{"run_dir", fs::absolute(request_.runDir).string()},
                              {"model", fs::absolute(request_.runDir / run_folder::kModelFile).string()},
                              {"dataset", datasetJson(data_)},
                              {"config", config_.toJson()},
                              {"architecture", spec_.toJson()},
                              {"device", device_.is_cuda() ? "cuda" : "cpu"},
                              {"mixed_precision", amp_},
                              {"epochs_run", progress_.history.size()},
                              {"best_epoch", progress_.bestEpoch},
                              {"stopped_early", stoppedEarly_},
                              {"rows", {{"train", train_.rows.size()}, {"val", val_.rows.size()}, {"test", test_.rows.size()}}},
                              {"test", report.toJson()},
                              {"baselines", baselines_},
                              {"calibration", calibration_},
                              {"warnings", warnings},
                              {"wall_seconds", wallSeconds},
                              {"train_seconds", progress_.trainSeconds},
                              {"threads", threads_},
                              {"train_images_per_second",
                               progress_.trainSeconds > 0 ? static_cast<double>(progress_.trainImages) / progress_.trainSeconds : 0.0}};
    if (group_->worldSize() > 1) {
      const auto& environment = group_->environment();
      summary["distributed"] = {{"rank", group_->rank()},
                                {"world_size", group_->worldSize()},
                                {"backend", group_->backend()},
                                {"global_batch_size", config_.batchSize * group_->worldSize()},
                                {"gradient_buckets", averager_->bucketCount()},
                                {"bucket_megabytes", environment.bucketMegabytes},
                                {"overlap", environment.overlap},
                                {"timeout_seconds", environment.timeout.count()},
                                {"communication_seconds", communicationSeconds_},
                                {"communication_share",
                                 progress_.trainSeconds > 0 ? communicationSeconds_ / progress_.trainSeconds : 0.0},
                                {"writes_run_folder", leader()}};
    }
    if (!leader()) return summary;

    nlohmann::json predictions = nlohmann::json::array();
    std::ostringstream csv;
    csv << "row,sample_id,source,original_path,label,predicted,probability\n";
    for (std::size_t i = 0; i < test_.rows.size(); ++i) {
      const auto row = static_cast<std::size_t>(test_.rows[i]);
      const double p = probabilities[i];
      predictions.push_back({{"row", row},
                             {"sample_id", data_.sampleIds[row]},
                             {"source", data_.sources[row]},
                             {"original_path", data_.originalPaths[row]},
                             {"label", data_.classNames[static_cast<std::size_t>(test_.labelValues[i])]},
                             {"predicted", data_.classNames[static_cast<std::size_t>(predicted[i])]},
                             {"probability", p}});
      std::string path = data_.originalPaths[row];
      std::replace(path.begin(), path.end(), '"', '\'');
      csv << row << ',' << data_.sampleIds[row] << ',' << data_.sources[row] << ",\"" << path << "\","
          << data_.classNames[static_cast<std::size_t>(test_.labelValues[i])] << ','
          << data_.classNames[static_cast<std::size_t>(predicted[i])] << ',' << p << '\n';
    }
    nlohmann::json preprocessing = {{"input_size", spec_.inputSize},
                                    {"dataset_image_size", data_.imageSize},
                                    {"fit", data_.fit},
                                    {"channels", data_.channels},
                                    {"normalisation", net_->kind() == BackboneKind::FaceRecognition ? "face_recognition_0_255" : "imagenet"},
                                    {"mean", {0.485, 0.456, 0.406}},
                                    {"std", {0.229, 0.224, 0.225}},
                                    {"face_crops", data_.faceCrops()}};
    ModelFile model;
    model.spec = net_->spec();
    model.classNames = data_.classNames;
    model.preprocessing = preprocessing;
    nlohmann::json trainCounts = nlohmann::json::object();
    for (std::size_t c = 0; c < classCount_; ++c) trainCounts[data_.classNames[c]] = trainClassCounts_[c];
    // What evaluate compares another data set against: the training data's majority class and
    // sources, and the model's own test accuracy.
    model.training = {{"config", config_.toJson()},
                      {"dataset", datasetJson(data_)},
                      {"best_epoch", progress_.bestEpoch},
                      {"test_accuracy", report.accuracy},
                      {"test_accuracy_ci95", {{"low", report.accuracyInterval.low}, {"high", report.accuracyInterval.high}}},
                      {"test_count", report.count},
                      {"test_macro_f1", report.macro.f1},
                      {"majority_class", data_.classNames[static_cast<std::size_t>(majority_)]},
                      {"train_class_counts", trainCounts},
                      {"sources", {{"train", sourceCounts(data_, train_.rows)},
                                   {"val", sourceCounts(data_, val_.rows)},
                                   {"test", sourceCounts(data_, test_.rows)}}},
                      {"baselines", baselines_},
                      {"calibration", calibration_},
                      {"warnings", warnings}};
    if (summary.contains("distributed")) model.training["distributed"] = summary["distributed"];
    model.temperature = temperature_;
    if (!data_.contentHashes.empty()) {
      for (const auto* split : {&train_, &val_, &test_}) {
        const std::int64_t code = split == &train_ ? 1 : split == &val_ ? 2 : 3;
        for (auto row : split->rows) {
          model.trainingContentHashes.push_back(data_.contentHashes[static_cast<std::size_t>(row)]);
          model.trainingSplits.push_back(code);
        }
      }
    }
    model.state = cpuCopy(net_->namedState());
    writeModelFile(request_.runDir / run_folder::kModelFile, model);
    writeTextAtomic(request_.runDir / "classification_report.txt",
                    report.toText() + reportNotesText(baselines_, calibration_, warnings));
    writeTextAtomic(request_.runDir / "predictions.csv", csv.str());
    nlohmann::json full = summary;
    full["predictions"] = predictions;
    writeTextAtomic(request_.runDir / run_folder::kReportJson, full.dump(2));
    log("test accuracy " + std::to_string(report.accuracy) + ", macro F1 " + std::to_string(report.macro.f1) +
        " (best epoch " + std::to_string(progress_.bestEpoch) + ")");
    return summary;
  }

  const TrainConfig& config_;
  const TrainRequest& request_;
  const TrainHooks& hooks_;
  const Clock::time_point started_;

  DatasetFile data_;
  std::size_t classCount_ = 0;
  std::unique_ptr<TrainingGroup> group_;
  torch::Device device_ = torch::kCPU;
  int threads_ = 1;
  fs::path checkpointPath_;
  bool amp_ = false;
  NetSpec spec_;
  std::string weights_;
  std::shared_ptr<ClassifierNet> net_;
  SplitData train_, val_, test_;
  bool hasVal_ = false;
  torch::Tensor classWeights_;
  std::vector<std::int64_t> trainClassCounts_;
  bool featureMode_ = false;
  torch::Tensor trainFeatures_, valFeatures_, testFeatures_;
  nlohmann::json baselines_ = nlohmann::json::object();
  std::int64_t majority_ = 0;
  std::optional<double> untrainedProbeAccuracy_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<GradientAverager> averager_;
  std::vector<double> baseRates_;
  nlohmann::json identity_;
  Progress progress_;
  NamedTensors best_;
  bool stoppedEarly_ = false;
  double communicationSeconds_ = 0;
  torch::Tensor testLogits_;
  double temperature_ = 1.0;
  nlohmann::json calibration_;
};

}  // namespace

nlohmann::json trainClassifier(const TrainConfig& config, const TrainRequest& request, const TrainHooks& hooks) {
  return TrainingRun(config, request, hooks).run();
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
    writeTextAtomic(request.outputDir / run_folder::kReportJson, full.dump(2));
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
