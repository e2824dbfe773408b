// Which member of a near-duplicate cluster is kept, and why.
//
// Rule, criteria in order (the first that separates two candidates decides):
//  1. larger resolution (width x height, exact);
//  2. sharper: variance of the Laplacian higher by more than kSharpnessTolerance (relative);
//  3. better exposure: mean brightness closer to mid-grey (127.5) by more than
//     kExposureTolerance grey levels (a small brightness change is not a reason);
//  4. original over recompressed: lossless format (png, bmp, tiff, ppm, pgm) over lossy, then
//     more encoded bytes per pixel (a recompressed copy is smaller);
//  5. lowest sample id.
// The keeper is the candidate that no other beats; the reason names the criterion that decided
// against the closest rival, e.g. "largest resolution 600x600 vs 300x300 (sample 12)".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace winnow::dedupe {

inline constexpr double kSharpnessTolerance = 0.15;
inline constexpr double kExposureTolerance = 12.0;

struct KeeperCandidate {
  std::int64_t sampleId = 0;
  int width = 0;
  int height = 0;
  double sharpness = 0.0;
  double brightness = 0.0;
  std::int64_t byteSize = 0;
  std::string format;  // samples.format ("jpeg", "png", "video-frame", ...)
};

struct KeeperChoice {
  std::size_t index = 0;  // into the candidates
  std::string reason;
};

// candidates must not be empty.
KeeperChoice chooseKeeper(const std::vector<KeeperCandidate>& candidates);

}  // namespace winnow::dedupe
