// Merge and class report (the `report` step): per class, counts by source and by original label;
// mean image size per source; exact duplicates whose copy came from another source than the
// sample it repeats; near-duplicate clusters whose members span sources; and a warning for each
// class that comes almost entirely (>= source_dominance) from one source that the other classes
// do not come from, i.e. a model could learn the source instead of the class. Read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
Result<nlohmann::json> runReport(store::ProjectStore& store, plugin::PluginHost& host,
                                 const nlohmann::json& params, job::JobContext& job,
                                 std::optional<std::int64_t> runId);

// Human-readable rendering of runReport's JSON.
std::string formatClassReport(const nlohmann::json& report);

}  // namespace winnow::audit
