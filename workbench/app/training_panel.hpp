// The Training panel: learning curves (train and val loss and accuracy) and the confusion matrix
// of a training run; clicking a cell filters the grid to that cell's test samples (when the run's
// report lists per-sample predictions) and asks for the Grid panel.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "winnow/workbench/training_run.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class TrainingPanel {
 public:
  // Lists the project's runs (<project>/runs/*), `extraRun` first when given, and reads the first.
  TrainingPanel(WorkbenchContext& context, const std::optional<std::filesystem::path>& extraRun);

  void draw();

 private:
  WorkbenchContext& context_;
  std::vector<std::filesystem::path> runs_;
  int runChoice_ = 0;
  std::optional<TrainingRun> run_;
};

}  // namespace winnow::workbench
