// Frame-time statistics for --frame-stats: every frame's CPU time from the start of the frame
// to the end of the buffer swap, in milliseconds.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/util/result.hpp"

namespace winnow::workbench {

struct FrameSummary {
  std::size_t frames = 0;
  double medianMs = 0.0;
  double p95Ms = 0.0;
  double maxMs = 0.0;
  double meanMs = 0.0;
};

// Nearest-rank percentiles over the given frame times; all zero for an empty list.
FrameSummary summariseFrames(std::vector<double> frameMs);

nlohmann::json toJson(const FrameSummary& summary);

}  // namespace winnow::workbench
