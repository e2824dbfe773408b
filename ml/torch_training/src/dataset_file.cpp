#include "winnow/training/dataset_file.hpp"

#include <stdexcept>

#include "hdf5_io.hpp"
#include "winnow/sdk/dataset_layout.hpp"

namespace winnow::training {

namespace fs = std::filesystem;
namespace layout = sdk::dataset_layout;

std::vector<std::int64_t> DatasetFile::labelledRows(SplitCode split) const {
  std::vector<std::int64_t> rows;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (splits[i] == split && labels[i] >= 0) rows.push_back(static_cast<std::int64_t>(i));
  }
  return rows;
}

nlohmann::json DatasetFile::faceCrops() const {
  if (winnowInfo.is_object() && winnowInfo.contains("images") &&
      winnowInfo["images"].value("kind", "") == "face_crops") {
    return winnowInfo["images"];
  }
  return nullptr;
}

const char* splitName(SplitCode split) {
  switch (split) {
    case SplitCode::Train: return layout::kSplitNames[1];
    case SplitCode::Val: return layout::kSplitNames[2];
    case SplitCode::Test: return layout::kSplitNames[3];
    case SplitCode::Unassigned: break;
  }
  return layout::kSplitNames[0];
}

DatasetFile readDatasetFile(const fs::path& path) {
  const std::string prefix = path.string() + ": ";
  try {
    hdf5::Handle file = hdf5::openFileForReading(path.string());
    DatasetFile data;
    data.path = path;
    const hid_t root = file.get();
    if (H5Aexists(root, layout::kFormatAttribute) <= 0 ||
        hdf5::readStringAttribute(root, layout::kFormatAttribute) != layout::kFormatName) {
      throw std::runtime_error("not a winnow dataset (root attribute format != \"winnow-dataset\")");
    }
    const std::int64_t version = hdf5::readIntAttribute(root, layout::kFormatVersionAttribute);
    if (version != layout::kFormatVersion) {
      throw std::runtime_error("format_version " + std::to_string(version) + " is not supported (" +
                               std::to_string(layout::kFormatVersion) + " is)");
    }
    if (H5Aexists(root, layout::kFitAttribute) > 0) data.fit = hdf5::readStringAttribute(root, layout::kFitAttribute);
    if (H5Aexists(root, layout::kProjectInfoAttribute) > 0) {
      data.winnowInfo = nlohmann::json::parse(hdf5::readStringAttribute(root, layout::kProjectInfoAttribute), nullptr, false);
      if (data.winnowInfo.is_discarded()) data.winnowInfo = nlohmann::json::object();
    }
    const std::vector<hsize_t> shape = hdf5::shapeOf(root, layout::kImages);
    if (shape.size() != 4 || shape[1] != shape[2] || (shape[3] != 1 && shape[3] != 3)) {
      throw std::runtime_error("/images must be [N, S, S, 1 or 3]");
    }
    const auto rows = static_cast<std::int64_t>(shape[0]);
    data.imageSize = static_cast<std::int64_t>(shape[1]);
    data.channels = static_cast<std::int64_t>(shape[3]);
    std::vector<std::uint8_t> pixels = hdf5::readUint8(root, layout::kImages);
    data.images = torch::from_blob(pixels.data(), {rows, data.imageSize, data.imageSize, data.channels},
                                   torch::kUInt8)
                      .clone();
    const std::vector<std::int32_t> labels = hdf5::readInt32(root, layout::kLabels);
    const std::vector<std::uint8_t> splits = hdf5::readUint8(root, layout::kSplit);
    data.classNames = hdf5::readStrings(root, layout::kClassNames);
    data.sampleIds = hdf5::readInt64(root, layout::kSampleId);
    data.originalPaths = hdf5::readStrings(root, layout::kOriginalPath);
    data.sources = hdf5::readStrings(root, layout::kSource);
    if (hdf5::exists(root, layout::kContentHash)) {
      data.contentHashes = hdf5::readStrings(root, layout::kContentHash);
      if (static_cast<std::int64_t>(data.contentHashes.size()) != rows) data.contentHashes.clear();
    }
    if (static_cast<std::int64_t>(labels.size()) != rows || static_cast<std::int64_t>(splits.size()) != rows ||
        static_cast<std::int64_t>(data.sampleIds.size()) != rows ||
        static_cast<std::int64_t>(data.originalPaths.size()) != rows ||
        static_cast<std::int64_t>(data.sources.size()) != rows) {
      throw std::runtime_error("per-row datasets disagree on the number of rows (" + std::to_string(rows) +
                               " images)");
    }
    const auto classCount = static_cast<std::int32_t>(data.classNames.size());
    data.labels.reserve(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < -1 || labels[i] >= classCount) {
        throw std::runtime_error("row " + std::to_string(i) + ": label " + std::to_string(labels[i]) +
                                 " outside [-1, " + std::to_string(classCount) + ")");
      }
      if (splits[i] > 3) {
        throw std::runtime_error("row " + std::to_string(i) + ": split code " + std::to_string(splits[i]));
      }
      data.labels.push_back(labels[i]);
      data.splits.push_back(static_cast<SplitCode>(splits[i]));
    }
    return data;
  } catch (const std::exception& error) {
    throw std::runtime_error(prefix + error.what());
  }
}

}  // namespace winnow::training
