// The winnow HDF5 dataset file (docs/hdf5-layout.md), its names declared once: the hdf5 exporter
// (plugins/exporter_hdf5) writes them and the training reader (ml/torch_training, dataset_file.cpp)
// reads them. A third-party exporter writing this layout, or a model plugin reading it, uses the
// same names. Header-only and C++17; no HDF5 types.
#pragma once

#include <array>
#include <cstdint>

namespace winnow::sdk::dataset_layout {

// Root attributes.
inline constexpr const char* kFormatAttribute = "format";
inline constexpr const char* kFormatName = "winnow-dataset";  // the value of kFormatAttribute
inline constexpr const char* kFormatVersionAttribute = "format_version";
inline constexpr std::int32_t kFormatVersion = 1;
inline constexpr const char* kCreatedAtAttribute = "created_at";            // ISO 8601, UTC
inline constexpr const char* kProjectInfoAttribute = "winnow";              // JSON: project, face-crop recipe
inline constexpr const char* kPipelineConfigAttribute = "pipeline_config";  // JSON: what produced the file
inline constexpr const char* kImageSizeAttribute = "image_size";
inline constexpr const char* kFitAttribute = "fit";
inline constexpr const char* kChannelsAttribute = "channels";

// Root datasets, one row per sample.
inline constexpr const char* kImages = "images";  // uint8 [N, S, S, C], NHWC
inline constexpr const char* kImagesLayoutAttribute = "layout";
inline constexpr const char* kImagesColorAttribute = "color";  // "RGB" or "GRAY"
inline constexpr const char* kLabels = "labels";              // int32, -1 = unlabelled
inline constexpr const char* kUnlabelledAttribute = "unlabelled";
inline constexpr const char* kClassNames = "class_names";  // strings, indexed by label
inline constexpr const char* kSplit = "split";              // uint8 code into kSplitNames
inline constexpr const char* kSplitNamesAttribute = "split_names";
inline constexpr const char* kSplits = "splits";  // group: one int64 row list per split name but unassigned
inline constexpr const char* kOriginalSize = "original_size";  // int32 [N, 2]: width, height
inline constexpr const char* kAugmented = "augmented";          // uint8: 1 = made by an augmenter

// /provenance group, one row per sample.
inline constexpr const char* kProvenance = "provenance";
inline constexpr const char* kSampleId = "provenance/sample_id";
inline constexpr const char* kParentSampleId = "provenance/parent_sample_id";
inline constexpr const char* kSource = "provenance/source";
inline constexpr const char* kOriginalPath = "provenance/original_path";
inline constexpr const char* kContentHash = "provenance/content_hash";
inline constexpr const char* kOriginalLabel = "provenance/original_label";

// The split codes of kSplit: index = code.
inline constexpr std::array<const char*, 4> kSplitNames = {"unassigned", "train", "val", "test"};

}  // namespace winnow::sdk::dataset_layout
