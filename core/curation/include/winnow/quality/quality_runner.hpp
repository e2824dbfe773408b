// Quality measures and flags for every sample of a project (the `quality` step).
//
// Measures (table sample_measures, one row per sample and name): blur, brightness, contrast,
// colourfulness, colour_cast, colour_cast_a, colour_cast_b, colour_cast_ratio, jpeg_quality (-1 when
// not a JPEG), width, height, min_side, aspect_ratio, has_exif, bytes_per_pixel; and, recomputed on
// every run from the faces table, face_area_ratio (largest face box area / image area). Face counts
// come from the face detector's "face_count[:<detector>]" measures (0 = it ran and found none), or
// the faces table's rows. Pixel measures are computed once per sample (incremental: a sample that already has them
// is not decoded again) on worker threads; the store is written by the calling thread only.
//
// Flags (table sample_flags: value and the threshold it crossed) are recomputed from the measures
// on every run: blurry, too_dark, too_bright, low_resolution, grey_in_colour_set, colour_cast,
// no_face, several_faces. Thresholds are the step parameters (schemas/steps/quality.schema.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::quality {

// Names of the flags runQuality() owns, in report order.
const std::vector<std::string>& qualityFlagNames();

struct MeasureRunSummary {
  std::int64_t measured = 0;        // samples decoded and measured in this run
  std::int64_t alreadyMeasured = 0; // skipped: measures present
  std::int64_t failed = 0;          // unreadable / undecodable (warned, skipped)
  bool cancelled = false;
};

// Computes the pixel measures of samples that lack them (all statuses). threads: 0 = one per core.
// Bad files are warned through the job and skipped; cancel stops between committed batches.
Result<MeasureRunSummary> measureMissingSamples(store::ProjectStore& store, int threads,
                                                job::JobContext& job, bool recompute = false);

// The quality step (params resolved by pipeline::resolveStepParams against
// schemas/steps/quality.schema.json): measures what is missing, refreshes face measures and all
// quality flags. Returns {"measured", "already_measured", "failed", "cancelled", "thresholds",
// "flags": {flag: count}, "worst": {flag: [{id, value, label, path}]}}.
Result<nlohmann::json> runQuality(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                  std::optional<std::int64_t> runId = {});

struct RankedSample {
  std::int64_t sampleId = 0;
  double value = 0.0;
  std::optional<double> threshold;  // set for flags
  std::optional<std::string> label;
  std::string source;
  std::string status;
  std::string path;
};

// Samples carrying `flag`, sorted by its value (ascending unless descending); limit 0 = all.
Result<std::vector<RankedSample>> listFlagged(const store::ProjectStore& store,
                                              const std::string& flag, bool descending, int limit);
// All samples having measure `name`, sorted by value.
Result<std::vector<RankedSample>> listByMeasure(const store::ProjectStore& store,
                                                const std::string& name, bool descending, int limit);

}  // namespace winnow::quality
