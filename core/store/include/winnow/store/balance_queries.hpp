// What the balance step reads and writes beyond ProjectStore: perceptual hashes, repeat counts
// (a measure) and the lineage of augmented children. The store owns this SQL; winnow/balance/
// plans and augments.
//
// Functions that write run inside the caller's transaction (they open none).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// sample id -> pHash, every row of sample_hashes.
Result<std::map<std::int64_t, std::uint64_t>> perceptualHashesBySample(ProjectStore& store);

// For each of sampleIds: the measure `measureName` set to its count in `repeats`, or deleted when
// it has none (two prepared statements, reused).
Status setRepeatCounts(ProjectStore& store, const std::string& measureName, const std::vector<std::int64_t>& sampleIds,
                       const std::map<std::int64_t, std::int64_t>& repeats);

// childSampleId when a lineage row makes it a child of parentSampleId.
Result<std::optional<std::int64_t>> lineageChildOf(ProjectStore& store, std::int64_t childSampleId,
                                                   std::int64_t parentSampleId);

// Sets the identity of toSampleId to that of fromSampleId.
Status copySampleIdentity(ProjectStore& store, std::int64_t fromSampleId, std::int64_t toSampleId);

// One row of `lineage`: how an augmented sample was made from its parent.
struct LineageRecord {
  std::int64_t childSampleId = 0;
  std::int64_t parentSampleId = 0;
  std::string augmentation;  // augmenter id
  std::string paramsJson;    // the augmenter's params
  std::int64_t seed = 0;
  std::optional<std::int64_t> runId;
  std::string createdAt;     // ISO 8601 UTC
};
Status insertLineage(ProjectStore& store, const LineageRecord& lineage);

}  // namespace winnow::store
