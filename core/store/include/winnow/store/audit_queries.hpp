// What winnow/audit/ reads of a project beyond samples and measures: descriptors for the mislabel
// finder, face box sizes for the shortcut audit, and duplicate counts by source for the class
// report; and the measure the mislabel finder replaces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The largest stored face box of a sample and the sample's oriented size, in pixels.
struct LargestFaceRow {
  std::int64_t sampleId = 0;
  double faceArea = 0.0;  // width * height of the largest box
  double sampleWidth = 0.0;
  double sampleHeight = 0.0;
};

// Exact-duplicate files recorded from one source against samples of another (or the same) one.
struct DuplicateSourcePairRow {
  std::string duplicateSource;  // source of the duplicate file
  std::string originalSource;   // source of the sample it repeats
  std::int64_t count = 0;
};

// One near-duplicate cluster: its method and how many sources its samples (keeper included) come from.
struct ClusterSourcesRow {
  std::string method;
  std::int64_t sources = 0;
};

// The largest face of every sample with a stored face of `detector` ("" = any detector).
Result<std::vector<LargestFaceRow>> readLargestFaces(const ProjectStore& store, const std::string& detector);

// Exact duplicates counted by (duplicate's source, original's source), ordered by both names.
Result<std::vector<DuplicateSourcePairRow>> countDuplicatesBySourcePair(const ProjectStore& store);

// Every near-duplicate cluster with the number of sources it spans.
Result<std::vector<ClusterSourcesRow>> readClusterSources(const ProjectStore& store);

// Deletes every sample's value of the measure `name`; inside the caller's transaction when one is open.
Status deleteMeasure(ProjectStore& store, const std::string& name);

}  // namespace winnow::store
