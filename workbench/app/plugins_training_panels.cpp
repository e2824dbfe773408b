// Plugins (loaded and rejected, step runner with a schema-generated form) and training results.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "workbench_app.hpp"

namespace winnow::workbench {

namespace {

void drawFormField(FormField& field) {
  ImGui::PushID(field.key.c_str());
  ImGui::Checkbox("##set", &field.set);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("unchecked: leave out (the schema default applies)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(260);
  const char* label = field.key.c_str();
  bool edited = false;
  switch (field.type) {
    case FieldType::Boolean: edited = ImGui::Checkbox(label, &field.boolValue); break;
    case FieldType::Integer: {
      long long value = field.intValue;
      edited = ImGui::InputScalar(label, ImGuiDataType_S64, &value);
      if (field.minimum) value = std::max<long long>(value, static_cast<long long>(std::ceil(*field.minimum)));
      if (field.maximum) value = std::min<long long>(value, static_cast<long long>(std::floor(*field.maximum)));
      field.intValue = value;
      break;
    }
    case FieldType::Number: edited = ImGui::InputDouble(label, &field.numberValue, 0.0, 0.0, "%.4g"); break;
    case FieldType::Enum:
      if (ImGui::BeginCombo(label, field.text.c_str())) {
        for (const std::string& option : field.options) {
          if (ImGui::Selectable(option.c_str(), option == field.text)) {
            field.text = option;
            edited = true;
          }
        }
        ImGui::EndCombo();
      }
      break;
    case FieldType::String:
    case FieldType::Json: {
      char buffer[1024] = {};
      std::snprintf(buffer, sizeof buffer, "%s", field.text.c_str());
      if (ImGui::InputText(label, buffer, sizeof buffer)) {
        field.text = buffer;
        edited = true;
      }
      break;
    }
    case FieldType::Invalid: break;
  }
  if (edited) field.set = true;
  if (!field.description.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", field.description.c_str());
  ImGui::PopID();
}

}  // namespace

void WorkbenchApp::drawPlugins() {
  ImGui::BeginChild("plugin list", ImVec2(ImGui::GetContentRegionAvail().x * 0.42F, 0), true);
  ImGui::TextUnformatted("Plugins");
  if (host_.get().plugins().empty()) {
    ImGui::TextWrapped("No plugin manifests found (WINNOW_PLUGIN_PATH, <exe>/../lib/winnow/plugins, the install dir).");
  }
  for (const plugin::PluginRecord& record : host_.get().plugins()) {
    const bool loaded = record.state == plugin::PluginState::Loaded;
    ImGui::TextColored(loaded ? ImVec4(0.5F, 1.0F, 0.6F, 1.0F) : ImVec4(1.0F, 0.5F, 0.5F, 1.0F), "%s %s  [%s]",
                       record.id.empty() ? record.manifestPath.filename().string().c_str() : record.id.c_str(),
                       record.version.c_str(), plugin::pluginStateName(record.state));
    if (!loaded) ImGui::TextWrapped("  reason: %s", record.rejectionReason.c_str());
    for (const plugin::CapabilityDescriptor& capability : record.capabilities) {
      ImGui::TextDisabled("  %s: %s", plugin::capabilityKindName(capability.kind), capability.id.c_str());
    }
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("step", ImVec2(0, 0), true);
  ImGui::TextUnformatted("Run a pipeline step");
  const char* preview = stepChoice_ >= 0 ? stepChoices_[static_cast<std::size_t>(stepChoice_)].title.c_str() : "(choose)";
  ImGui::SetNextItemWidth(260);
  if (ImGui::BeginCombo("step", preview)) {
    for (std::size_t s = 0; s < stepChoices_.size(); ++s) {
      if (ImGui::Selectable(stepChoices_[s].title.c_str(), static_cast<int>(s) == stepChoice_)) {
        stepChoice_ = static_cast<int>(s);
        form_ = SchemaForm::fromSchema(stepChoices_[s].schema);
        stepResult_.clear();
      }
    }
    ImGui::EndCombo();
  }
  if (stepChoice_ >= 0) {
    const StepChoice& choice = stepChoices_[static_cast<std::size_t>(stepChoice_)];
    if (choice.schema.contains("title")) ImGui::TextDisabled("%s", choice.schema["title"].get<std::string>().c_str());
    for (FormField& field : form_.fields) drawFormField(field);
    if (choice.step == "export") {
      char output[512] = {};
      std::snprintf(output, sizeof output, "%s", exportOutput_.c_str());
      ImGui::SetNextItemWidth(260);
      if (ImGui::InputText("output (in the project)", output, sizeof output)) exportOutput_ = output;
    }
    const bool running = stepRunner_.running();
    ImGui::BeginDisabled(running);
    if (ImGui::Button("Run")) {
      auto params = form_.toParams();
      if (!params) {
        stepResult_ = params.error().message;
      } else {
        StepRequest request{choice.step, *params};
        if (choice.step == "export") {
          request.params = {{"capability", choice.capability},
                            {"output", (store_->projectDir() / exportOutput_).string()},
                            {"params", *params}};
        }
        if (Status started = stepRunner_.start(store_->projectDir(), host_, request); !started) {
          stepResult_ = started.error().message;
        } else {
          stepResult_.clear();
          setStatus("running " + choice.title);
        }
      }
    }
    ImGui::EndDisabled();
    if (running) {
      ImGui::SameLine();
      if (ImGui::Button("Cancel")) stepRunner_.cancel();
      const std::int64_t total = stepRunner_.total();
      const float fraction = total > 0 ? static_cast<float>(stepRunner_.done()) / static_cast<float>(total) : 0.0F;
      const std::string overlay = std::to_string(stepRunner_.done()) + " / " + std::to_string(total);
      ImGui::ProgressBar(fraction, ImVec2(-1, 0), overlay.c_str());
    }
    if (!stepResult_.empty()) {
      ImGui::Separator();
      ImGui::BeginChild("result", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
      ImGui::TextUnformatted(stepResult_.c_str());
      ImGui::EndChild();
    }
  }
  ImGui::EndChild();
}

void WorkbenchApp::drawTraining() {
  if (trainingRuns_.empty()) {
    ImGui::TextUnformatted("No training runs.");
    ImGui::TextDisabled("Open one with --run <folder>, or train into <project>/runs/<name>.");
    return;
  }
  ImGui::SetNextItemWidth(420);
  if (ImGui::BeginCombo("run", trainingRuns_[static_cast<std::size_t>(trainingChoice_)].string().c_str())) {
    for (std::size_t r = 0; r < trainingRuns_.size(); ++r) {
      if (ImGui::Selectable(trainingRuns_[r].string().c_str(), static_cast<int>(r) == trainingChoice_)) {
        trainingChoice_ = static_cast<int>(r);
        auto loaded = loadTrainingRun(trainingRuns_[r]);
        if (loaded) {
          training_ = std::move(loaded.value());
        } else {
          training_.reset();
          setStatus(loaded.error().message);
        }
      }
    }
    ImGui::EndCombo();
  }
  if (!training_) {
    ImGui::TextUnformatted("This run folder cannot be read.");
    return;
  }
  for (const std::string& problem : training_->problems) ImGui::TextColored(ImVec4(1, 0.7F, 0.3F, 1), "%s", problem.c_str());

  // Learning curves: two plots (loss, accuracy), train and val overlaid.
  auto curve = [&](const char* title, auto trainOf, auto valOf) {
    std::vector<float> train, val;
    for (const EpochMetrics& epoch : training_->epochs) {
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

  if (training_->confusion.empty()) return;
  ImGui::Separator();
  ImGui::TextUnformatted("Confusion matrix (rows: true class, columns: predicted); click a cell to see its samples");
  std::int64_t largest = 1;
  for (const auto& row : training_->confusion) for (std::int64_t n : row) largest = std::max(largest, n);
  const std::size_t classes = training_->confusion.size();
  auto className = [&](std::size_t i) {
    return i < training_->classNames.size() ? training_->classNames[i] : std::to_string(i);
  };
  const float cell = std::clamp(480.0F / static_cast<float>(std::max<std::size_t>(classes, 1)), 18.0F, 48.0F);
  for (std::size_t r = 0; r < classes; ++r) {
    ImGui::TextUnformatted(className(r).substr(0, 14).c_str());
    for (std::size_t c = 0; c < training_->confusion[r].size(); ++c) {
      ImGui::SameLine(c == 0 ? 120.0F : 0.0F, c == 0 ? -1.0F : 1.0F);
      const std::int64_t n = training_->confusion[r][c];
      const float t = static_cast<float>(n) / static_cast<float>(largest);
      const ImVec4 colour = r == c ? ImVec4(0.15F, 0.25F + 0.6F * t, 0.2F, 1) : ImVec4(0.2F + 0.7F * t, 0.15F, 0.15F, 1);
      ImGui::PushStyleColor(ImGuiCol_Button, colour);
      const std::string text = std::to_string(n) + "##" + std::to_string(r) + "_" + std::to_string(c);
      if (ImGui::Button(text.c_str(), ImVec2(cell, cell))) {
        std::vector<std::int64_t> ids = samplesInCell(*training_, static_cast<int>(r), static_cast<int>(c));
        if (ids.empty()) {
          setStatus("no per-sample predictions for this cell");
        } else {
          GridFilter filter;
          filter.sampleIds = std::move(ids);
          filter.description = "true " + className(r) + ", predicted " + className(c);
          state_->setFilter(std::move(filter));
          panel_ = Panel::Grid;
          panelChangeRequested_ = true;
        }
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("true %s, predicted %s: %lld", className(r).c_str(), className(c).c_str(), static_cast<long long>(n));
      ImGui::PopStyleColor();
    }
  }
}

}  // namespace winnow::workbench
