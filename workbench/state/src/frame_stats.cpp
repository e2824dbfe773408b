#include "winnow/workbench/frame_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace winnow::workbench {

FrameSummary summariseFrames(std::vector<double> frameMs) {
  FrameSummary summary;
  if (frameMs.empty()) return summary;
  std::sort(frameMs.begin(), frameMs.end());
  auto rank = [&](double fraction) {
    const auto index = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(frameMs.size())));
    return frameMs[std::min(frameMs.size() - 1, index == 0 ? 0 : index - 1)];
  };
  summary.frames = frameMs.size();
  summary.medianMs = rank(0.5);
  summary.p95Ms = rank(0.95);
  summary.maxMs = frameMs.back();
  summary.meanMs = std::accumulate(frameMs.begin(), frameMs.end(), 0.0) / static_cast<double>(frameMs.size());
  return summary;
}

nlohmann::json toJson(const FrameSummary& summary) {
  return {{"frames", summary.frames},
          {"median_ms", summary.medianMs},
          {"p95_ms", summary.p95Ms},
          {"max_ms", summary.maxMs},
          {"mean_ms", summary.meanMs}};
}

}  // namespace winnow::workbench
