#include "overview_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <vector>

#include "panel_drawing.hpp"

namespace winnow::workbench {

namespace {

// One horizontal stacked bar per group, segments by class, with the group's name and total.
void drawBalanceChart(const char* title, const std::map<std::string, std::map<std::string, std::int64_t>>& counts,
                      const std::vector<std::string>& labels) {
  ImGui::TextUnformatted(title);
  std::int64_t largest = 1;
  for (const auto& [group, byLabel] : counts) {
    std::int64_t total = 0;
    for (const auto& [label, n] : byLabel) total += n;
    largest = std::max(largest, total);
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float barWidth = std::max(100.0F, ImGui::GetContentRegionAvail().x - 180.0F);
  for (const auto& [group, byLabel] : counts) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float height = ImGui::GetTextLineHeight();
    float x = origin.x + 120.0F;
    std::int64_t total = 0;
    draw->AddText(origin, IM_COL32(220, 220, 220, 255), group.empty() ? "(unassigned)" : group.c_str());
    for (std::size_t i = 0; i <= labels.size(); ++i) {
      const std::string label = i < labels.size() ? labels[i] : "";
      auto found = byLabel.find(label);
      if (found == byLabel.end()) continue;
      const float w = barWidth * static_cast<float>(found->second) / static_cast<float>(largest);
      draw->AddRectFilled(ImVec2(x, origin.y), ImVec2(x + w, origin.y + height),
                          i < labels.size() ? classColour(i) : IM_COL32(90, 90, 90, 255));
      x += w;
      total += found->second;
    }
    const std::string text = std::to_string(total);
    draw->AddText(ImVec2(x + 6.0F, origin.y), IM_COL32(220, 220, 220, 255), text.c_str());
    ImGui::Dummy(ImVec2(barWidth + 170.0F, height + 4.0F));
  }
}

}  // namespace

void OverviewPanel::draw() {
  const ReviewState& state = context_.state();
  const auto& catalog = state.catalog();
  if (countedRevision_ != state.catalogRevision()) {
    counts_ = Counts{};
    for (const review::CatalogItem& item : catalog.items) {
      ++counts_.byStatus[item.status];
      if (item.status != store::kStatusActive) continue;
      const std::string label = item.label.value_or("");
      ++counts_.byLabel[label];
      ++counts_.bySource[item.source];
      ++counts_.bySplit[item.split];
      ++counts_.labelBySplit[item.split][label];
      ++counts_.labelBySource[item.source][label];
    }
    countedRevision_ = state.catalogRevision();
  }
  auto table = [](const char* id, const char* title, const std::map<std::string, std::int64_t>& counts) {
    if (ImGui::BeginTable(id, 2, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
      ImGui::TableSetupColumn(title);
      ImGui::TableSetupColumn("samples");
      ImGui::TableHeadersRow();
      for (const auto& [key, count] : counts) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(key.empty() ? "(none)" : key.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(count));
      }
      ImGui::EndTable();
    }
  };
  ImGui::Text("%zu samples in %s", catalog.items.size(), context_.store().projectDir().string().c_str());
  ImGui::TextDisabled("counts of active samples; status counts all");
  if (ImGui::BeginTable("counts", 4)) {
    ImGui::TableNextColumn();
    table("by class", "class", counts_.byLabel);
    ImGui::TableNextColumn();
    table("by source", "source", counts_.bySource);
    ImGui::TableNextColumn();
    table("by split", "split", counts_.bySplit);
    ImGui::TableNextColumn();
    table("by status", "status", counts_.byStatus);
    ImGui::EndTable();
  }
  ImGui::Separator();
  for (std::size_t i = 0; i < catalog.labels.size(); ++i) {
    ImGui::ColorButton(("##c" + std::to_string(i)).c_str(), ImGui::ColorConvertU32ToFloat4(classColour(i)),
                       ImGuiColorEditFlags_NoTooltip, ImVec2(10, 10));
    ImGui::SameLine();
    ImGui::TextUnformatted(catalog.labels[i].c_str());
    if ((i + 1) % 6 != 0 && i + 1 < catalog.labels.size()) ImGui::SameLine();
  }
  drawBalanceChart("Class balance per split", counts_.labelBySplit, catalog.labels);
  ImGui::Spacing();
  drawBalanceChart("Class balance per source", counts_.labelBySource, catalog.labels);
}

}  // namespace winnow::workbench
