// The Duplicates panel: near-duplicate clusters side by side with every member's class, size,
// format, quality and hash distances; keeper changes and not-duplicate marks, and label conflicts
// resolved in place (reject or relabel a member, or keep all as reviewed).
#pragma once

#include <cstdint>
#include <vector>

#include "winnow/dedupe/dupes.hpp"
#include "winnow/workbench/workbench_script.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class DuplicatesPanel {
 public:
  // Reads the stored clusters.
  explicit DuplicatesPanel(WorkbenchContext& context);

  void draw();
  // Once per frame, after a finished step was taken: the clusters are read again when a step
  // has finished since (it may have rewritten them).
  void followFinishedSteps();
  // Script commands of this panel: cluster <index>, keeper <id>, not-duplicate <a> <b>, keep-all.
  // An error's message says why the command cannot be done.
  Status runScriptCommand(const ScriptStep& step);

 private:
  void reloadClusters();
  // After a stored change: the clusters and the catalogue are read again.
  void reloadAfterChange();

  WorkbenchContext& context_;
  std::vector<dedupe::DuplicateCluster> clusters_;
  std::size_t clusterShown_ = 0;
  bool conflictsOnly_ = false;  // list label-conflict clusters only
  std::uint64_t stepsSeen_ = 0;  // context's stepsFinished() when the clusters were read
};

}  // namespace winnow::workbench
