// The trained-model file: HDF5 (format "winnow-model", format_version 1), readable with h5py
// (docs/training.md shows how to load it into a torchvision model).
//
//   /weights/<name>        one dataset per tensor, float32 (int64 for counters), named as
//                          ClassifierNet::namedState() names them ("backbone.layer1.0.conv1.weight",
//                          "head.0.weight", ...); 0-d tensors are scalar datasets
//   /class_names           variable-length UTF-8 strings, index = class
//   /training_data/content_hash, /training_data/split   (optional) the content hash and split code
//                          (1 train, 2 val, 3 test) of every labelled row the model was trained
//                          and scored on, so evaluate can tell seen pictures from new ones
//   attributes: format, format_version, architecture (JSON: NetSpec), preprocessing (JSON: input
//   size, the dataset's image size and fit, normalisation mean/std, the face-crop recipe when the
//   model was trained on face crops), training (JSON: config, dataset, epochs, test metrics,
//   training-data facts evaluate compares against: the train split's majority class, class counts
//   and sources, baselines, calibration), temperature (float64, > 0: calibrated probabilities are
//   softmax(logits / temperature); files written before it existed load with 1), created_at.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/training/classifier_net.hpp"

namespace winnow::training {

struct ModelFile {
  NetSpec spec;
  std::vector<std::string> classNames;
  nlohmann::json preprocessing = nlohmann::json::object();
  nlohmann::json training = nlohmann::json::object();
  double temperature = 1.0;  // softmax(logits / temperature) are the model's probabilities
  // The training run's labelled rows (empty for files without /training_data).
  std::vector<std::string> trainingContentHashes;
  std::vector<std::int64_t> trainingSplits;  // same length: 1 train, 2 val, 3 test
  NamedTensors state;  // CPU tensors
};

// Writes <path>.tmp-<pid> and renames it onto path. Throws std::runtime_error naming the file.
void writeModelFile(const std::filesystem::path& path, const ModelFile& model);
// Throws std::runtime_error "<path>: <reason>" for a missing, corrupt or foreign file.
ModelFile readModelFile(const std::filesystem::path& path);
// A network on `device` holding the file's weights.
std::shared_ptr<ClassifierNet> instantiateModel(const ModelFile& model, torch::Device device);

// Tensors copied to the CPU (for files and checkpoints).
NamedTensors cpuCopy(const NamedTensors& state);

}  // namespace winnow::training
