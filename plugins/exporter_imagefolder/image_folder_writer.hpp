// ImageFolderWriter: the "imagefolder" exporter capability. Writes <output>/<split>/<class>/<file>
// from the exporter call sequence begin -> write x N -> finish | abort, which the SDK's exporter
// trampolines enforce (winnow/sdk/exporter_capability.hpp), plus <output>/winnow-export.json (class
// name -> folder mapping, counts, the pipeline config).
//
// Names: split folders are train, val, test and the unassigned split name; class folders are the
// sanitised class names (sanitizePathComponent), made unique (also case-insensitively) by appending
// _2, _3, ...; file names are the original base names, made unique within their folder by
// appending _<sample_id> before the extension.
// Atomicity: the tree is built in "<output>.tmp-<pid>/" and renamed onto the output in finish();
// abort() removes it (the trampolines call abort after every failure that ends the export). An existing non-empty output is refused in begin() and never
// touched; an existing empty folder is replaced. (Individual files are not fsynced: the guarantee
// is against failed or cancelled exports, not power loss.)
// Thread safety: one instance is used by one thread at a time.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "image_folder_params.hpp"
#include "winnow/sdk/exporter_capability.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_imagefolder {

// OpenCV's exceptions as their short text ("OpenCV: <err>"; cv::Exception::what() spans several
// lines), any other exception as its message.
std::string describeExportError(const std::exception& error);

class ImageFolderWriter final : public sdk::Exporter {
 public:
  static constexpr const char* kName = "imagefolder exporter";
  static constexpr sdk::GuardStyle kGuardStyle{kName, &describeExportError};

  // Parses the params JSON itself (parseImageFolderParams words its refusals "params.<key>").
  ImageFolderWriter(const char* paramsJson, const winnow_host_api* host);

  ImageFolderWriter(const ImageFolderWriter&) = delete;
  ImageFolderWriter& operator=(const ImageFolderWriter&) = delete;

  // Throw sdk::Failure. write refuses a bad sample (label index, split, image view) with
  // INVALID_ARGUMENT before it changes anything; every other failure ends the export.
  void begin(const sdk::ExportBegin& info) override;
  void write(const winnow_export_sample& sample) override;
  void finish() override;
  void abort() noexcept override;

 private:
  void assignClassFolders();
  std::string uniqueFileName(const std::string& folder, const winnow_export_sample& sample,
                             bool asPng);
  void writeManifest();
  std::string context() const;

  ImageFolderParams params_;
  std::string outputPath_;
  std::string tempPath_;
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
