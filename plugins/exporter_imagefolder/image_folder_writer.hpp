// ImageFolderWriter: writes <output>/<split>/<class>/<file> from the exporter call sequence
// begin -> writeSample x N -> finish | abort, plus <output>/winnow-export.json (class name ->
// folder mapping, counts, the pipeline config).
//
// Names: split folders are train, val, test and the unassigned split name; class folders are the
// sanitised class names (sanitizePathComponent), made unique (also case-insensitively) by appending
// _2, _3, ...; file names are the original base names, made unique within their folder by
// appending _<sample_id> before the extension.
// Atomicity: the tree is built in "<output>.tmp-<pid>/" and renamed onto the output in finish();
// abort() and every failure remove it. An existing non-empty output is refused in begin() and never
// touched; an existing empty folder is replaced. (Individual files are not fsynced: the guarantee
// is against failed or cancelled exports, not power loss.)
// Thread safety: one instance is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "image_folder_params.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_imagefolder {

class ImageFolderWriter {
 public:
  explicit ImageFolderWriter(ImageFolderParams params);
  // Removes the temp tree if finish() did not complete.
  ~ImageFolderWriter();

  ImageFolderWriter(const ImageFolderWriter&) = delete;
  ImageFolderWriter& operator=(const ImageFolderWriter&) = delete;

  // All three throw ExportFailure. A rejected sample (bad arguments) leaves the writer usable; an
  // I/O failure, a failed begin or a failed finish leaves it Failed with the temp tree removed.
  void begin(const winnow_export_begin_info& info);
  void writeSample(const winnow_export_sample& sample);
  void finish();
  void abort() noexcept;

 private:
  enum class State { Invalid = 0, Created, Writing, Finished, Aborted, Failed };

  void assignClassFolders();
  std::string uniqueFileName(const std::string& folder, const winnow_export_sample& sample,
                             bool asPng);
  void writeManifest();
  void discardTemp() noexcept;
  std::string context() const;

  ImageFolderParams params_;
  State state_ = State::Created;
  std::string outputPath_;
  std::string tempPath_;
  uint64_t expectedCount_ = 0;
  uint64_t writtenCount_ = 0;
  std::vector<std::string> classNames_;
  std::vector<std::string> classFolders_;  // index = label index
  std::string unlabelledFolder_;
  std::string unassignedFolder_;
  std::string pipelineConfigJson_;
  std::string projectInfoJson_;
  std::set<std::string> createdFolders_;                    // relative "<split>/<class>"
  std::map<std::string, std::set<std::string>> usedNames_;  // folder -> case-folded file names
  std::map<std::string, uint64_t> countsByFolder_;          // "<split>/<class>" -> files
};

}  // namespace winnow::exporter_imagefolder
