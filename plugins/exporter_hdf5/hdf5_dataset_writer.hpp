// Hdf5DatasetWriter: writes one winnow dataset file (layout: docs/hdf5-layout.md) from the
// exporter call sequence begin -> writeSample x N -> finish | abort.
//
// Atomicity: everything goes to "<output>.tmp-<pid>"; finish() closes, fsyncs and renames it onto
// the output path (replacing an existing file), abort() and every failure remove it, so the output
// path only ever holds a complete file (or whatever it held before).
// Memory: pixels are buffered one chunk at a time (chunk images x H x W x C bytes) and written as
// whole chunks; the per-sample metadata (labels, provenance strings) is kept until finish().
// Thread safety: one instance is used by one thread at a time; distinct instances are independent
// (Debian's HDF5 is built thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hdf5_export_params.hpp"
#include "hdf5_handle.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_hdf5 {

class Hdf5DatasetWriter {
 public:
  explicit Hdf5DatasetWriter(const Hdf5ExportParams& params);
  // Removes the temp file if finish() did not complete.
  ~Hdf5DatasetWriter();

  Hdf5DatasetWriter(const Hdf5DatasetWriter&) = delete;
  Hdf5DatasetWriter& operator=(const Hdf5DatasetWriter&) = delete;

  // All three throw ExportFailure. A rejected sample (bad arguments) leaves the writer usable; an
  // I/O failure, a failed begin or a failed finish leaves it Failed with the temp file removed.
  void begin(const winnow_export_begin_info& info);
  void writeSample(const winnow_export_sample& sample);
  void finish();
  void abort() noexcept;

  // Images per stored chunk actually used (chunk_images capped by the dataset and memory sizes).
  int effectiveChunkImages() const { return chunkImages_; }

 private:
  enum class State { Invalid = 0, Created, Writing, Finished, Aborted, Failed };

  void createImagesDataset();
  void flushChunk();
  void writeMetadata();
  void discardTemp() noexcept;
  std::string context() const;

  Hdf5ExportParams params_;
  State state_ = State::Created;
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
