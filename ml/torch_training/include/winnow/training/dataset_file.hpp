// A winnow HDF5 dataset file (docs/hdf5-layout.md, format_version 1) read whole into memory:
// training sets are small (hundreds to thousands of images), and the file is compressed, so
// per-item reads would decompress a chunk per image.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::training {

enum class SplitCode : std::uint8_t { Unassigned = 0, Train = 1, Val = 2, Test = 3 };

struct DatasetFile {
  std::filesystem::path path;
  torch::Tensor images;                  // uint8 [N, S, S, C] (RGB or grey), CPU
  std::vector<std::int64_t> labels;      // N entries, -1 = unlabelled
  std::vector<SplitCode> splits;         // N entries
  std::vector<std::string> classNames;   // K entries
  std::vector<std::int64_t> sampleIds;   // N entries (project store ids)
  std::vector<std::string> originalPaths;
  std::vector<std::string> sources;
  std::vector<std::string> contentHashes;  // N entries, or empty when the file has none
  std::int64_t imageSize = 0;            // S
  std::int64_t channels = 0;             // C
  std::string fit;                       // letterbox | center_crop | stretch
  nlohmann::json winnowInfo;             // the root `winnow` attribute parsed (may be {})

  std::int64_t rowCount() const { return static_cast<std::int64_t>(labels.size()); }
  // Rows of a split that carry a label, ascending.
  std::vector<std::int64_t> labelledRows(SplitCode split) const;
  // The face-crop recipe the images were cut with ({"detector":..., "params":{...}}), or null when
  // the images are whole pictures.
  nlohmann::json faceCrops() const;
};

// Throws std::runtime_error "<path>: <reason>" for a file that is missing, not HDF5, not a winnow
// dataset, of an unknown format_version, or internally inconsistent (row counts, label range).
DatasetFile readDatasetFile(const std::filesystem::path& path);

const char* splitName(SplitCode split);

}  // namespace winnow::training
