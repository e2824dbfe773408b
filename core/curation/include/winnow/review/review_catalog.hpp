// What a reviewer sees of a project, read in a handful of queries: every sample with its class,
// source, split, status, the file to show (its face crop when one exists, else the image), its
// flags and every stored measure, plus two derived measures (duplicate cluster size, best face
// score). Built for tens of thousands of samples: measures are one dense float matrix, not a map
// per sample. A snapshot: callers that change the store update their copy (or reload).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "winnow/plugin/detector.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::review {

// Names of the measures the catalog derives itself (not rows of sample_measures).
inline constexpr const char* kDuplicateClusterSizeMeasure = "duplicate_cluster_size";
inline constexpr const char* kFaceScoreMeasure = "face_score";

struct CatalogItem {
  std::int64_t sampleId = 0;
  std::string contentHash;
  std::optional<std::string> label;  // nullopt = unlabelled
  std::string source;
  std::string split;   // "" = unassigned
  std::string status;  // store::kStatusActive, kStatusRejected, kStatusDuplicate
  std::filesystem::path imagePath;  // absolute: the original file, or the derived frame
  std::filesystem::path cropPath;   // absolute path of the largest face crop, empty when none
  int width = 0;   // oriented size of the image
  int height = 0;
  std::int64_t duplicateClusterId = 0;  // 0 = in no near-duplicate cluster
  std::vector<int> flags;  // indices into ReviewCatalog::flagNames, ascending
};

struct ReviewCatalog {
  std::vector<CatalogItem> items;         // ascending sample id
  std::vector<std::string> labels;        // distinct labels of all samples, sorted
  std::vector<std::string> sources;       // sorted
  std::vector<std::string> flagNames;     // sorted
  std::vector<std::string> measureNames;  // sorted; includes the derived ones
  // items.size() x measureNames.size(), row-major; NaN where a sample lacks the measure.
  std::vector<float> measureValues;

  float measure(std::size_t itemIndex, std::size_t measureIndex) const {
    return measureValues[itemIndex * measureNames.size() + measureIndex];
  }
  std::optional<std::size_t> measureIndex(const std::string& name) const;
  std::optional<std::size_t> flagIndex(const std::string& name) const;
  // Index of the item with this sample id (binary search); nullopt when absent.
  std::optional<std::size_t> itemIndex(std::int64_t sampleId) const;
};

Result<ReviewCatalog> loadReviewCatalog(store::ProjectStore& store);

// A stored face of one sample, in the oriented full-resolution pixel frame.
struct SampleFace {
  std::int64_t faceId = 0;
  std::string detector;
  plugin::FaceBox box;  // box, score, landmarks (x0, y0, x1, y1, ...)
};

// Every stored face of the sample (all detectors), largest first.
Result<std::vector<SampleFace>> listSampleFaces(store::ProjectStore& store, std::int64_t sampleId);

}  // namespace winnow::review
