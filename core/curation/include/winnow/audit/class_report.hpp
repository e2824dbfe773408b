// Merge and class report (the `report` step): per class, counts by source and by original label;
// mean image size per source; exact duplicates whose copy came from another source than the
// sample it repeats; near-duplicate clusters whose members span sources; and a warning for each
// class that comes almost entirely (>= source_dominance) from one source that the other classes
// do not come from, i.e. a model could learn the source instead of the class. Read-only.
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

namespace winnow::audit {

// Params: schemas/steps/report.schema.json. Returns {"classes": {label: {"total", "by_source",
// "by_original_label"}}, "sources": {name: {"samples", "mean_width", "mean_height",
// "mean_megapixels"}}, "exact_duplicates": {"total", "cross_source", "pairs": [...]},
// "near_duplicate_clusters": {"total", "cross_source", "by_method"}, "warnings": [...]}.
Result<nlohmann::json> runReport(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                 std::optional<std::int64_t> runId = {});

// One finding of source dominance: `label` comes `share` from `source`, the other classes
// `otherShare` from it.
struct SourceDominanceFinding {
  std::string label;
  std::string source;
  double share = 0.0;
  double otherShare = 0.0;
};

// Source as a shortcut, measured once for `report` and `audit` so the two never disagree:
// the composition findings (classes coming >= dominance from a source the others do not) and the
// cross-validated AUC of the source alone as a predictor of the label (the audit's one-feature
// classifier, kAuditFolds folds, kAuditSeed). Only labelled samples count.
inline constexpr double kDefaultSourceDominance = 0.9;  // = report.schema.json's default
inline constexpr double kDefaultShortcutAuc = 0.85;     // = audit.schema.json's default
inline constexpr int kAuditFolds = 5;
inline constexpr std::uint64_t kAuditSeed = 42;

struct SourceDominance {
  std::vector<SourceDominanceFinding> findings;
  double sourceAuc = 0.5;  // 0.5 when fewer than two classes or sources
  std::int64_t samples = 0;
};
SourceDominance measureSourceDominance(const std::vector<store::SampleRecord>& samples, double dominance);

// One line about a finding, worded by the AUC: "WARNING: ..." when the source alone reaches
// aucThreshold (a shortcut, as `audit` flags it), "note: ..." when it only partly predicts.
std::string describeSourceDominance(const SourceDominanceFinding& finding, double sourceAuc,
                                    double aucThreshold);

// Human-readable rendering of runReport's JSON.
std::string formatClassReport(const nlohmann::json& report);

}  // namespace winnow::audit
