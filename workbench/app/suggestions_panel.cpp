#include "suggestions_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "winnow/log/log.hpp"

namespace winnow::workbench {

namespace {

constexpr float kRowThumbnail = 64.0F;
constexpr float kDetailThumbnail = 280.0F;
constexpr float kDetailWidth = 360.0F;

ImVec4 confidenceColour(double confidence) {
  if (confidence >= 0.9) return ImVec4(0.40F, 0.90F, 0.45F, 1.0F);
  if (confidence >= 0.6) return ImVec4(0.95F, 0.80F, 0.35F, 1.0F);
  return ImVec4(1.00F, 0.45F, 0.40F, 1.0F);
}

std::string fixed2(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// Tab completes the class-name box to the first completion; the caret goes to the end once
// after the box was opened by typing (so the next letter is appended, not replacing).
struct ClassBoxContext {
  const std::vector<std::string>* classes = nullptr;
  bool* caretToEnd = nullptr;
};

int classBoxCallback(ImGuiInputTextCallbackData* data) {
  auto* context = static_cast<ClassBoxContext*>(data->UserData);
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
    const std::vector<std::string> completions =
        completeClassName(std::string(data->Buf, static_cast<std::size_t>(data->BufTextLen)), *context->classes, 1);
    if (!completions.empty()) {
      data->DeleteChars(0, data->BufTextLen);
      data->InsertChars(0, completions.front().c_str());
    }
  } else if (data->EventFlag == ImGuiInputTextFlags_CallbackAlways && *context->caretToEnd) {
    data->CursorPos = data->SelectionStart = data->SelectionEnd = data->BufTextLen;
    *context->caretToEnd = false;
  }
  return 0;
}

}  // namespace

void SuggestionsPanel::followIdentityLabels() {
  if (identityLabelsSeen_ == context_.identityLabelsRevision()) return;
  identityLabelsSeen_ = context_.identityLabelsRevision();
  suggestions_.invalidate();
}

void SuggestionsPanel::onOpened() {
  followIdentityLabels();
  // Show what is stored at once; retrain in the background with the decisions made since.
  reloadSuggestions();
  requestRetrain("view opened");
}

void SuggestionsPanel::reloadSuggestions() {
  auto loaded = review::loadSuggestions(context_.store());
  if (!loaded) {
    context_.setStatus("suggestions: " + loaded.error().message);
    return;
  }
  suggestions_.replace(std::move(loaded.value()));
  scrollToCursor_ = true;
}

void SuggestionsPanel::requestRetrain(const std::string& why) {
  if (context_.embeddingExtractors().empty()) {
    retrainMessage_ = "no descriptors stored: run the embed step (Plugins panel) or `winnow embed`";
    lastRetrainFailed_ = true;
    return;
  }
  suggestions_.noteRetrainStarted();
  retrainer_.request(context_.store().projectDir(), "");
  log::write(log::Level::Info, log::Origin::Host, "workbench", "retraining suggestions (" + why + ")");
}

void SuggestionsPanel::takeFinishedRetraining() {
  followIdentityLabels();
  auto result = retrainer_.takeResult();
  if (!result) return;
  if (*result) {
    lastRetrain_ = result->value();
    lastRetrainFailed_ = false;
    char text[256];
    std::snprintf(text, sizeof text, "retrained on %zu labelled faces of %zu classes (%s): leave-one-out accuracy %.2f, %.0f ms",
                  lastRetrain_->labelledSamples, lastRetrain_->classes, lastRetrain_->extractor.c_str(),
                  lastRetrain_->looAccuracy, lastRetrain_->seconds * 1000.0);
    retrainMessage_ = text;
  } else {
    lastRetrainFailed_ = true;
    retrainMessage_ = result->error().message;
  }
  log::write(log::Level::Info, log::Origin::Host, "workbench", retrainMessage_);
  reloadSuggestions();
}

void SuggestionsPanel::afterDecisions(std::size_t count) {
  suggestions_.noteDecisions(count);
  if (suggestions_.retrainDue()) requestRetrain(std::to_string(suggestions_.decisionsSinceRetrain()) + " decisions");
}

Status SuggestionsPanel::acceptSuggestion(std::int64_t sampleId) {
  const auto position = suggestions_.find(sampleId);
  if (!position) return makeError(ErrorCode::NotFound, "sample " + std::to_string(sampleId) + " has no current suggestion");
  const std::string label = suggestions_.rows()[*position].label;
  auto accepted = review::acceptSuggestions(context_.store(), {sampleId}, kSuggestionActor);
  if (!accepted) return accepted.error();
  const std::size_t changed = accepted->decisions.size();
  context_.session().recordApplied(std::move(accepted->decisions), "accept suggestion " + label, kSuggestionActor);
  suggestions_.remove({sampleId});
  scrollToCursor_ = true;
  context_.setStatus("accepted " + label + " for sample " + std::to_string(sampleId));
  afterDecisions(changed);
  return okStatus();
}

Status SuggestionsPanel::correctSuggestion(std::int64_t sampleId, const std::string& label) {
  const auto position = suggestions_.find(sampleId);
  if (!position) return makeError(ErrorCode::NotFound, "sample " + std::to_string(sampleId) + " has no current suggestion");
  const review::StoredSuggestion row = suggestions_.rows()[*position];
  if (row.label == label) return acceptSuggestion(sampleId);
  const std::string reason = "corrected suggestion " + row.label + " (confidence " + fixed2(row.confidence) + ") to " + label;
  if (Status done = context_.session().assignLabelAs({sampleId}, label, reason, kSuggestionActor); !done) return done;
  suggestions_.remove({sampleId});
  scrollToCursor_ = true;
  context_.setStatus(reason + " for sample " + std::to_string(sampleId));
  afterDecisions(1);
  return okStatus();
}

Status SuggestionsPanel::acceptSuggestionsAbove(double minConfidence) {
  auto accepted = review::acceptSuggestionsAbove(context_.store(), minConfidence, kSuggestionActor);
  if (!accepted) return accepted.error();
  std::vector<std::int64_t> ids;
  for (const auto& decision : accepted->decisions) ids.push_back(decision.sampleId);
  const std::size_t changed = ids.size();
  context_.session().recordApplied(std::move(accepted->decisions), "accept suggestions at or above " + fixed2(minConfidence),
                          kSuggestionActor);
  suggestions_.remove(ids);
  context_.setStatus("accepted " + std::to_string(changed) + " suggestions at or above " + fixed2(minConfidence));
  afterDecisions(changed);
  return okStatus();
}

void SuggestionsPanel::handleKey(const KeyChord& chord) {
  followIdentityLabels();
  if (auto command = suggestionCommandForChord(chord)) {
    context_.clearStatus();
    handleCommand(*command);
  }
}

Status SuggestionsPanel::runScriptCommand(const ScriptStep& step) {
  followIdentityLabels();
  if (step.verb == ScriptVerb::TypeClass) {
    classInput_ = step.args[0];
    focusClassInput_ = true;
    return okStatus();
  }
  if (!suggestions_.loaded()) reloadSuggestions();
  switch (step.verb) {
    case ScriptVerb::AcceptSuggestion: return acceptSuggestion(std::stoll(step.args[0]));
    case ScriptVerb::Correct: {
      const auto label = resolveClassName(step.args[1], context_.state().catalog().labels);
      return label ? correctSuggestion(std::stoll(step.args[0]), *label)
                   : makeError(ErrorCode::InvalidArgument, "no class '" + step.args[1] + "' (or more than one completes it)");
    }
    case ScriptVerb::AcceptAbove: return acceptSuggestionsAbove(step.value);
    default: return makeError(ErrorCode::Internal, "not a command of the Suggestions view");
  }
}

void SuggestionsPanel::beginScriptRetrain() {
  followIdentityLabels();
  scriptRetrainsBefore_ = retrainer_.completed();
  requestRetrain("script");
}

std::optional<Status> SuggestionsPanel::scriptRetrainOutcome() const {
  if (retrainer_.busy() || (retrainer_.completed() <= scriptRetrainsBefore_ && !lastRetrainFailed_)) return std::nullopt;
  if (lastRetrainFailed_) return Status(makeError(ErrorCode::NotFound, retrainMessage_));
  return okStatus();
}

void SuggestionsPanel::handleCommand(const SuggestionCommand& command) {
  const review::StoredSuggestion* current = suggestions_.current();
  Status done = okStatus();
  switch (command.kind) {
    case SuggestionCommandKind::Move:
      suggestions_.move(command.motion, 8);
      scrollToCursor_ = true;
      break;
    case SuggestionCommandKind::Accept:
      if (current) done = acceptSuggestion(current->sampleId);
      break;
    case SuggestionCommandKind::AssignClass: {
      const auto& labels = context_.state().catalog().labels;
      if (command.classIndex < 0 || static_cast<std::size_t>(command.classIndex) >= labels.size()) {
        done = makeError(ErrorCode::InvalidArgument, "no class " + std::to_string(command.classIndex + 1) + " (the project has " +
                                                         std::to_string(labels.size()) + "); type the name instead (Tab)");
      } else if (current) {
        done = correctSuggestion(current->sampleId, labels[static_cast<std::size_t>(command.classIndex)]);
      }
      break;
    }
    case SuggestionCommandKind::Reject:
      if (current) {
        const std::int64_t id = current->sampleId;
        done = context_.session().rejectSamples({id}, "rejected in the suggestions review");
        if (done) {
          suggestions_.remove({id});
          afterDecisions(1);
        }
      }
      break;
    case SuggestionCommandKind::TypeClass:
      focusClassInput_ = true;
      break;
    case SuggestionCommandKind::Undo:
    case SuggestionCommandKind::Redo:
      done = command.kind == SuggestionCommandKind::Undo ? context_.session().undo() : context_.session().redo();
      context_.setStatus(context_.session().lastMessage());
      // An undone acceptance leaves the sample unlabelled without a stored suggestion: retrain.
      reloadSuggestions();
      afterDecisions(1);
      if (!suggestions_.retrainDue()) requestRetrain("undo/redo");
      break;
    case SuggestionCommandKind::Invalid: break;
  }
  if (!done) context_.setStatus(done.error().message);
}

void SuggestionsPanel::draw() {
  followIdentityLabels();
  const auto& catalog = context_.state().catalog();
  if (!suggestions_.loaded()) reloadSuggestions();
  const auto& rows = suggestions_.rows();

  // Header: what is shown, retraining, the batch acceptance.
  ImGui::Text("%zu suggestions for unlabelled faces, most uncertain first", rows.size());
  ImGui::SameLine();
  ImGui::BeginDisabled(retrainer_.running());
  if (ImGui::Button(retrainer_.busy() ? "Retraining..." : "Retrain")) requestRetrain("button");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("auto after %zu more decisions",
                      SuggestionBoard::kRetrainAfterDecisions -
                          std::min(SuggestionBoard::kRetrainAfterDecisions, suggestions_.decisionsSinceRetrain()));
  if (!retrainMessage_.empty()) {
    if (lastRetrainFailed_) {
      ImGui::TextColored(ImVec4(1.0F, 0.55F, 0.4F, 1.0F), "%s", retrainMessage_.c_str());
    } else {
      ImGui::TextDisabled("%s", retrainMessage_.c_str());
    }
  }
  const std::vector<std::int64_t> above = suggestions_.idsAtOrAbove(acceptAboveConfidence_);
  ImGui::SetNextItemWidth(220);
  ImGui::SliderFloat("##above", &acceptAboveConfidence_, 0.5F, 1.0F, "confidence >= %.2f");
  ImGui::SameLine();
  ImGui::BeginDisabled(above.empty());
  const std::string batchText = "Accept all " + std::to_string(above.size()) + " at or above " + fixed2(acceptAboveConfidence_);
  if (ImGui::Button(batchText.c_str())) {
    if (Status done = acceptSuggestionsAbove(acceptAboveConfidence_); !done) context_.setStatus(done.error().message);
  }
  ImGui::EndDisabled();
  ImGui::Separator();

  if (rows.empty()) {
    ImGui::TextUnformatted("No suggestions to review.");
    ImGui::TextDisabled("Suggestions need stored descriptors (`winnow embed`), at least two labelled classes and");
    ImGui::TextDisabled("unlabelled faces; they are retrained when this view opens and after every 10 decisions.");
    return;
  }

  // The list.
  ImGui::BeginChild("suggestion list", ImVec2(-kDetailWidth, 0), true);
  const float rowHeight = kRowThumbnail + 8.0F;
  const float lineHeight = ImGui::GetTextLineHeightWithSpacing();
  if (scrollToCursor_) {
    const float top = static_cast<float>(suggestions_.cursor()) * rowHeight;
    if (top < ImGui::GetScrollY()) ImGui::SetScrollY(top);
    if (top + rowHeight > ImGui::GetScrollY() + ImGui::GetWindowHeight()) ImGui::SetScrollY(top + rowHeight - ImGui::GetWindowHeight());
    scrollToCursor_ = false;
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  // The cursor row is the highlighted one; hovering only tints (the mouse is not the cursor).
  ImGui::PushStyleColor(ImGuiCol_HeaderHovered, ImVec4(1.0F, 1.0F, 1.0F, 0.06F));
  ImGui::PushStyleColor(ImGuiCol_HeaderActive, ImVec4(1.0F, 1.0F, 1.0F, 0.10F));
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()), rowHeight);
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const review::StoredSuggestion& row = rows[static_cast<std::size_t>(r)];
      const ImVec2 origin = ImGui::GetCursorScreenPos();
      ImGui::PushID(r);
      if (ImGui::Selectable("##row", static_cast<std::size_t>(r) == suggestions_.cursor(), 0,
                            ImVec2(0, rowHeight - ImGui::GetStyle().ItemSpacing.y))) {
        suggestions_.setCursor(static_cast<std::size_t>(r));
      }
      ImGui::PopID();
      if (auto index = catalog.itemIndex(row.sampleId)) {
        context_.drawThumbnailAt(catalog.items[*index], ImVec2(origin.x + 2, origin.y + 2), kRowThumbnail);
      }
      const float x = origin.x + kRowThumbnail + 14.0F;
      char text[160];
      std::snprintf(text, sizeof text, "#%lld", static_cast<long long>(row.sampleId));
      draw->AddText(ImVec2(x, origin.y + 4), IM_COL32(150, 150, 150, 255), text);
      draw->AddText(ImVec2(x + 70, origin.y + 4), ImGui::ColorConvertFloat4ToU32(confidenceColour(row.confidence)),
                    row.label.c_str());
      // Confidence bar.
      const float barWidth = 160.0F;
      const ImVec2 bar(x, origin.y + 6 + lineHeight);
      draw->AddRectFilled(bar, ImVec2(bar.x + barWidth, bar.y + 8), IM_COL32(60, 60, 66, 255));
      draw->AddRectFilled(bar, ImVec2(bar.x + barWidth * static_cast<float>(row.confidence), bar.y + 8),
                          ImGui::ColorConvertFloat4ToU32(confidenceColour(row.confidence)));
      std::snprintf(text, sizeof text, "%.2f", row.confidence);
      draw->AddText(ImVec2(bar.x + barWidth + 8, bar.y - 4), IM_COL32(220, 220, 220, 255), text);
      if (!row.runnerUp.empty()) {
        std::snprintf(text, sizeof text, "runner-up %s, margin %.2f", row.runnerUp.c_str(), row.margin);
        draw->AddText(ImVec2(x, origin.y + 8 + 2 * lineHeight), IM_COL32(140, 140, 140, 255), text);
      }
    }
  }
  clipper.End();
  ImGui::PopStyleColor(2);
  ImGui::EndChild();
  ImGui::SameLine();

  // The cursor's suggestion: accept or correct.
  ImGui::BeginChild("suggestion detail", ImVec2(0, 0), true);
  const review::StoredSuggestion* current = suggestions_.current();
  if (current != nullptr) {
    const std::int64_t id = current->sampleId;
    const std::string suggested = current->label;
    const float side = std::min(kDetailThumbnail, ImGui::GetContentRegionAvail().x);
    if (auto index = catalog.itemIndex(id)) context_.drawThumbnail(catalog.items[*index], side);
    ImGui::Text("sample %lld (%zu of %zu)", static_cast<long long>(id), suggestions_.cursor() + 1, rows.size());
    ImGui::TextUnformatted("suggested");
    ImGui::SameLine();
    ImGui::TextColored(confidenceColour(current->confidence), "%s", suggested.c_str());
    ImGui::Text("confidence %.2f, margin %.2f", current->confidence, current->margin);
    if (!current->runnerUp.empty()) ImGui::Text("runner-up %s", current->runnerUp.c_str());
    std::optional<std::string> correction;
    bool accept = ImGui::Button("Accept (Enter)", ImVec2(-1, 0));
    ImGui::TextDisabled("correct: class key, or type a name (Tab)");

    // The class-name box, with completion over every class (there can be more than 9).
    char buffer[128] = {};
    std::snprintf(buffer, sizeof buffer, "%s", classInput_.c_str());
    if (!ImGui::IsAnyItemActive() && !focusClassInput_) {
      // Typing a letter anywhere in the view starts a class name.
      const ImGuiIO& io = ImGui::GetIO();
      std::string typed;
      for (int c = 0; c < io.InputQueueCharacters.Size; ++c) {
        const ImWchar ch = io.InputQueueCharacters[c];
        if (ch < 128 && (std::isalpha(ch) != 0 || (!typed.empty() && std::isprint(ch) != 0))) typed += static_cast<char>(ch);
      }
      if (!typed.empty() && !io.KeyCtrl) {
        classInput_ = typed;
        std::snprintf(buffer, sizeof buffer, "%s", classInput_.c_str());
        focusClassInput_ = true;
      }
    }
    if (focusClassInput_) {
      ImGui::SetKeyboardFocusHere();
      classCaretToEnd_ = true;
      focusClassInput_ = false;
    }
    ClassBoxContext context{&catalog.labels, &classCaretToEnd_};
    ImGui::SetNextItemWidth(-1);
    const bool entered = ImGui::InputTextWithHint(
        "##class", "class name", buffer, sizeof buffer,
        ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCompletion | ImGuiInputTextFlags_CallbackAlways,
        classBoxCallback, &context);
    classInput_ = buffer;
    const std::vector<std::string> completions = completeClassName(classInput_, catalog.labels, 6);
    if (entered && !classInput_.empty()) {
      if (auto resolved = resolveClassName(classInput_, catalog.labels)) {
        correction = *resolved;
      } else if (!completions.empty()) {
        correction = completions.front();
      } else {
        context_.setStatus("no class '" + classInput_ + "': use the New class button to create it");
      }
    }
    for (std::size_t c = 0; c < completions.size(); ++c) {
      const std::string text = completions[c] + (c == 0 ? "   (Enter)" : "");
      if (ImGui::Selectable(text.c_str(), c == 0)) correction = completions[c];
    }
    if (!classInput_.empty() && completions.empty()) {
      const std::string text = "New class '" + classInput_ + "'";
      if (ImGui::Button(text.c_str(), ImVec2(-1, 0))) correction = classInput_;
    }
    ImGui::Separator();
    for (std::size_t i = 0; i < catalog.labels.size() && i < 9; ++i) {
      ImGui::TextDisabled("%zu", i + 1);
      ImGui::SameLine();
      ImGui::TextUnformatted(catalog.labels[i].c_str());
    }
    if (catalog.labels.size() > 9) ImGui::TextDisabled("%zu more classes: type the name", catalog.labels.size() - 9);
    ImGui::TextDisabled("arrows move, Delete rejects, ctrl+Z undo");
    if (accept) {
      if (Status done = acceptSuggestion(id); !done) context_.setStatus(done.error().message);
    } else if (correction) {
      classInput_.clear();
      if (Status done = correctSuggestion(id, *correction); !done) context_.setStatus(done.error().message);
    }
  }
  ImGui::EndChild();
}

}  // namespace winnow::workbench
