#include "winnow/dedupe/keeper_rule.hpp"

#include <cmath>
#include <cstdio>

namespace winnow::dedupe {

namespace {

enum class Criterion { Invalid = 0, Resolution, Sharpness, Exposure, Lossless, BytesPerPixel, Id };

bool isLossless(const std::string& format) {
  return format == "png" || format == "bmp" || format == "tiff" || format == "ppm" ||
         format == "pgm" || format == "video-frame";  // frames are stored as PNG
}

double bytesPerPixel(const KeeperCandidate& c) {
  const double pixels = static_cast<double>(c.width) * static_cast<double>(c.height);
  return pixels > 0 ? static_cast<double>(c.byteSize) / pixels : 0.0;
}

// > 0 when a is better than b, < 0 when worse, 0 when tied; `decided` names the criterion.
int compare(const KeeperCandidate& a, const KeeperCandidate& b, Criterion& decided) {
  const std::int64_t pixelsA = std::int64_t{a.width} * a.height;
  const std::int64_t pixelsB = std::int64_t{b.width} * b.height;
  decided = Criterion::Resolution;
  if (pixelsA != pixelsB) return pixelsA > pixelsB ? 1 : -1;
  decided = Criterion::Sharpness;
  if (a.sharpness > b.sharpness * (1.0 + kSharpnessTolerance)) return 1;
  if (b.sharpness > a.sharpness * (1.0 + kSharpnessTolerance)) return -1;
  decided = Criterion::Exposure;
  const double offA = std::fabs(a.brightness - 127.5);
  const double offB = std::fabs(b.brightness - 127.5);
  if (offA + kExposureTolerance < offB) return 1;
  if (offB + kExposureTolerance < offA) return -1;
  decided = Criterion::Lossless;
  if (isLossless(a.format) != isLossless(b.format)) return isLossless(a.format) ? 1 : -1;
  decided = Criterion::BytesPerPixel;
  if (a.byteSize * pixelsB != b.byteSize * pixelsA) {
    return bytesPerPixel(a) > bytesPerPixel(b) ? 1 : -1;
  }
  decided = Criterion::Id;
  if (a.sampleId != b.sampleId) return a.sampleId < b.sampleId ? 1 : -1;
  return 0;
}

std::string describe(Criterion criterion, const KeeperCandidate& k, const KeeperCandidate& r) {
  char text[256];
  switch (criterion) {
    case Criterion::Resolution:
      std::snprintf(text, sizeof text, "largest resolution %dx%d vs %dx%d", k.width, k.height,
                    r.width, r.height);
      break;
    case Criterion::Sharpness:
      std::snprintf(text, sizeof text, "sharpest (Laplacian variance %.1f vs %.1f)", k.sharpness,
                    r.sharpness);
      break;
    case Criterion::Exposure:
      std::snprintf(text, sizeof text, "best exposure (mean brightness %.1f vs %.1f)",
                    k.brightness, r.brightness);
      break;
    case Criterion::Lossless:
      std::snprintf(text, sizeof text, "original over recompressed (%s over %s)",
                    k.format.c_str(), r.format.c_str());
      break;
    case Criterion::BytesPerPixel:
      std::snprintf(text, sizeof text, "original over recompressed (%.3f vs %.3f bytes/pixel)",
                    bytesPerPixel(k), bytesPerPixel(r));
      break;
    default:
      std::snprintf(text, sizeof text, "lowest id (tie on resolution, sharpness, exposure, encoding)");
      break;
  }
  return std::string(text) + " (sample " + std::to_string(r.sampleId) + ")";
}

}  // namespace

KeeperChoice chooseKeeper(const std::vector<KeeperCandidate>& candidates) {
  KeeperChoice choice;
  if (candidates.size() < 2) {
    choice.reason = "only member";
    return choice;
  }
  Criterion decided = Criterion::Invalid;
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    if (compare(candidates[i], candidates[choice.index], decided) > 0) choice.index = i;
  }
  // The closest rival is the one beaten on the latest criterion.
  std::size_t rival = choice.index == 0 ? 1 : 0;
  Criterion latest = Criterion::Invalid;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (i == choice.index) continue;
    compare(candidates[choice.index], candidates[i], decided);
    if (static_cast<int>(decided) > static_cast<int>(latest)) {
      latest = decided;
      rival = i;
    }
  }
  choice.reason = describe(latest, candidates[choice.index], candidates[rival]);
  return choice;
}

}  // namespace winnow::dedupe
