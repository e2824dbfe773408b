#include "training_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace winnow::workbench {

TrainingPanel::TrainingPanel(WorkbenchContext& context, const std::optional<std::filesystem::path>& extraRun)
    : context_(context), runs_(listTrainingRuns(context.store().projectDir())) {
  if (extraRun) runs_.insert(runs_.begin(), *extraRun);
  if (!runs_.empty()) {
    auto loaded = loadTrainingRun(runs_.front());
    if (loaded) run_ = std::move(loaded.value());
  }
}

void TrainingPanel::draw() {
  if (runs_.empty()) {
    ImGui::TextUnformatted("No training runs.");
    ImGui::TextDisabled("Open one with --run <folder>, or train into <project>/runs/<name>.");
    return;
  }
  ImGui::SetNextItemWidth(420);
  if (ImGui::BeginCombo("run", runs_[static_cast<std::size_t>(runChoice_)].string().c_str())) {
    for (std::size_t r = 0; r < runs_.size(); ++r) {
      if (ImGui::Selectable(runs_[r].string().c_str(), static_cast<int>(r) == runChoice_)) {
        runChoice_ = static_cast<int>(r);
        auto loaded = loadTrainingRun(runs_[r]);
        if (loaded) {
          run_ = std::move(loaded.value());
        } else {
          run_.reset();
          context_.setStatus(loaded.error().message);
        }
      }
    }
    ImGui::EndCombo();
  }
  if (!run_) {
    ImGui::TextUnformatted("This run folder cannot be read.");
    return;
  }
  for (const std::string& problem : run_->problems) ImGui::TextColored(ImVec4(1, 0.7F, 0.3F, 1), "%s", problem.c_str());

  // Learning curves: two plots (loss, accuracy), train and val overlaid.
  auto curve = [&](const char* title, auto trainOf, auto valOf) {
    std::vector<float> train, val;
    for (const EpochMetrics& epoch : run_->epochs) {
      train.push_back(static_cast<float>(trainOf(epoch).value_or(NAN)));
      val.push_back(static_cast<float>(valOf(epoch).value_or(NAN)));
    }
    if (train.empty()) return;
    float low = INFINITY, high = -INFINITY;
    for (float v : train) if (!std::isnan(v)) { low = std::min(low, v); high = std::max(high, v); }
    for (float v : val) if (!std::isnan(v)) { low = std::min(low, v); high = std::max(high, v); }
    if (!(low < high)) { low -= 1.0F; high += 1.0F; }
    const ImVec2 size(std::min(520.0F, ImGui::GetContentRegionAvail().x), 160.0F);
    ImGui::Text("%s  (train: blue, val: orange; %.3g .. %.3g)", title, low, high);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(90, 90, 90, 255));
    auto plot = [&](const std::vector<float>& values, ImU32 colour) {
      const float step = values.size() > 1 ? size.x / static_cast<float>(values.size() - 1) : 0.0F;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i])) continue;
        const ImVec2 p(origin.x + step * i, origin.y + size.y * (1.0F - (values[i] - low) / (high - low)));
        draw->AddCircleFilled(p, 2.5F, colour);
        if (i + 1 < values.size() && !std::isnan(values[i + 1])) {
          draw->AddLine(p, ImVec2(origin.x + step * (i + 1), origin.y + size.y * (1.0F - (values[i + 1] - low) / (high - low))),
                        colour, 1.5F);
        }
      }
    };
    plot(train, IM_COL32(90, 160, 240, 255));
    plot(val, IM_COL32(240, 160, 60, 255));
  };
  curve("loss", [](const EpochMetrics& e) { return e.trainLoss; }, [](const EpochMetrics& e) { return e.valLoss; });
  curve("accuracy", [](const EpochMetrics& e) { return e.trainAccuracy; }, [](const EpochMetrics& e) { return e.valAccuracy; });

  if (run_->confusion.empty()) return;
  ImGui::Separator();
  ImGui::TextUnformatted("Confusion matrix (rows: true class, columns: predicted); click a cell to see its samples");
  std::int64_t largest = 1;
  for (const auto& row : run_->confusion) for (std::int64_t n : row) largest = std::max(largest, n);
  const std::size_t classes = run_->confusion.size();
  auto className = [&](std::size_t i) {
    return i < run_->classNames.size() ? run_->classNames[i] : std::to_string(i);
  };
  const float cell = std::clamp(480.0F / static_cast<float>(std::max<std::size_t>(classes, 1)), 18.0F, 48.0F);
  for (std::size_t r = 0; r < classes; ++r) {
    ImGui::TextUnformatted(className(r).substr(0, 14).c_str());
    for (std::size_t c = 0; c < run_->confusion[r].size(); ++c) {
      ImGui::SameLine(c == 0 ? 120.0F : 0.0F, c == 0 ? -1.0F : 1.0F);
      const std::int64_t n = run_->confusion[r][c];
      const float t = static_cast<float>(n) / static_cast<float>(largest);
      const ImVec4 colour = r == c ? ImVec4(0.15F, 0.25F + 0.6F * t, 0.2F, 1) : ImVec4(0.2F + 0.7F * t, 0.15F, 0.15F, 1);
      ImGui::PushStyleColor(ImGuiCol_Button, colour);
      const std::string text = std::to_string(n) + "##" + std::to_string(r) + "_" + std::to_string(c);
      if (ImGui::Button(text.c_str(), ImVec2(cell, cell))) {
        std::vector<std::int64_t> ids = samplesInCell(*run_, static_cast<int>(r), static_cast<int>(c));
        if (ids.empty()) {
          context_.setStatus("no per-sample predictions for this cell");
        } else {
          GridFilter filter;
          filter.sampleIds = std::move(ids);
          filter.description = "true " + className(r) + ", predicted " + className(c);
          context_.state().setFilter(std::move(filter));
          context_.requestPanel(Panel::Grid);
        }
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("true %s, predicted %s: %lld", className(r).c_str(), className(c).c_str(), static_cast<long long>(n));
      ImGui::PopStyleColor();
    }
  }
}

}  // namespace winnow::workbench
