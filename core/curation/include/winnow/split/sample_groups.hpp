// Groups of samples that must never be separated by a split, over every sample of a project:
// members of one near-duplicate cluster (keepers and non-keepers), an augmented child and its
// parent (transitively), samples of one person (samples.identity), frames of one video (same
// original_path, format "video-frame"), and photo bursts (capture times at most burstSeconds
// apart within one source, chained). Links through inactive samples still join groups, so e.g.
// two active members of a cluster whose keeper was rejected stay together.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::split {

struct GroupingOptions {
  double burstSeconds = 5.0;  // 0 disables bursts
};

struct SampleGroups {
  // Every sample id -> its group id (the smallest sample id in the group).
  std::map<std::int64_t, std::int64_t> groupOf;
  // Links that joined two different groups, by kind: "duplicate_cluster", "lineage",
  // "identity", "video", "burst".
  std::map<std::string, std::int64_t> joinsByKind;
};

// Reads the store (inside the caller's transaction, if any). Never throws.
Result<SampleGroups> computeSampleGroups(store::ProjectStore& store, const GroupingOptions& options);

// Seconds since 1970-01-01 of "YYYY-MM-DDTHH:MM:SS" (also with a space, fractions or a zone
// suffix, which are ignored); nullopt when malformed.
std::optional<std::int64_t> parseCaptureTime(const std::string& text);

}  // namespace winnow::split
