// Decisions made on several samples at once (a reviewer's multi-selection) and their exact undo.
//
// ProjectStore::applyDecision writes one decision; ProjectStore::undoLast reverts the newest N of
// the whole project, whoever made them. A reviewer's undo must revert *their* action even when a
// CLI command or a pipeline wrote decisions in between, and must never overwrite a later change:
// undoDecisions() reverts exactly the listed decisions and refuses when a sample has moved on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::review {

struct AppliedDecision {
  std::int64_t decisionId = 0;
  std::int64_t sampleId = 0;
  std::string field;  // "label", "split", "status"
  std::optional<std::string> oldValue;
  std::optional<std::string> newValue;
};

// Sets `field` of every sample to newValue in one transaction (all or nothing) through
// ProjectStore::applyDecision. Samples already at newValue get no decision and are not returned.
Result<std::vector<AppliedDecision>> applyDecisionBatch(store::ProjectStore& store,
                                                        const std::vector<std::int64_t>& sampleIds,
                                                        const std::string& field,
                                                        const std::optional<std::string>& newValue,
                                                        const std::string& actor,
                                                        const std::string& reason);

// Reverts exactly these decisions (newest first) in one transaction, recording each undo as a
// decision with undo_of set, as ProjectStore::undoLast does. Fails without changing anything
// (ErrorCode::InvalidArgument, message naming the sample) when a decision is unknown, already
// undone, or its sample's field no longer holds the decision's new value (a later change exists).
Status undoDecisions(store::ProjectStore& store, const std::vector<std::int64_t>& decisionIds,
                     const std::string& actor);

}  // namespace winnow::review
