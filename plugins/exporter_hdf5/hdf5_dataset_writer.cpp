#include "hdf5_dataset_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <opencv2/core.hpp>
#include <system_error>

#include "image_fitter.hpp"
#include "winnow/sdk/dataset_layout.hpp"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_hdf5 {
namespace {

namespace layout = sdk::dataset_layout;

namespace fs = std::filesystem;

// A chunk of /images is kept under this many bytes (HDF5's hard limit is 4 GiB per chunk, and the
// writer holds one chunk in memory).
constexpr size_t kMaxChunkBytes = size_t{256} << 20;

// Split codes stored in /split; index = code.
const std::vector<std::string> kSplitNames(layout::kSplitNames.begin(), layout::kSplitNames.end());

std::string text(const char* value) { return value == nullptr ? std::string() : std::string(value); }

uint8_t splitCode(const std::string& split) {
  if (split.empty()) return 0;
  for (size_t code = 1; code < kSplitNames.size(); ++code) {
    if (split == kSplitNames[code]) return static_cast<uint8_t>(code);
  }
  return 255;
}

std::string utcNowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32] = {};
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// Flushes a closed file's data to disk before it is published by rename.
void fsyncFile(const std::string& path, const std::string& context) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw sdk::Failure(WINNOW_STATUS_ERROR, context + ": cannot sync " + path + ": " + reason);
  }
  ::close(fd);
}

// After the rename the output is in place; a folder that cannot be synced is not a failure.
void syncFolderBestEffort(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::string describeExportError(const std::exception& error) {
  if (const auto* opencv = dynamic_cast<const cv::Exception*>(&error)) return "OpenCV: " + opencv->err;
  return error.what();
}

Hdf5DatasetWriter::Hdf5DatasetWriter(const char* paramsJson, const winnow_host_api* /*host*/)
    : params_(parseHdf5ExportParams(paramsJson)) {
  imageBytes_ = static_cast<size_t>(params_.imageSize) * params_.imageSize * params_.channels;
}

std::string Hdf5DatasetWriter::context() const { return "hdf5 exporter: " + outputPath_; }

void Hdf5DatasetWriter::begin(const sdk::ExportBegin& info) {
  outputPath_ = info.outputPath;
  classNames_ = info.classNames;
  std::error_code error;
  if (fs::is_directory(outputPath_, error)) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                       context() + ": output path is a folder, expected a file path");
  }
  expectedCount_ = info.sampleCount;
  pipelineConfigJson_ = info.pipelineConfigJson;
  projectInfoJson_ = info.projectInfoJson;
  const fs::path parent = fs::path(outputPath_).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, error);
    if (error) {
      throw sdk::Failure(WINNOW_STATUS_ERROR, context() + ": cannot create folder " + parent.string() + ": " +
                                                  error.message());
    }
  }
  tempPath_ = outputPath_ + ".tmp-" + std::to_string(::getpid());
  silenceHdf5Errors();
  // SEMI: closing the file fails (instead of silently deferring) if any object is still open,
  // so a successful close means the data really reached the file before fsync and rename.
  Hdf5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
  checkHdf5(H5Pset_fclose_degree(access.get(), H5F_CLOSE_SEMI), "file close degree");
  file_ = Hdf5Handle(H5Fcreate(tempPath_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose,
                     "create " + tempPath_);
  createImagesDataset();
  const size_t reserve = static_cast<size_t>(std::min<uint64_t>(expectedCount_, 1u << 20));
  labels_.reserve(reserve);
  splits_.reserve(reserve);
  sampleIds_.reserve(reserve);
  augmented_.reserve(reserve);
  parentSampleIds_.reserve(reserve);
  originalSizes_.reserve(reserve * 2);
}

void Hdf5DatasetWriter::createImagesDataset() {
  const auto size = static_cast<hsize_t>(params_.imageSize);
  const auto channels = static_cast<hsize_t>(params_.channels);
  const uint64_t byMemory = std::max<uint64_t>(1, kMaxChunkBytes / imageBytes_);
  const uint64_t byCount = std::max<uint64_t>(1, expectedCount_);
  chunkImages_ = static_cast<int>(
      std::min<uint64_t>({static_cast<uint64_t>(params_.chunkImages), byMemory, byCount}));

  const hsize_t dims[4] = {static_cast<hsize_t>(expectedCount_), size, size, channels};
  const hsize_t maxDims[4] = {H5S_UNLIMITED, size, size, channels};
  const hsize_t chunk[4] = {static_cast<hsize_t>(chunkImages_), size, size, channels};
  Hdf5Handle space(H5Screate_simple(4, dims, maxDims), H5Sclose, "/images dataspace");
  Hdf5Handle creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "/images properties");
  checkHdf5(H5Pset_chunk(creation.get(), 4, chunk), "/images chunk shape");
  checkHdf5(H5Pset_fill_time(creation.get(), H5D_FILL_TIME_NEVER), "/images fill time");
  if (params_.compression > 0) {
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
      throw sdk::Failure(WINNOW_STATUS_UNSUPPORTED,
                         context() + ": this HDF5 library has no gzip filter");
    }
    checkHdf5(H5Pset_shuffle(creation.get()), "/images shuffle filter");
    checkHdf5(H5Pset_deflate(creation.get(), static_cast<unsigned>(params_.compression)),
              "/images gzip filter");
  }
  images_ = Hdf5Handle(H5Dcreate2(file_.get(), layout::kImages, H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                  creation.get(), H5P_DEFAULT),
                       H5Dclose, "create /images");
  writeStringAttribute(images_.get(), layout::kImagesLayoutAttribute, "NHWC");
  writeStringAttribute(images_.get(), layout::kImagesColorAttribute, params_.channels == 3 ? "RGB" : "GRAY");
  chunkBuffer_.assign(imageBytes_ * static_cast<size_t>(chunkImages_), 0);
}

void Hdf5DatasetWriter::write(const winnow_export_sample& sample) {
  // augmented / parent_sample_id were appended to the struct; an older host does not send them.
  const bool hasLineage = sample.struct_size >= offsetof(winnow_export_sample, parent_sample_id) + sizeof(int64_t);
  const std::string where = context() + ": sample " + std::to_string(sample.sample_id);
  if (sample.label_index < -1 || sample.label_index >= static_cast<int64_t>(classNames_.size())) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                       where + ": label_index " + std::to_string(sample.label_index) +
                           " is outside -1.." + std::to_string(classNames_.size()) + "-1");
  }
  const uint8_t split = splitCode(text(sample.split));
  if (split == 255) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                       where + ": unknown split \"" + text(sample.split) +
                           "\" (expected train, val, test or empty)");
  }
  validateImageView(sample.image, where);

  silenceHdf5Errors();
  cv::Mat slot(params_.imageSize, params_.imageSize, CV_8UC(params_.channels),
               chunkBuffer_.data() + imageBytes_ * static_cast<size_t>(bufferedImages_));
  fitImage(sample.image, params_.fit, slot);
  labels_.push_back(sample.label_index);
  splits_.push_back(split);
  originalSizes_.push_back(sample.image.height);
  originalSizes_.push_back(sample.image.width);
  sampleIds_.push_back(sample.sample_id);
  sources_.push_back(text(sample.source));
  originalPaths_.push_back(text(sample.original_path));
  contentHashes_.push_back(text(sample.content_hash));
  originalLabels_.push_back(text(sample.original_label));
  augmented_.push_back(hasLineage && sample.augmented != 0 ? 1 : 0);
  parentSampleIds_.push_back(hasLineage ? sample.parent_sample_id : -1);
  ++bufferedImages_;
  ++writtenCount_;
  if (bufferedImages_ == chunkImages_) flushChunk();
}

void Hdf5DatasetWriter::flushChunk() {
  if (bufferedImages_ == 0) return;
  const auto size = static_cast<hsize_t>(params_.imageSize);
  const auto channels = static_cast<hsize_t>(params_.channels);
  const hsize_t start[4] = {static_cast<hsize_t>(writtenCount_) - bufferedImages_, 0, 0, 0};
  const hsize_t count[4] = {static_cast<hsize_t>(bufferedImages_), size, size, channels};
  Hdf5Handle fileSpace(H5Dget_space(images_.get()), H5Sclose, "/images dataspace");
  checkHdf5(H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            "/images selection");
  Hdf5Handle memorySpace(H5Screate_simple(4, count, nullptr), H5Sclose, "/images memory space");
  checkHdf5(H5Dwrite(images_.get(), H5T_NATIVE_UINT8, memorySpace.get(), fileSpace.get(),
                     H5P_DEFAULT, chunkBuffer_.data()),
            "write /images rows " + std::to_string(start[0]) + ".." +
                std::to_string(start[0] + count[0] - 1));
  bufferedImages_ = 0;
}

void Hdf5DatasetWriter::writeMetadata() {
  const hid_t root = file_.get();
  writeInt32Dataset(root, layout::kLabels, labels_);
  {
    Hdf5Handle labels(H5Dopen2(root, layout::kLabels, H5P_DEFAULT), H5Dclose, "open /labels");
    writeInt32Attribute(labels.get(), layout::kUnlabelledAttribute, -1);
  }
  writeStringDataset(root, layout::kClassNames, classNames_);
  writeUint8Dataset(root, layout::kSplit, splits_);
  {
    Hdf5Handle split(H5Dopen2(root, layout::kSplit, H5P_DEFAULT), H5Dclose, "open /split");
    writeStringArrayAttribute(split.get(), layout::kSplitNamesAttribute, kSplitNames);
  }
  {
    Hdf5Handle splits(H5Gcreate2(root, layout::kSplits, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      H5Gclose, "create /splits");
    for (size_t code = 1; code < kSplitNames.size(); ++code) {
      std::vector<int64_t> rows;
      for (size_t row = 0; row < splits_.size(); ++row) {
        if (splits_[row] == code) rows.push_back(static_cast<int64_t>(row));
      }
      writeInt64Dataset(splits.get(), kSplitNames[code].c_str(), rows);
    }
  }
  writeInt32PairDataset(root, layout::kOriginalSize, originalSizes_);
  writeUint8Dataset(root, layout::kAugmented, augmented_);
  {
    Hdf5Handle provenance(H5Gcreate2(root, layout::kProvenance, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          H5Gclose, "create /provenance");
    writeInt64Dataset(root, layout::kSampleId, sampleIds_);
    writeInt64Dataset(root, layout::kParentSampleId, parentSampleIds_);
    writeStringDataset(root, layout::kSource, sources_);
    writeStringDataset(root, layout::kOriginalPath, originalPaths_);
    writeStringDataset(root, layout::kContentHash, contentHashes_);
    writeStringDataset(root, layout::kOriginalLabel, originalLabels_);
  }
  writeStringAttribute(root, layout::kFormatAttribute, layout::kFormatName);
  writeInt32Attribute(root, layout::kFormatVersionAttribute, layout::kFormatVersion);
  writeStringAttribute(root, layout::kCreatedAtAttribute, utcNowIso8601());
  writeStringAttribute(root, layout::kProjectInfoAttribute, projectInfoJson_);
  writeStringAttribute(root, layout::kPipelineConfigAttribute, pipelineConfigJson_);
  writeInt32Attribute(root, layout::kImageSizeAttribute, params_.imageSize);
  writeStringAttribute(root, layout::kFitAttribute, fitModeName(params_.fit));
  writeInt32Attribute(root, layout::kChannelsAttribute, params_.channels);
}

void Hdf5DatasetWriter::finish() {
  silenceHdf5Errors();
  flushChunk();
  writeMetadata();
  images_.close("close /images");
  file_.close("close " + tempPath_);
  fsyncFile(tempPath_, context());
  std::error_code error;
  fs::rename(tempPath_, outputPath_, error);
  if (error) {
    throw sdk::Failure(WINNOW_STATUS_ERROR,
                       context() + ": cannot rename " + tempPath_ + " onto it: " + error.message());
  }
  syncFolderBestEffort(fs::absolute(outputPath_, error).parent_path().string());
  chunkBuffer_ = {};
}

void Hdf5DatasetWriter::abort() noexcept {
  images_.reset();
  file_.reset();
  if (!tempPath_.empty()) {
    std::error_code ignored;
    fs::remove(tempPath_, ignored);
  }
}

}  // namespace winnow::exporter_hdf5
