// Shortcut audit (the `audit` step): for each nuisance property of the active, labelled samples —
// original width, height, aspect ratio, crop tightness (largest face box area / image area, from
// the faces table), brightness, sharpness, JPEG quality estimate, has-EXIF, file bytes per pixel,
// file format, source — how well that property ALONE predicts the label: stratified k-fold
// cross-validated one-feature classifier (audit/one_feature_classifier.hpp), reporting macro
// one-vs-rest AUC and balanced accuracy against the majority baseline. A property whose AUC
// reaches the threshold is flagged as a likely shortcut with a one-line explanation.
// Missing pixel measures are computed first (quality::measureMissingSamples), unless disabled.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::audit {

// Params: schemas/steps/audit.schema.json. Returns {"classes", "samples", "baseline",
// "properties": [{"name", "kind", "samples", "auc", "balanced_accuracy", "flagged",
// "explanation"}], "skipped": [{"name", "reason"}], "flagged": [names], "auc_threshold"}.
Result<nlohmann::json> runAudit(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId = {});

}  // namespace winnow::audit
