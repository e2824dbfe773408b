// The Plugins panel: loaded and rejected plugins with the reason for each rejection, and a
// pipeline step run in the background with a form generated from its JSON Schema (every
// registered step; export once per exporter capability, with the exporter's schema as its form),
// a progress bar and Cancel.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/workbench/schema_form.hpp"
#include "winnow/workbench/step_runner.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class PluginsPanel {
 public:
  // Lists the steps to offer (this builds the plugin host: its exporters are steps too).
  explicit PluginsPanel(WorkbenchContext& context);

  void draw();
  // Once per frame: a finished step's result is shown, the catalogue reloaded, the thumbnails
  // dropped (the step may have rewritten them) and the context's stepsFinished() counted on.
  void takeFinishedStep();
  // Script: runs the step `name` ("quality"; "export:hdf5" for an exporter) with its form's
  // defaults, as choosing it and pressing Run does.
  Status startScriptStep(const std::string& name);
  bool stepRunning() const { return stepRunner_.running(); }

 private:
  struct StepChoice {
    std::string step;
    std::string capability;  // export: the exporter
    std::string title;
    nlohmann::json schema;
  };

  Status startStep(const StepChoice& choice);

  WorkbenchContext& context_;
  std::vector<StepChoice> stepChoices_;
  int stepChoice_ = -1;
  SchemaForm form_;
  std::string exportOutput_ = "export-out";
  StepRunner stepRunner_;
  std::string stepResult_;
};

}  // namespace winnow::workbench
