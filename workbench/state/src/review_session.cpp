#include "winnow/workbench/review_session.hpp"

#include <algorithm>

namespace winnow::workbench {

namespace {

std::string samplesText(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " sample" : " samples");
}

}  // namespace

ReviewSession::ReviewSession(store::ProjectStore& store, ReviewState& state, std::string actor)
    : store_(store), state_(state), actor_(std::move(actor)) {}

Status ReviewSession::apply(const std::vector<std::int64_t>& sampleIds, const std::string& field,
                            const std::optional<std::string>& value, const std::string& reason, bool advance,
                            const std::string& actor) {
  if (sampleIds.empty()) {
    lastMessage_ = "nothing to change: no sample under the cursor";
    return okStatus();
  }
  auto applied = review::applyDecisionBatch(store_, sampleIds, field, value, actor, reason);
  if (!applied) {
    lastMessage_ = applied.error().message;
    return applied.error();
  }
  for (const auto& decision : *applied) state_.setItemField(decision.sampleId, field, decision.newValue);
  const std::optional<std::int64_t> before = state_.cursorSampleId();
  state_.refresh();
  // Reviewing one item at a time: go on to the next one. When the item left the view (a filter
  // no longer matches), the next one is already under the cursor.
  if (advance && sampleIds.size() == 1 && state_.cursorSampleId() == before) state_.move(Motion::NextItem, false);
  lastMessage_ = reason + ": " + samplesText(applied->size()) + " changed";
  if (!applied->empty()) {
    undoStack_.push_back({actor, field, value, reason, std::move(applied.value())});
    redoStack_.clear();
  }
  return okStatus();
}

Status ReviewSession::assignLabel(const std::vector<std::int64_t>& sampleIds,
                                  const std::optional<std::string>& label, const std::string& reason) {
  return apply(sampleIds, "label", label, reason, false, actor_);
}

Status ReviewSession::assignLabelAs(const std::vector<std::int64_t>& sampleIds, const std::optional<std::string>& label,
                                    const std::string& reason, const std::string& actor) {
  return apply(sampleIds, "label", label, reason, false, actor);
}

void ReviewSession::recordApplied(std::vector<review::AppliedDecision> decisions, const std::string& description,
                                  const std::string& actor) {
  for (const auto& decision : decisions) state_.setItemField(decision.sampleId, decision.field, decision.newValue);
  state_.refresh();
  lastMessage_ = description + ": " + samplesText(decisions.size()) + " changed";
  if (decisions.empty()) return;
  const std::string field = decisions.front().field;
  const std::optional<std::string> value = decisions.front().newValue;
  undoStack_.push_back({actor, field, value, description, std::move(decisions)});
  redoStack_.clear();
}

Status ReviewSession::assignClass(int classIndex) {
  const auto& labels = state_.catalog().labels;
  if (classIndex < 0 || static_cast<std::size_t>(classIndex) >= labels.size()) {
    lastMessage_ = "no class " + std::to_string(classIndex + 1) + " (the project has " +
                   std::to_string(labels.size()) + ")";
    return makeError(ErrorCode::InvalidArgument, lastMessage_);
  }
  const std::string& label = labels[static_cast<std::size_t>(classIndex)];
  return apply(state_.targetSampleIds(), "label", label, "label " + label, true, actor_);
}

Status ReviewSession::toggleReject() {
  const std::vector<std::int64_t> targets = state_.targetSampleIds();
  const auto& catalog = state_.catalog();
  const bool allRejected = !targets.empty() && std::all_of(targets.begin(), targets.end(), [&](std::int64_t id) {
    return catalog.items[*catalog.itemIndex(id)].status == store::kStatusRejected;
  });
  return allRejected ? apply(targets, "status", std::string(store::kStatusActive), "restore", true, actor_)
                     : apply(targets, "status", std::string(store::kStatusRejected), "reject", true, actor_);
}

Status ReviewSession::rejectSamples(const std::vector<std::int64_t>& sampleIds, const std::string& reason) {
  return apply(sampleIds, "status", std::string(store::kStatusRejected), reason, false, actor_);
}

Status ReviewSession::undo() {
  if (undoStack_.empty()) {
    lastMessage_ = "nothing to undo";
    return okStatus();
  }
  Action action = std::move(undoStack_.back());
  std::vector<std::int64_t> ids;
  for (const auto& decision : action.decisions) ids.push_back(decision.decisionId);
  if (Status undone = review::undoDecisions(store_, ids, action.actor); !undone) {
    // The action stays undoable only if the store is back in step; it is not, so drop it.
    undoStack_.pop_back();
    lastMessage_ = "cannot undo " + action.description + ": " + undone.error().message;
    return undone.error();
  }
  undoStack_.pop_back();
  for (const auto& decision : action.decisions) state_.setItemField(decision.sampleId, decision.field, decision.oldValue);
  state_.refresh();
  lastMessage_ = "undid " + action.description + " (" + samplesText(action.decisions.size()) + ")";
  redoStack_.push_back(std::move(action));
  return okStatus();
}

Status ReviewSession::redo() {
  if (redoStack_.empty()) {
    lastMessage_ = "nothing to redo";
    return okStatus();
  }
  Action action = std::move(redoStack_.back());
  redoStack_.pop_back();
  // Decisions grouped by the value they set (one group for a plain action; one per class for an
  // accepted batch of suggestions), each group one transaction.
  std::vector<std::pair<std::optional<std::string>, std::vector<std::int64_t>>> groups;
  for (const auto& decision : action.decisions) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == decision.newValue; });
    if (group == groups.end()) {
      groups.push_back({decision.newValue, {}});
      group = groups.end() - 1;
    }
    group->second.push_back(decision.sampleId);
  }
  std::vector<review::AppliedDecision> redone;
  for (const auto& [value, ids] : groups) {
    auto applied = review::applyDecisionBatch(store_, ids, action.field, value, action.actor, "redo " + action.description);
    if (!applied) {
      lastMessage_ = "cannot redo " + action.description + ": " + applied.error().message;
      for (const auto& decision : redone) state_.setItemField(decision.sampleId, decision.field, decision.newValue);
      state_.refresh();
      action.decisions = std::move(redone);
      if (!action.decisions.empty()) undoStack_.push_back(std::move(action));
      return applied.error();
    }
    redone.insert(redone.end(), applied->begin(), applied->end());
  }
  for (const auto& decision : redone) state_.setItemField(decision.sampleId, decision.field, decision.newValue);
  state_.refresh();
  lastMessage_ = "redid " + action.description + " (" + samplesText(redone.size()) + ")";
  action.decisions = std::move(redone);
  if (!action.decisions.empty()) undoStack_.push_back(std::move(action));
  return okStatus();
}

Status ReviewSession::execute(const ReviewCommand& command) {
  switch (command.kind) {
    case ReviewCommandKind::Move:
      state_.move(command.motion, command.extendSelection);
      return okStatus();
    case ReviewCommandKind::AssignClass: return assignClass(command.classIndex);
    case ReviewCommandKind::ToggleReject: return toggleReject();
    case ReviewCommandKind::ToggleImage:
      imageOpen_ = !imageOpen_ && state_.cursorSampleId().has_value();
      return okStatus();
    case ReviewCommandKind::ToggleSelect:
      state_.toggleSelectAtCursor();
      return okStatus();
    case ReviewCommandKind::SelectAll:
      state_.selectAll();
      return okStatus();
    case ReviewCommandKind::Back:
      if (imageOpen_) {
        imageOpen_ = false;
      } else {
        state_.clearSelection();
      }
      return okStatus();
    case ReviewCommandKind::Undo: return undo();
    case ReviewCommandKind::Redo: return redo();
    case ReviewCommandKind::Invalid: break;
  }
  return makeError(ErrorCode::InvalidArgument, "invalid review command");
}

}  // namespace winnow::workbench
