#include "identities_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "winnow/workbench/suggestion_board.hpp"

namespace winnow::workbench {

namespace {

constexpr std::size_t kGroupPreview = 8;

}  // namespace

bool IdentitiesPanel::handleKey(const KeyChord& chord) {
  if (!board_ || chord.ctrl || board_->groups().empty()) return false;
  const std::size_t count = board_->groups().size();
  if (chord.key == Key::Up || chord.key == Key::Left) {
    cursor_ = cursor_ > 0 ? cursor_ - 1 : 0;
  } else if (chord.key == Key::Down || chord.key == Key::Right) {
    cursor_ = std::min(count - 1, cursor_ + 1);
  } else if (chord.key == Key::Home) {
    cursor_ = 0;
  } else if (chord.key == Key::End) {
    cursor_ = count - 1;
  } else if (chord.key == Key::Enter) {
    context_.clearStatus();
    if (Status accepted = acceptIdentity(cursor_); !accepted) context_.setStatus(accepted.error().message);
  } else if (chord.key == Key::Space) {
    if (cursor_ < groupShowAll_.size()) groupShowAll_[cursor_] = !groupShowAll_[cursor_];
  } else {
    return false;
  }
  scrollToCursor_ = true;
  return true;
}

Status IdentitiesPanel::runScriptCommand(const ScriptStep& step) {
  if (step.verb != ScriptVerb::AcceptIdentity && step.verb != ScriptVerb::ShowGroup) {
    return makeError(ErrorCode::Internal, "not a command of the Identities panel");
  }
  if (!board_) groupIdentities();
  const auto group = static_cast<std::size_t>(step.count - 1);
  if (step.verb == ScriptVerb::AcceptIdentity) return acceptIdentity(group);
  if (!board_ || group >= board_->groups().size()) return makeError(ErrorCode::NotFound, "no identity group " + step.args[0]);
  groupShowAll_[group] = true;
  cursor_ = group;
  scrollToCursor_ = true;
  return okStatus();
}

void IdentitiesPanel::removeLabelledGroup(std::size_t group) {
  board_->remove(group);
  resetGroupViews();
  context_.noteIdentityLabels();
}

void IdentitiesPanel::groupIdentities() {
  const std::vector<std::string>& extractors = context_.embeddingExtractors();
  if (extractors.empty()) return;
  auto embeddings = review::loadEmbeddings(context_.store(), extractors[static_cast<std::size_t>(extractorChoice_)],
                                           /*unlabelledOnly=*/true);
  groupingFailed_ = !embeddings;
  if (!embeddings) {
    context_.setStatus(embeddings.error().message);
    return;
  }
  // Only unlabelled samples need naming.
  review::StoredEmbeddings unlabelled;
  unlabelled.extractor = embeddings->extractor;
  const auto& catalog = context_.state().catalog();
  for (std::size_t i = 0; i < embeddings->sampleIds.size(); ++i) {
    const auto index = catalog.itemIndex(embeddings->sampleIds[i]);
    if (index && !catalog.items[*index].label) {
      unlabelled.sampleIds.push_back(embeddings->sampleIds[i]);
      unlabelled.vectors.push_back(std::move(embeddings->vectors[i]));
    }
  }
  board_ = IdentityBoard(std::move(unlabelled), identityDistance_);
  cursor_ = 0;
  resetGroupViews();
  context_.setStatus(std::to_string(board_->groups().size()) + " identity groups");
}

void IdentitiesPanel::resetGroupViews() {
  const std::size_t count = board_ ? board_->groups().size() : 0;
  groupNames_.assign(count, "");
  groupChecked_.assign(count, false);
  groupShowAll_.assign(count, false);
  groupNearest_.assign(count, std::nullopt);
  nearestStale_ = true;
  if (cursor_ >= count) cursor_ = count > 0 ? count - 1 : 0;
}

void IdentitiesPanel::refreshNearestNamed() {
  nearestStale_ = false;
  if (!board_) return;
  std::vector<std::vector<std::int64_t>> groups;
  for (const IdentityGroup& group : board_->groups()) groups.push_back(group.sampleIds);
  auto nearest = review::nearestNamedGroups(context_.store(), board_->extractor(), groups);
  if (!nearest) {
    context_.setStatus("nearest named group: " + nearest.error().message);
    return;
  }
  groupNearest_ = std::move(nearest.value());
  groupNearest_.resize(groups.size());
}

Status IdentitiesPanel::acceptIdentity(std::size_t group) {
  if (!board_ || group >= board_->groups().size()) {
    return makeError(ErrorCode::NotFound, "no identity group " + std::to_string(group + 1));
  }
  if (nearestStale_) refreshNearestNamed();
  if (group >= groupNearest_.size() || !groupNearest_[group]) {
    return makeError(ErrorCode::NotFound, "identity group " + std::to_string(group + 1) + " has no nearest named class (nothing labelled yet)");
  }
  const review::NearestNamedGroup nearest = *groupNearest_[group];
  const std::vector<std::int64_t> ids = board_->groups()[group].sampleIds;
  char reason[256];
  std::snprintf(reason, sizeof reason, "accepted nearest named group %s (distance %.2f) for identity group %zu",
                nearest.label.c_str(), nearest.distance, group + 1);
  if (Status named = context_.session().assignLabelAs(ids, nearest.label, reason, kSuggestionActor); !named) return named;
  removeLabelledGroup(group);
  context_.setStatus("labelled " + std::to_string(ids.size()) + " faces " + nearest.label + " (nearest named group)");
  return okStatus();
}

void IdentitiesPanel::draw() {
  const std::vector<std::string>& extractors = context_.embeddingExtractors();
  if (extractors.empty()) {
    ImGui::TextUnformatted("No embeddings stored in this project.");
    ImGui::TextDisabled("Run the embed step (Plugins panel) or `winnow embed <project>`; faces are then grouped by identity.");
    return;
  }
  ImGui::SetNextItemWidth(220);
  if (ImGui::BeginCombo("extractor", extractors[static_cast<std::size_t>(extractorChoice_)].c_str())) {
    for (std::size_t e = 0; e < extractors.size(); ++e) {
      if (ImGui::Selectable(extractors[e].c_str(), static_cast<int>(e) == extractorChoice_)) extractorChoice_ = static_cast<int>(e);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("max distance", &identityDistance_, 0.1F, 1.5F, "%.2f");
  ImGui::SameLine();
  if (ImGui::Button("Group unlabelled faces") || (!board_ && !groupingFailed_)) groupIdentities();
  if (!board_) return;
  if (board_->groups().empty()) {
    ImGui::TextUnformatted("Every sample with an embedding is labelled already.");
    return;
  }
  if (nearestStale_) refreshNearestNamed();
  std::vector<std::size_t> checked;
  for (std::size_t g = 0; g < groupChecked_.size(); ++g) {
    if (groupChecked_[g]) checked.push_back(g);
  }
  ImGui::BeginDisabled(checked.size() != 2);
  if (ImGui::Button("Merge the two checked groups")) {
    board_->merge(checked[0], checked[1]);
    resetGroupViews();
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("Up/Down pick a group, Enter accepts its nearest named class, Space shows all members");
  ImGui::BeginChild("groups", ImVec2(0, 0), false);
  const auto& catalog = context_.state().catalog();
  std::optional<std::size_t> toSplit;
  std::optional<std::size_t> toName;
  std::optional<std::size_t> toAccept;
  const float tile = 72.0F;
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  for (std::size_t g = 0; g < board_->groups().size(); ++g) {
    const IdentityGroup& group = board_->groups()[g];
    ImGui::PushID(static_cast<int>(g));
    const bool atCursor = g == cursor_;
    if (atCursor && scrollToCursor_) {
      ImGui::SetScrollHereY(0.2F);
      scrollToCursor_ = false;
    }
    const ImVec2 rowStart = ImGui::GetCursorScreenPos();
    bool isChecked = groupChecked_[g];
    if (ImGui::Checkbox("##check", &isChecked)) groupChecked_[g] = isChecked;
    ImGui::SameLine();
    ImGui::Text("group %zu: %zu %s", g + 1, group.sampleIds.size(), group.sampleIds.size() == 1 ? "face" : "faces");
    ImGui::SameLine();
    char name[128] = {};
    std::snprintf(name, sizeof name, "%s", groupNames_[g].c_str());
    ImGui::SetNextItemWidth(180);
    if (ImGui::InputTextWithHint("##name", "name", name, sizeof name)) groupNames_[g] = name;
    ImGui::SameLine();
    ImGui::BeginDisabled(groupNames_[g].empty());
    if (ImGui::Button("Name all")) toName = g;
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Split")) toSplit = g;
    if (group.sampleIds.size() > kGroupPreview) {
      ImGui::SameLine();
      const std::string more = groupShowAll_[g] ? "Show fewer" : "Show all " + std::to_string(group.sampleIds.size());
      if (ImGui::Button(more.c_str())) groupShowAll_[g] = !groupShowAll_[g];
    }
    // The nearest named class (the mean of its labelled faces), with one-key acceptance.
    if (g < groupNearest_.size() && groupNearest_[g]) {
      const review::NearestNamedGroup& nearest = *groupNearest_[g];
      const bool close = nearest.distance <= identityDistance_;
      ImGui::TextDisabled("nearest named:");
      ImGui::SameLine();
      ImGui::TextColored(close ? ImVec4(0.4F, 0.9F, 0.45F, 1.0F) : ImVec4(0.95F, 0.75F, 0.35F, 1.0F), "%s",
                         nearest.label.c_str());
      ImGui::SameLine();
      ImGui::TextDisabled("distance %.2f%s (%zu named faces)", nearest.distance, close ? "" : ", beyond the grouping distance",
                          nearest.namedSamples);
      ImGui::SameLine();
      const std::string accept = "Accept " + nearest.label + (atCursor ? " (Enter)" : "");
      if (ImGui::SmallButton(accept.c_str())) toAccept = g;
    }
    // Members: the first few, or every one (wrapped to the width) on demand.
    const std::size_t shown = groupShowAll_[g] ? group.sampleIds.size() : std::min(group.sampleIds.size(), kGroupPreview);
    const auto perRow = std::max<std::size_t>(1, static_cast<std::size_t>((ImGui::GetContentRegionAvail().x + spacing) / (tile + spacing)));
    for (std::size_t k = 0; k < shown; ++k) {
      if (k % perRow != 0) ImGui::SameLine();
      if (auto index = catalog.itemIndex(group.sampleIds[k])) {
        context_.drawThumbnail(catalog.items[*index], tile);
      } else {
        ImGui::Dummy(ImVec2(tile, tile));
      }
    }
    if (atCursor) {
      const ImVec2 rowEnd(rowStart.x + ImGui::GetContentRegionAvail().x, ImGui::GetCursorScreenPos().y);
      ImGui::GetWindowDrawList()->AddRect(ImVec2(rowStart.x - 2, rowStart.y - 2), rowEnd, IM_COL32(255, 220, 60, 255), 0, 0, 2.0F);
    }
    ImGui::PopID();
    ImGui::Separator();
  }
  ImGui::EndChild();
  if (toAccept) {
    cursor_ = *toAccept;
    if (Status accepted = acceptIdentity(*toAccept); !accepted) context_.setStatus(accepted.error().message);
  }
  if (toName) {
    const std::vector<std::int64_t> ids = board_->groups()[*toName].sampleIds;
    const std::string label = groupNames_[*toName];
    if (Status named = context_.session().assignLabel(ids, label, "name identity group " + label); !named) {
      context_.setStatus(named.error().message);
    } else {
      // Named faces leave the unlabelled groups (ctrl+Z brings the labels back, not the group).
      removeLabelledGroup(*toName);
      context_.setStatus("labelled " + std::to_string(ids.size()) + " faces " + label);
    }
  }
  if (toSplit) {
    const std::size_t pieces = board_->split(*toSplit, board_->maxDistance() * 0.75);
    resetGroupViews();
    context_.setStatus("split into " + std::to_string(pieces) + " groups");
  }
}

}  // namespace winnow::workbench
