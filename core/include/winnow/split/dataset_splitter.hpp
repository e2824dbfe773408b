// Split: assign every active sample to train/val(/test), stratified by class and disjoint by
// group (see sample_groups.hpp: duplicate clusters, lineage, identity, video, bursts).
//
// Contracts:
// - Whole groups go to one split. Groups are placed largest first (ties in a seeded order), each
//   into the split whose per-class deficit, weighted by the group's own class mix, is largest
//   (ties in a seeded order). Same store + params -> same split; another seed -> another split.
// - Splits are written with decisions (actor "split") in one transaction, so `winnow undo` works
//   and a failure changes nothing. Samples that are not active are left unassigned ('').
// - Before committing, the groups are recomputed from the store and checked: a group whose active
//   members are in different splits (or an active sample left unassigned) fails the whole run
//   with ErrorCode::Internal and nothing is written.
// - The summary reports target and achieved ratios per class, group statistics, and
//   "verified": true.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::split {

// params: see schemas/steps/split.schema.json (validated here, defaults filled). The plugin host
// is unused; the parameter keeps the operation convention shared by every pipeline step.
Result<nlohmann::json> runSplit(store::ProjectStore& store, plugin::PluginHost& host,
                                const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId);

}  // namespace winnow::split
