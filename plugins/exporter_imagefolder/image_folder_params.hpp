// ImageFolderParams: the "imagefolder" capability's parameters (schema in manifest.json).
#pragma once

#include <string>

namespace winnow::exporter_imagefolder {

enum class FileMode {
  Invalid = 0,
  Copy,  // the original file's bytes (PNG of the pixels when a sample has no original bytes)
  Png,   // the decoded, EXIF-oriented pixels re-encoded as PNG
};

const char* fileModeName(FileMode mode);

struct ImageFolderParams {
  FileMode mode = FileMode::Copy;
  std::string unlabelledName = "unlabelled";    // class folder for label_index -1
  std::string unassignedSplitName = "all";      // split folder for split ""
};

// Parses the params JSON object handed to create(). Missing keys keep their defaults; unknown
// keys, wrong types, empty names and an unassigned split name that sanitises to train, val, test
// or winnow-export.json throw sdk::Failure (WINNOW_STATUS_INVALID_ARGUMENT) naming the key.
ImageFolderParams parseImageFolderParams(const char* paramsJson);

}  // namespace winnow::exporter_imagefolder
