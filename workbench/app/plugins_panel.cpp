#include "plugins_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "winnow/pipeline/step_registry.hpp"
#include "winnow/plugin/plugin_host.hpp"

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

PluginsPanel::PluginsPanel(WorkbenchContext& context) : context_(context) {
  for (const pipeline::StepDefinition* step : pipeline::allSteps()) {
    if (step->name == "export") {
      for (const plugin::CapabilityDescriptor* exporter :
           context_.stepHost().get().capabilities(plugin::CapabilityKind::Exporter)) {
        stepChoices_.push_back({"export", exporter->id, "export: " + exporter->id, exporter->paramsSchema});
      }
      continue;
    }
    const auto& schema = pipeline::stepSchema(*step);
    if (schema) stepChoices_.push_back({step->name, "", step->name, schema->schemaJson()});
  }
}

Status PluginsPanel::startStep(const StepChoice& choice) {
  auto params = form_.toParams();
  if (!params) return params.error();
  StepRequest request{choice.step, *params};
  if (choice.step == "export") {
    request.params = {{"capability", choice.capability},
                      {"output", (context_.store().projectDir() / exportOutput_).string()},
                      {"params", *params}};
  }
  if (Status started = stepRunner_.start(context_.store().projectDir(), context_.stepHost(), request); !started) {
    return started;
  }
  stepResult_.clear();
  context_.setStatus("running " + choice.title);
  return okStatus();
}

Status PluginsPanel::startScriptStep(const std::string& name) {
  for (std::size_t s = 0; s < stepChoices_.size(); ++s) {
    const StepChoice& choice = stepChoices_[s];
    if (name != (choice.capability.empty() ? choice.step : choice.step + ":" + choice.capability)) continue;
    stepChoice_ = static_cast<int>(s);
    form_ = SchemaForm::fromSchema(stepChoices_[s].schema);
    return startStep(stepChoices_[s]);
  }
  return makeError(ErrorCode::NotFound, "no step '" + name + "' in the Plugins panel");
}

void PluginsPanel::takeFinishedStep() {
  auto result = stepRunner_.takeResult();
  if (!result) return;
  if (*result) {
    stepResult_ = (*result)->dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    const bool cancelled = (*result)->is_object() && (*result)->value("cancelled", false);
    const std::size_t messages = stepRunner_.messages().size();
    context_.setStatus(std::string(cancelled ? "step cancelled; committed work is kept" : "step finished: ok") +
                       (messages > 0 ? " (" + std::to_string(messages) + " messages, listed in the Plugins panel)" : ""));
  } else {
    stepResult_ = result->error().message;
    context_.setStatus("step failed: " + result->error().message);
  }
  if (Status reloaded = context_.reloadCatalog(); !reloaded) context_.setStatus(reloaded.error().message);
  context_.noteStepFinished();
  context_.textures().clear();
}

void PluginsPanel::draw() {
  ImGui::BeginChild("plugin list", ImVec2(ImGui::GetContentRegionAvail().x * 0.42F, 0), true);
  ImGui::TextUnformatted("Plugins");
  if (context_.stepHost().get().plugins().empty()) {
    ImGui::TextWrapped("No plugin manifests found (WINNOW_PLUGIN_PATH, <exe>/../lib/winnow/plugins, the install dir).");
  }
  for (const plugin::PluginRecord& record : context_.stepHost().get().plugins()) {
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
      if (Status started = startStep(choice); !started) stepResult_ = started.error().message;
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
    // The step's warnings (bad files, plugin messages), as the console would have printed them.
    const std::vector<std::string> messages = stepRunner_.messages();
    if (!messages.empty()) {
      ImGui::Separator();
      ImGui::TextColored(ImVec4(1.0F, 0.8F, 0.4F, 1.0F), "%zu messages", messages.size());
      const ImGuiStyle& style = ImGui::GetStyle();
      const float listed = ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(messages.size()) +
                           style.WindowPadding.y * 2 + style.ScrollbarSize;
      const float height = std::min(listed, ImGui::GetContentRegionAvail().y * 0.4F);
      ImGui::BeginChild("messages", ImVec2(0, height), true, ImGuiWindowFlags_HorizontalScrollbar);
      for (const std::string& message : messages) ImGui::TextUnformatted(message.c_str());
      ImGui::EndChild();
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

}  // namespace winnow::workbench
