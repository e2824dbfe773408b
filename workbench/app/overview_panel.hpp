// The Overview panel: sample counts per class, source, split and status, and stacked bar charts
// of class balance per split and per source. Counts are recomputed when the catalogue changes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "workbench_context.hpp"

namespace winnow::workbench {

class OverviewPanel {
 public:
  explicit OverviewPanel(WorkbenchContext& context) : context_(context) {}

  void draw();

 private:
  // Counts of active samples (byStatus counts all).
  struct Counts {
    std::map<std::string, std::int64_t> byLabel, bySource, bySplit, byStatus;
    std::map<std::string, std::map<std::string, std::int64_t>> labelBySplit, labelBySource;
  };

  WorkbenchContext& context_;
  Counts counts_;
  std::optional<std::uint64_t> countedRevision_;  // the catalogue revision counts_ was made from
};

}  // namespace winnow::workbench
