// The `suggestions` table (schema 5): the latest label suggestion per unlabelled sample. The
// store owns this SQL; winnow/review/suggestions.hpp computes, orders and accepts suggestions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// One row of `suggestions`.
struct SuggestionRecord {
  std::int64_t sampleId = 0;
  std::string label;          // proposed class
  double confidence = 0.0;    // calibrated probability of `label`, 0..1
  double margin = 0.0;        // confidence minus the runner-up's probability, 0..1
  std::string runnerUp;       // second most likely class ("" with fewer than 2 classes)
  double distance = 0.0;      // Euclidean distance of the descriptor to the proposed class's mean
  int reviewRank = 0;         // 1 = review first (most uncertain)
  std::string extractor;      // embeddings the classifier read
  std::string method;         // classifier, e.g. "nearest_class_mean"
  std::optional<std::int64_t> runId;
  std::string createdAt;      // ISO 8601 UTC
};

// Deletes every stored suggestion and inserts `rows`, in one transaction (begun here: do not
// call inside another transaction).
Status replaceSuggestions(ProjectStore& store, const std::vector<SuggestionRecord>& rows);

// Current suggestions: rows whose sample is unlabelled (label NULL or '') and not rejected,
// ordered by review rank (then sample id).
Result<std::vector<SuggestionRecord>> currentSuggestions(ProjectStore& store);

// Deletes the rows of these samples. Runs inside the caller's transaction when one is open.
Status deleteSuggestions(ProjectStore& store, const std::vector<std::int64_t>& sampleIds);

}  // namespace winnow::store
