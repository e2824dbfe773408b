#include "duplicates_panel.hpp"

#include <imgui.h>

#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "winnow/dedupe/label_conflicts.hpp"

namespace winnow::workbench {

namespace {

constexpr float kMemberSide = 192.0F;

}  // namespace

DuplicatesPanel::DuplicatesPanel(WorkbenchContext& context) : context_(context), stepsSeen_(context.stepsFinished()) {
  reloadClusters();
}

void DuplicatesPanel::reloadClusters() {
  auto clusters = dedupe::listClusters(context_.store());
  if (clusters) {
    clusters_ = std::move(clusters.value());
  } else {
    context_.setStatus(clusters.error().message);
  }
  if (clusterShown_ >= clusters_.size()) clusterShown_ = 0;
}

void DuplicatesPanel::reloadAfterChange() {
  reloadClusters();
  if (Status reloaded = context_.reloadCatalog(); !reloaded) context_.setStatus(reloaded.error().message);
}

void DuplicatesPanel::followFinishedSteps() {
  if (stepsSeen_ == context_.stepsFinished()) return;
  stepsSeen_ = context_.stepsFinished();
  reloadClusters();
}

Status DuplicatesPanel::runScriptCommand(const ScriptStep& step) {
  if (step.verb == ScriptVerb::Cluster) {
    const auto index = static_cast<std::size_t>(std::stoll(step.args[0]));
    if (index >= clusters_.size()) {
      return makeError(ErrorCode::NotFound,
                       "no duplicate cluster " + step.args[0] + " (" + std::to_string(clusters_.size()) + " stored)");
    }
    clusterShown_ = index;
    return okStatus();
  }
  if (step.verb != ScriptVerb::Keeper && step.verb != ScriptVerb::NotDuplicate && step.verb != ScriptVerb::KeepAll) {
    return makeError(ErrorCode::Internal, "not a command of the Duplicates panel");
  }
  if (clusterShown_ >= clusters_.size()) return makeError(ErrorCode::NotFound, "no duplicate cluster is shown");
  const std::int64_t clusterId = clusters_[clusterShown_].id;
  store::ProjectStore& store = context_.store();
  const Status done =
      step.verb == ScriptVerb::Keeper
          ? dedupe::setKeeper(store, clusterId, std::stoll(step.args[0]), kWorkbenchActor)
      : step.verb == ScriptVerb::KeepAll
          ? dedupe::keepAllLabelConflict(store, clusterId, kWorkbenchActor,
                                         "label conflict in duplicate cluster " + std::to_string(clusterId) +
                                             " reviewed: all members kept")
          : dedupe::markNotDuplicate(store, std::stoll(step.args[0]), std::stoll(step.args[1]), kWorkbenchActor);
  if (!done) return done;
  reloadAfterChange();
  return okStatus();
}

void DuplicatesPanel::draw() {
  if (clusters_.empty()) {
    ImGui::TextUnformatted("No near-duplicate clusters stored.");
    ImGui::TextDisabled("Run the dupes step (Plugins panel) or `winnow dupes <project>`.");
    return;
  }
  const auto& catalog = context_.state().catalog();
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
      context_.drawThumbnail(catalog.items[*index], kMemberSide);
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
    const Status done = keepAll ? dedupe::keepAllLabelConflict(context_.store(), cluster.id, kWorkbenchActor,
                                                               why + " reviewed: all members kept")
                        : rejectId ? context_.session().rejectSamples({*rejectId}, why)
                                   : context_.session().assignLabel({relabel->first}, relabel->second, why);
    if (!done) {
      context_.setStatus(done.error().message);
    } else {
      context_.setStatus(keepAll ? "label conflict reviewed: all members kept" : context_.session().lastMessage());
      reloadAfterChange();
    }
  }
  if (newKeeper || notDuplicate) {
    const Status done = newKeeper ? dedupe::setKeeper(context_.store(), cluster.id, *newKeeper, kWorkbenchActor)
                                  : dedupe::markNotDuplicate(context_.store(), cluster.keeperSampleId, *notDuplicate, kWorkbenchActor);
    if (!done) {
      context_.setStatus(done.error().message);
    } else {
      context_.setStatus(newKeeper ? "keeper changed" : "marked not a duplicate");
      reloadAfterChange();
    }
  }
}

}  // namespace winnow::workbench
