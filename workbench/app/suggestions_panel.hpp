// The Suggestions view: core's label suggestions for unlabelled faces, most uncertain first.
// Enter accepts, a class key or a typed class name corrects, a batch is accepted above a
// confidence, and the suggestions are retrained in the background as decisions arrive. Every
// acceptance and correction is a decision (actor "user:workbench") on the workbench's undo stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/suggestion_board.hpp"
#include "winnow/workbench/suggestion_retrainer.hpp"
#include "winnow/workbench/workbench_script.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class SuggestionsPanel {
 public:
  explicit SuggestionsPanel(WorkbenchContext& context)
      : context_(context), identityLabelsSeen_(context.identityLabelsRevision()) {}

  void draw();
  // The view was brought forward: shows what is stored at once and retrains in the background.
  void onOpened();
  // Once per frame: a finished retraining's outcome is taken and the suggestions reloaded.
  void takeFinishedRetraining();
  // A key while this view is shown (every key goes here: the view's own mapping).
  void handleKey(const KeyChord& chord);
  // Script commands of this view: accept-suggestion <id>, correct <id> <class>, accept-above
  // <confidence>, type-class <text>. An error's message says why the command cannot be done.
  Status runScriptCommand(const ScriptStep& step);

  // Script `suggest`: starts a retraining; scriptRetrainOutcome() stays empty until it has ended
  // (ok) or failed (the error says why).
  void beginScriptRetrain();
  std::optional<Status> scriptRetrainOutcome() const;

 private:
  // Faces named in bulk elsewhere (Identities) leave the shown rows out of date.
  void followIdentityLabels();
  void reloadSuggestions();
  void requestRetrain(const std::string& why);
  void handleCommand(const SuggestionCommand& command);
  // Each returns the store's refusal as an error.
  Status acceptSuggestion(std::int64_t sampleId);
  Status correctSuggestion(std::int64_t sampleId, const std::string& label);
  Status acceptSuggestionsAbove(double minConfidence);
  void afterDecisions(std::size_t count);

  WorkbenchContext& context_;
  SuggestionBoard suggestions_;
  SuggestionRetrainer retrainer_;
  std::optional<RetrainSummary> lastRetrain_;
  std::string retrainMessage_;  // last retraining's outcome (or why it could not run)
  bool lastRetrainFailed_ = false;
  std::size_t scriptRetrainsBefore_ = 0;
  float acceptAboveConfidence_ = 0.9F;
  std::string classInput_;  // the class-name box
  bool focusClassInput_ = false;
  bool classCaretToEnd_ = false;  // the box was opened by typing: caret after the typed text once
  bool scrollToCursor_ = false;
  std::uint64_t identityLabelsSeen_ = 0;  // context's identityLabelsRevision() last followed
};

}  // namespace winnow::workbench
