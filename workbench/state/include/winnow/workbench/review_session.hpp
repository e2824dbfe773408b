// The reviewer's actions on the store: every assignment, reject and restore is written at once
// as decisions (one transaction per action, through core's applyDecisionBatch), so killing the
// app loses nothing confirmed. Undo reverts exactly the decisions of the action being undone
// (core's undoDecisions) and refuses, with a message, when a sample changed since; redo writes
// the action's values again as new decisions. Everything here is also possible with the CLI
// (`winnow label`, `reject`, `restore`, `undo`).
//
// Not thread-safe: UI thread only. The store must outlive the session.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "winnow/review/decision_batch.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"
#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/review_state.hpp"

namespace winnow::workbench {

inline constexpr const char* kWorkbenchActor = "workbench";

class ReviewSession {
 public:
  ReviewSession(store::ProjectStore& store, ReviewState& state, std::string actor = kWorkbenchActor);

  // Moves, selection, image view and edits; edits return the store's error when it refuses.
  Status execute(const ReviewCommand& command);

  // Assigns the class at classIndex of catalog().labels to the targets.
  Status assignClass(int classIndex);
  Status assignLabel(const std::vector<std::int64_t>& sampleIds, const std::optional<std::string>& label,
                     const std::string& reason);
  // Rejects the targets, or restores them (status "active") when all of them are rejected.
  Status toggleReject();
  // Rejects the given samples (undoable like any action); the cursor stays.
  Status rejectSamples(const std::vector<std::int64_t>& sampleIds, const std::string& reason);
  // Label assignment written with another actor (the Suggestions view writes "user:workbench");
  // undoable like any action, and its undo and redo carry the same actor.
  Status assignLabelAs(const std::vector<std::int64_t>& sampleIds, const std::optional<std::string>& label,
                       const std::string& reason, const std::string& actor);
  // Puts decisions that core wrote in one transaction (e.g. review::acceptSuggestions) on the undo
  // stack as one action and brings the review state in step. The decisions may set different
  // values (each sample its own suggested class); redo writes them again one value at a time.
  void recordApplied(std::vector<review::AppliedDecision> decisions, const std::string& description,
                     const std::string& actor);
  Status undo();
  Status redo();
  bool canUndo() const { return !undoStack_.empty(); }
  bool canRedo() const { return !redoStack_.empty(); }

  bool imageOpen() const { return imageOpen_; }
  void setImageOpen(bool open) { imageOpen_ = open; }
  // One line about the last action (for the status bar), e.g. "rejected 3 samples".
  const std::string& lastMessage() const { return lastMessage_; }

 private:
  struct Action {
    std::string actor;
    std::string field;
    std::optional<std::string> newValue;
    std::string description;
    std::vector<review::AppliedDecision> decisions;
  };
  Status apply(const std::vector<std::int64_t>& sampleIds, const std::string& field,
               const std::optional<std::string>& value, const std::string& reason, bool advance,
               const std::string& actor);

  store::ProjectStore& store_;
  ReviewState& state_;
  std::string actor_;
  std::vector<Action> undoStack_;
  std::vector<Action> redoStack_;
  bool imageOpen_ = false;
  std::string lastMessage_;
};

}  // namespace winnow::workbench
