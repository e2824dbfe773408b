// Hdf5DatasetWriter: the "hdf5" exporter capability. Writes one winnow dataset file (layout:
// docs/hdf5-layout.md) from the exporter call sequence begin -> write x N -> finish | abort, which
// the SDK's exporter trampolines enforce (winnow/sdk/exporter_capability.hpp).
//
// Atomicity: everything goes to "<output>.tmp-<pid>"; finish() closes, fsyncs and renames it onto
// the output path (replacing an existing file), abort() removes it (the trampolines call abort
// after every failure that ends the export), so the output path only ever holds a complete file
// (or whatever it held before).
// Memory: pixels are buffered one chunk at a time (chunk images x H x W x C bytes) and written as
// whole chunks; the per-sample metadata (labels, provenance strings) is kept until finish().
// Thread safety: one instance is used by one thread at a time; distinct instances are independent
// (Debian's HDF5 is built thread-safe).
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "hdf5_export_params.hpp"
#include "hdf5_handle.hpp"
#include "winnow/sdk/exporter_capability.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_hdf5 {

// OpenCV's exceptions as their short text ("OpenCV: <err>"; cv::Exception::what() spans several
// lines), any other exception as its message.
std::string describeExportError(const std::exception& error);

class Hdf5DatasetWriter final : public sdk::Exporter {
 public:
  static constexpr const char* kName = "hdf5 exporter";
  static constexpr sdk::GuardStyle kGuardStyle{kName, &describeExportError};

  // Parses the params JSON itself (parseHdf5ExportParams words its refusals "params.<key>").
  Hdf5DatasetWriter(const char* paramsJson, const winnow_host_api* host);

  Hdf5DatasetWriter(const Hdf5DatasetWriter&) = delete;
  Hdf5DatasetWriter& operator=(const Hdf5DatasetWriter&) = delete;

  // Throw sdk::Failure. write refuses a bad sample (label index, split, image view) with
  // INVALID_ARGUMENT before it changes anything; every other failure ends the export.
  void begin(const sdk::ExportBegin& info) override;
  void write(const winnow_export_sample& sample) override;
  void finish() override;
  void abort() noexcept override;

  // Images per stored chunk actually used (chunk_images capped by the dataset and memory sizes).
  int effectiveChunkImages() const { return chunkImages_; }

 private:
  void createImagesDataset();
  void flushChunk();
  void writeMetadata();
  std::string context() const;

  Hdf5ExportParams params_;
  std::string outputPath_;
  std::string tempPath_;
  uint64_t expectedCount_ = 0;
  uint64_t writtenCount_ = 0;
  std::vector<std::string> classNames_;
  std::string pipelineConfigJson_;
  std::string projectInfoJson_;

  Hdf5Handle file_;
  Hdf5Handle images_;
  int chunkImages_ = 0;
  size_t imageBytes_ = 0;
  std::vector<uint8_t> chunkBuffer_;
  int bufferedImages_ = 0;

  std::vector<int32_t> labels_;
  std::vector<uint8_t> splits_;
  std::vector<int32_t> originalSizes_;  // (height, width) pairs
  std::vector<int64_t> sampleIds_;
  std::vector<uint8_t> augmented_;        // 1 = synthetic child made by balance
  std::vector<int64_t> parentSampleIds_;  // -1 when none
  std::vector<std::string> sources_;
  std::vector<std::string> originalPaths_;
  std::vector<std::string> contentHashes_;
  std::vector<std::string> originalLabels_;
};

}  // namespace winnow::exporter_hdf5
