#include "winnow/review/decision_batch.hpp"

namespace winnow::review {

Result<std::vector<AppliedDecision>> applyDecisionBatch(store::ProjectStore& store,
                                                        const std::vector<std::int64_t>& sampleIds,
                                                        const std::string& field,
                                                        const std::optional<std::string>& newValue,
                                                        const std::string& actor,
                                                        const std::string& reason) {
  auto written = store.applyDecisions(sampleIds, field, newValue, actor, reason);
  if (!written) return written.error();
  std::vector<AppliedDecision> applied;
  for (const auto& decision : *written) {
    applied.push_back({decision.id, decision.sampleId, decision.field, decision.oldValue, decision.newValue});
  }
  return applied;
}

Status undoDecisions(store::ProjectStore& store, const std::vector<std::int64_t>& decisionIds,
                     const std::string& actor) {
  auto undone = store.undoDecisions(decisionIds, actor);
  if (!undone) return undone.error();
  return okStatus();
}

}  // namespace winnow::review
