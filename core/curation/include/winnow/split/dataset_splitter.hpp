// Split: assign every active sample to train/val/test, stratified by class and disjoint by group
// (see sample_groups.hpp: duplicate clusters, lineage, identity, video, bursts).
//
// Contracts:
// - Ratios: exactly three (train, val, test), non-negative, summing to 100 or to 1; train > 0.
//   A zero ratio means that split stays empty by design.
// - Shipped splits (original_split "keep", the default): a sample ingested from a
//   train/valid/test folder tree keeps its shipped split ("valid", "validation", "val" -> val;
//   "training" -> train; "testing" -> test). The ratios apply to samples without one. A split
//   that nothing was shipped in (e.g. a train/test tree has no val) is carved from the shipped
//   train samples in the ratio train : missing splits, group-disjoint and stratified; the shipped
//   test and val samples stay where they were shipped. A group whose members were shipped in
//   different splits (a leak in the shipped data) goes whole to the split most of its members
//   were shipped in, ties to the most held-out one (test, then val); the count of such groups
//   and of moved samples is a warning. original_split "ignore" re-splits everything by ratio.
// - Augmented samples (balance children; augmented "train_only", the default) never go to val
//   or test: their ratios count real samples only; a group holding augmented samples goes to
//   train while train still needs samples of its classes; if its group lands in val/test anyway
//   (its parent is needed for evaluation), the augmented members are set aside (status
//   "balanced_out", a decision, undoable) since they may neither be evaluated nor trained on next
//   to their parent. augmented "any" treats them like real samples.
// - face_crops "<detector>": only samples with a face crop of that detector are split (the ones a
//   `--face-crops` export will write); the others are left unassigned, counted per class.
// - Whole groups go to one split. Groups are placed largest first (ties in a seeded order), each
//   into the split whose per-class deficit, weighted by the group's own class mix, is largest
//   (ties in a seeded order). Same store + params -> same split; another seed -> another split.
// - Splits are written with decisions (actor "split") in one transaction, so `winnow undo` works
//   and a failure changes nothing. Samples that are not active are left unassigned ('').
// - Before committing, the groups are recomputed from the store and checked: a group whose active
//   members are in different splits, an active sample left unassigned (other than those without
//   a face crop), or (train_only) an augmented sample in val/test fails the whole run with
//   ErrorCode::Internal and nothing is written.
// - The summary reports target and achieved ratios per class, group statistics, "verified": true,
//   "warnings" (a class with no samples in a split where other classes have some; groups
//   straddling shipped splits) and "notes" (what defaults did), and "result": "verified" or
//   "verified_with_warnings".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::split {

// The split names, in ratio order.
inline constexpr std::array<const char*, 3> kSplitNames = {"train", "val", "test"};

// Checks ratios as given by a user (exactly 3 non-negative numbers summing to 100 or to 1, train
// above 0) and returns them as fractions summing to 1. The error (InvalidArgument) is one line
// naming the problem, without a prefix.
Result<std::array<double, 3>> normalizedRatios(const std::vector<double>& ratios);

// Canonical name of a shipped split folder: "train" (train, training), "val" (val, valid,
// validation), "test" (test, testing), any case; "" for anything else.
std::string canonicalSplitName(const std::string& folderName);

// params: see schemas/steps/split.schema.json (resolved by pipeline::resolveStepParams, which
// also applies normalizedRatios' rules). Uses no plugin.
Result<nlohmann::json> runSplit(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId = {});

}  // namespace winnow::split
