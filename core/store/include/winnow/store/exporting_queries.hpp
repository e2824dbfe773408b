// What winnow/exporting/ reads of a project beyond samples: the face crops it exports in place of
// the pictures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// A sample's exported crop file.
struct ExportCropRow {
  std::int64_t sampleId = 0;
  std::string path;        // project-relative
  std::string paramsJson;  // the crop run's parameters (its recipe)
};

// The face_index 0 crop of every sample cropped from `detector`'s faces, in the table's order.
Result<std::vector<ExportCropRow>> readExportCrops(const ProjectStore& store, const std::string& detector);

}  // namespace winnow::store
