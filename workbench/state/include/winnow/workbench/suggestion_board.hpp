// The Suggestions view without a window: core's stored label suggestions in review order (most
// uncertain first, as review::loadSuggestions returns them), a cursor, the decisions made since
// the last retraining (so the app knows when to retrain), and class-name completion for
// corrections by typing (class keys stop at 9; projects have more classes).
//
// The board never writes the store: the app accepts through review::acceptSuggestions and
// corrects through ReviewSession, then tells the board which samples are done (remove()).
// Not thread-safe: UI thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "winnow/review/suggestions.hpp"
#include "winnow/workbench/key_mapping.hpp"

namespace winnow::workbench {

// Actor of the decisions made in the Suggestions view and by accepting a nearest named identity
// (a person deciding in the workbench; the CLI's decisions are "user:cli").
inline constexpr const char* kSuggestionActor = "user:workbench";

class SuggestionBoard {
 public:
  // Decisions after which a retraining is due (the app retrains in the background).
  static constexpr std::size_t kRetrainAfterDecisions = 10;

  // Replaces the rows (a reload or a retraining). The cursor stays on its sample when it is
  // still there, else keeps its position (clamped).
  void replace(std::vector<review::StoredSuggestion> rows);
  const std::vector<review::StoredSuggestion>& rows() const { return rows_; }
  bool loaded() const { return loaded_; }
  // Marks the rows as out of date (a reload is needed before they are shown again).
  void invalidate() { loaded_ = false; }

  std::size_t cursor() const { return cursor_; }
  const review::StoredSuggestion* current() const;
  std::optional<std::size_t> find(std::int64_t sampleId) const;
  void setCursor(std::size_t position);
  // Page moves go by pageRows.
  void move(Motion motion, std::size_t pageRows);

  // Drops the rows of samples that were decided (accepted, corrected, rejected); the row after
  // a dropped cursor row comes under the cursor.
  void remove(const std::vector<std::int64_t>& sampleIds);
  // Sample ids whose confidence is >= minConfidence, in review order.
  std::vector<std::int64_t> idsAtOrAbove(double minConfidence) const;

  // Retraining bookkeeping: decisions since the last retraining started.
  void noteDecisions(std::size_t count) { decisionsSinceRetrain_ += count; }
  std::size_t decisionsSinceRetrain() const { return decisionsSinceRetrain_; }
  bool retrainDue() const { return decisionsSinceRetrain_ >= kRetrainAfterDecisions; }
  void noteRetrainStarted() { decisionsSinceRetrain_ = 0; }

 private:
  std::vector<review::StoredSuggestion> rows_;
  std::size_t cursor_ = 0;
  bool loaded_ = false;
  std::size_t decisionsSinceRetrain_ = 0;
};

// Classes that complete `typed`: case-insensitive prefix matches first, then names containing
// it, each group in the order of `classes`; at most maxResults. Empty `typed` gives none.
std::vector<std::string> completeClassName(const std::string& typed, const std::vector<std::string>& classes,
                                           std::size_t maxResults = 8);
// The class `typed` names: an exact match (case-insensitive), else the only completion; nullopt
// when there is none or it is ambiguous.
std::optional<std::string> resolveClassName(const std::string& typed, const std::vector<std::string>& classes);

// What a key means in the Suggestions view (the grid's mapping is commandForChord).
//   arrows, PageUp/PageDown, Home/End   move the cursor
//   Enter                               accept the suggestion under the cursor
//   1..9                                correct it to class 1..9 (the sidebar's class list)
//   Delete                              reject the sample (not a usable face)
//   Tab                                 type a class name (completion over every class)
//   ctrl+Z / ctrl+Y or ctrl+shift+Z     undo / redo (the workbench's one undo stack)
enum class SuggestionCommandKind { Invalid = 0, Move, Accept, AssignClass, Reject, TypeClass, Undo, Redo };

struct SuggestionCommand {
  SuggestionCommandKind kind = SuggestionCommandKind::Invalid;
  Motion motion = Motion::Invalid;
  int classIndex = -1;  // AssignClass, 0-based
};

// nullopt for chords that mean nothing in the Suggestions view.
std::optional<SuggestionCommand> suggestionCommandForChord(const KeyChord& chord);

}  // namespace winnow::workbench
