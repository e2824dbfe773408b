// Hdf5ExportParams: the "hdf5" capability's parameters (schema in manifest.json).
#pragma once

#include <string>

namespace winnow::exporter_hdf5 {

// How a picture of any aspect ratio becomes imageSize x imageSize.
enum class FitMode {
  Invalid = 0,
  CenterCrop,  // scale the shorter side to imageSize, crop the centre
  Letterbox,   // scale the longer side to imageSize, pad the rest with black (0), centred
  Stretch,     // scale each axis independently (aspect ratio not kept)
};

const char* fitModeName(FitMode fit);

struct Hdf5ExportParams {
  int imageSize = 128;    // pixels, 8..1024
  FitMode fit = FitMode::Letterbox;
  int channels = 3;       // 1 (grey) or 3 (RGB)
  int compression = 4;    // gzip level 0..9; 0 = no filters at all
  int chunkImages = 64;   // images per chunk of /images, 1..4096 (before the size cap)
};

// Parses the params JSON object handed to create(). Missing keys keep their defaults (the host
// normally fills them in); unknown keys, wrong types and out-of-range values throw
// sdk::Failure (WINNOW_STATUS_INVALID_ARGUMENT) naming the key.
Hdf5ExportParams parseHdf5ExportParams(const char* paramsJson);

}  // namespace winnow::exporter_hdf5
