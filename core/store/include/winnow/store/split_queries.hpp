// What the split step reads beyond ProjectStore: the sample facts that group samples, the stored
// duplicate clusters, face crops and flags. The store owns this SQL; winnow/split/ groups and places.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The columns of a sample that decide which samples must share a split.
struct SampleGroupingFacts {
  std::int64_t id = 0;
  std::int64_t sourceId = 0;
  std::string originalPath;
  std::string format;
  std::optional<std::string> captureTime;
  std::optional<std::string> identity;
};
// Every sample (any status), by id.
Result<std::vector<SampleGroupingFacts>> sampleGroupingFacts(ProjectStore& store);

// (cluster id, sample id) of every stored duplicate cluster member, by cluster then sample.
Result<std::vector<std::pair<std::int64_t, std::int64_t>>> duplicateClusterMemberships(ProjectStore& store);

// Samples that have a face crop with face_index 0 of `detector`.
Result<std::set<std::int64_t>> samplesWithFirstFaceCrop(ProjectStore& store, const std::string& detector);

// Samples carrying the flag `flag` (sample_flags).
Result<std::set<std::int64_t>> samplesWithFlag(ProjectStore& store, const std::string& flag);

}  // namespace winnow::store
