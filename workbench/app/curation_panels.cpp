// Duplicate clusters and identity groups.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "winnow/dedupe/label_conflicts.hpp"
#include "winnow/review/suggestions.hpp"
#include "workbench_app.hpp"

namespace winnow::workbench {

namespace {

constexpr float kMemberSide = 192.0F;
constexpr std::size_t kGroupPreview = 8;

}  // namespace

void WorkbenchApp::drawDuplicates() {
  if (clusters_.empty()) {
    ImGui::TextUnformatted("No near-duplicate clusters stored.");
    ImGui::TextDisabled("Run the dupes step (Plugins panel) or `winnow dupes <project>`.");
    return;
  }
  const auto& catalog = state_->catalog();
  const ImVec4 conflictColour(1.0F, 0.55F, 0.3F, 1.0F);
  std::size_t conflicts = 0;
  for (const auto& cluster : clusters_) conflicts += cluster.labelConflict ? 1 : 0;
  if (clusterShown_ >= clusters_.size()) clusterShown_ = 0;
  ImGui::BeginChild("cluster list", ImVec2(240, 0), true);
  if (conflicts > 0) {
    ImGui::TextColored(conflictColour, "%zu label conflicts", conflicts);
    ImGui::Checkbox("conflicts only", &conflictsOnly_);
    ImGui::Separator();
  }
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    const auto& cluster = clusters_[c];
    if (conflictsOnly_ && !cluster.labelConflict) continue;
    const std::string name = std::string(cluster.labelConflict ? "! " : "") + "cluster " + std::to_string(cluster.id) +
                             " (" + std::to_string(cluster.members.size()) + ", " + cluster.method + ")";
    if (cluster.labelConflict) ImGui::PushStyleColor(ImGuiCol_Text, conflictColour);
    if (ImGui::Selectable(name.c_str(), c == clusterShown_)) clusterShown_ = c;
    if (cluster.labelConflict) ImGui::PopStyleColor();
    if (c == clusterShown_ && ImGui::IsWindowAppearing()) ImGui::SetScrollHereY();
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("cluster", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  const dedupe::DuplicateCluster& cluster = clusters_[clusterShown_];
  ImGui::Text("Cluster %lld: %zu members, method %s", static_cast<long long>(cluster.id), cluster.members.size(),
              cluster.method.c_str());
  ImGui::TextWrapped("Keeper: sample %lld, %s", static_cast<long long>(cluster.keeperSampleId), cluster.keeperReason.c_str());
  bool keepAll = false;
  if (cluster.labelConflict) {
    ImGui::PushStyleColor(ImGuiCol_Text, conflictColour);
    ImGui::TextWrapped("Label conflict: the members carry different classes. Nothing was demoted across classes "
                       "and the cluster is one split group.");
    ImGui::PopStyleColor();
    ImGui::TextDisabled("Resolve: relabel or reject members below, or keep all as they are.");
    keepAll = ImGui::Button("Keep all (reviewed)");
  }
  ImGui::Separator();
  std::optional<std::int64_t> newKeeper;
  std::optional<std::int64_t> notDuplicate;
  std::optional<std::int64_t> rejectId;
  std::optional<std::pair<std::int64_t, std::string>> relabel;
  for (std::size_t m = 0; m < cluster.members.size(); ++m) {
    const dedupe::ClusterMember& member = cluster.members[m];
    if (m > 0) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::PushID(static_cast<int>(member.sampleId));
    const auto index = catalog.itemIndex(member.sampleId);
    if (index) {
      drawThumbnail(catalog.items[*index], kMemberSide);
    } else {
      ImGui::Dummy(ImVec2(kMemberSide, kMemberSide));
    }
    const bool keeper = member.sampleId == cluster.keeperSampleId;
    if (keeper) {
      ImGui::TextColored(ImVec4(0.4F, 1.0F, 0.5F, 1.0F), "KEEPER  #%lld", static_cast<long long>(member.sampleId));
    } else if (member.kept) {
      ImGui::TextColored(ImVec4(0.4F, 1.0F, 0.5F, 1.0F), "kept  #%lld  %s", static_cast<long long>(member.sampleId),
                         member.status.c_str());
    } else {
      ImGui::Text("#%lld  %s", static_cast<long long>(member.sampleId), member.status.c_str());
    }
    const std::string classText = "class: " + (member.label ? *member.label : std::string("(unlabelled)"));
    if (cluster.labelConflict) {
      ImGui::TextColored(conflictColour, "%s", classText.c_str());
    } else {
      ImGui::TextUnformatted(classText.c_str());
    }
    if (member.duplicateOf) ImGui::Text("duplicate of #%lld", static_cast<long long>(*member.duplicateOf));
    if (member.videoFrameIndex) ImGui::Text("video frame %lld", static_cast<long long>(*member.videoFrameIndex));
    ImGui::Text("%d x %d, %s", member.width, member.height, member.format.c_str());
    ImGui::Text("%lld bytes", static_cast<long long>(member.byteSize));
    ImGui::Text("sharpness %s", member.sharpness ? std::to_string(std::lround(*member.sharpness)).c_str() : "-");
    ImGui::Text("brightness %s", member.brightness ? std::to_string(std::lround(*member.brightness)).c_str() : "-");
    ImGui::Text("pHash %.0f  dHash %d", member.distance, member.dhashDistance);
    if (!keeper) {
      if (ImGui::Button("Make keeper", ImVec2(kMemberSide, 0))) newKeeper = member.sampleId;
      if (ImGui::Button("Not a duplicate", ImVec2(kMemberSide, 0))) notDuplicate = member.sampleId;
    }
    if (cluster.labelConflict) {
      if (ImGui::Button("Reject", ImVec2(kMemberSide, 0))) rejectId = member.sampleId;
      ImGui::SetNextItemWidth(kMemberSide);
      if (ImGui::BeginCombo("##relabel", "Relabel to...")) {
        for (const std::string& label : catalog.labels) {
          if (ImGui::Selectable(label.c_str())) relabel = std::make_pair(member.sampleId, label);
        }
        ImGui::EndCombo();
      }
    }
    ImGui::PopID();
    ImGui::EndGroup();
  }
  ImGui::EndChild();
  if (keepAll || rejectId || relabel) {
    const std::string why = "label conflict in duplicate cluster " + std::to_string(cluster.id);
    const Status done = keepAll ? dedupe::keepAllLabelConflict(*store_, cluster.id, kWorkbenchActor,
                                                               why + " reviewed: all members kept")
                        : rejectId ? session_->rejectSamples({*rejectId}, why)
                                   : session_->assignLabel({relabel->first}, relabel->second, why);
    if (!done) {
      setStatus(done.error().message);
    } else {
      setStatus(keepAll ? "label conflict reviewed: all members kept" : session_->lastMessage());
      reloadClusters();
      if (Status reloaded = reloadCatalog(); !reloaded) setStatus(reloaded.error().message);
    }
  }
  if (newKeeper || notDuplicate) {
    const Status done = newKeeper ? dedupe::setKeeper(*store_, cluster.id, *newKeeper, kWorkbenchActor)
                                  : dedupe::markNotDuplicate(*store_, cluster.keeperSampleId, *notDuplicate, kWorkbenchActor);
    if (!done) {
      setStatus(done.error().message);
    } else {
      setStatus(newKeeper ? "keeper changed" : "marked not a duplicate");
      reloadClusters();
      if (Status reloaded = reloadCatalog(); !reloaded) setStatus(reloaded.error().message);
    }
  }
}

void WorkbenchApp::groupIdentities() {
  if (extractors_.empty()) return;
  auto embeddings = review::loadEmbeddings(*store_, extractors_[static_cast<std::size_t>(extractorChoice_)],
                                           /*unlabelledOnly=*/true);
  identityGroupingFailed_ = !embeddings;
  if (!embeddings) {
    setStatus(embeddings.error().message);
    return;
  }
  // Only unlabelled samples need naming.
  review::StoredEmbeddings unlabelled;
  unlabelled.extractor = embeddings->extractor;
  const auto& catalog = state_->catalog();
  for (std::size_t i = 0; i < embeddings->sampleIds.size(); ++i) {
    const auto index = catalog.itemIndex(embeddings->sampleIds[i]);
    if (index && !catalog.items[*index].label) {
      unlabelled.sampleIds.push_back(embeddings->sampleIds[i]);
      unlabelled.vectors.push_back(std::move(embeddings->vectors[i]));
    }
  }
  board_ = IdentityBoard(std::move(unlabelled), identityDistance_);
  identityCursor_ = 0;
  resetGroupViews();
  setStatus(std::to_string(board_->groups().size()) + " identity groups");
}

void WorkbenchApp::resetGroupViews() {
  const std::size_t count = board_ ? board_->groups().size() : 0;
  groupNames_.assign(count, "");
  groupChecked_.assign(count, false);
  groupShowAll_.assign(count, false);
  groupNearest_.assign(count, std::nullopt);
  nearestStale_ = true;
  if (identityCursor_ >= count) identityCursor_ = count > 0 ? count - 1 : 0;
}

void WorkbenchApp::refreshNearestNamed() {
  nearestStale_ = false;
  if (!board_) return;
  std::vector<std::vector<std::int64_t>> groups;
  for (const IdentityGroup& group : board_->groups()) groups.push_back(group.sampleIds);
  auto nearest = review::nearestNamedGroups(*store_, board_->extractor(), groups);
  if (!nearest) {
    setStatus("nearest named group: " + nearest.error().message);
    return;
  }
  groupNearest_ = std::move(nearest.value());
  groupNearest_.resize(groups.size());
}

Status WorkbenchApp::acceptIdentity(std::size_t group) {
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
  if (Status named = session_->assignLabelAs(ids, nearest.label, reason, kSuggestionActor); !named) return named;
  board_->remove(group);
  resetGroupViews();
  suggestions_.invalidate();
  setStatus("labelled " + std::to_string(ids.size()) + " faces " + nearest.label + " (nearest named group)");
  return okStatus();
}

void WorkbenchApp::drawIdentities() {
  if (extractors_.empty()) {
    ImGui::TextUnformatted("No embeddings stored in this project.");
    ImGui::TextDisabled("Run the embed step (Plugins panel) or `winnow embed <project>`; faces are then grouped by identity.");
    return;
  }
  ImGui::SetNextItemWidth(220);
  if (ImGui::BeginCombo("extractor", extractors_[static_cast<std::size_t>(extractorChoice_)].c_str())) {
    for (std::size_t e = 0; e < extractors_.size(); ++e) {
      if (ImGui::Selectable(extractors_[e].c_str(), static_cast<int>(e) == extractorChoice_)) extractorChoice_ = static_cast<int>(e);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("max distance", &identityDistance_, 0.1F, 1.5F, "%.2f");
  ImGui::SameLine();
  if (ImGui::Button("Group unlabelled faces") || (!board_ && !identityGroupingFailed_)) groupIdentities();
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
  const auto& catalog = state_->catalog();
  std::optional<std::size_t> toSplit;
  std::optional<std::size_t> toName;
  std::optional<std::size_t> toAccept;
  const float tile = 72.0F;
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  for (std::size_t g = 0; g < board_->groups().size(); ++g) {
    const IdentityGroup& group = board_->groups()[g];
    ImGui::PushID(static_cast<int>(g));
    const bool atCursor = g == identityCursor_;
    if (atCursor && identityScrollToCursor_) {
      ImGui::SetScrollHereY(0.2F);
      identityScrollToCursor_ = false;
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
        drawThumbnail(catalog.items[*index], tile);
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
    identityCursor_ = *toAccept;
    if (Status accepted = acceptIdentity(*toAccept); !accepted) setStatus(accepted.error().message);
  }
  if (toName) {
    const std::vector<std::int64_t> ids = board_->groups()[*toName].sampleIds;
    const std::string label = groupNames_[*toName];
    if (Status named = session_->assignLabel(ids, label, "name identity group " + label); !named) {
      setStatus(named.error().message);
    } else {
      // Named faces leave the unlabelled groups (ctrl+Z brings the labels back, not the group).
      board_->remove(*toName);
      resetGroupViews();
      suggestions_.invalidate();
      setStatus("labelled " + std::to_string(ids.size()) + " faces " + label);
    }
  }
  if (toSplit) {
    const std::size_t pieces = board_->split(*toSplit, board_->maxDistance() * 0.75);
    resetGroupViews();
    setStatus("split into " + std::to_string(pieces) + " groups");
  }
}

}  // namespace winnow::workbench
