// Reader for TensorFlow.js weight files: a `<model>-weights_manifest.json` naming each tensor
// (name, shape, dtype, optional quantisation) and the `.bin` shards holding them back to back.
// Quantised entries (uint8 / uint16 with scale and min, or float16) are dequantised to float32.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace winnow::faceapi {

using WeightMap = std::map<std::string, torch::Tensor>;

// Loads every tensor of the manifest as float32 on the CPU, in TF layout (e.g. conv filters
// HWIO). Throws std::runtime_error naming the file and the reason (missing shard, short shard,
// unknown dtype, malformed manifest).
WeightMap loadTfjsWeights(const std::filesystem::path& manifestPath);

// The named tensor; throws std::runtime_error naming the model and tensor when it is missing or
// its number of dimensions differs from `rank` (-1: any).
const torch::Tensor& weightAt(const WeightMap& weights, const std::string& name, int rank = -1);

}  // namespace winnow::faceapi
