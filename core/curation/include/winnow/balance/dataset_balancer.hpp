// Balance: ask a balancer plugin for a plan per class and apply it to the project store.
//
// Contracts:
// - Input: active, labelled samples, grouped by label. Scope "train" (the default): only those in
//   split "train"; while no active labelled sample has a split yet, all of them (the children
//   then follow their parent's group when `winnow split` runs, which keeps augmented samples in
//   train: val and test stay real). Scope "all": every sample, val/test included (their children
//   inherit val/test). The summary's "notes" say which applied, "augmented_by_split" where the
//   children went; each class carries its samples' perceptual-hash bits (64 floats of 0/1) as
//   features when every sample of the class has a row in sample_hashes.
// - Undersample: samples not kept get status "balanced_out" through decisions (actor "balance"),
//   so `winnow undo` restores them, and export and split skip them.
// - Oversample: no copies (content hashes are unique); each sample of the class gets
//   sample_measures "repeat_count" (times it should appear; 1 = once) for exporters and trainers.
// - Augment: each planned child is the parent's EXIF-oriented pixels run through an augmenter
//   capability (default "chain"), stored as PNG at <project>/augmented/<parent hash prefix>/
//   <seed>.png (atomic write) and inserted as a sample (format "augmented", parent's source,
//   labels, split and identity) plus a lineage row (parent, augmenter id, its params with
//   defaults, seed, run id). The child is inserted as "balanced_out" and activated by a decision,
//   so undo deactivates it. Children of children are never made: a planned child parent is
//   replaced by its root parent. Seeds derive from (seed, parent id, ordinal), so re-running
//   after an undo re-activates the same children instead of stacking new ones, and existing
//   active children count towards their class.
// - Class weights: reported in the summary ("class_weights"), which the caller stores in the run.
// - Work is committed in batches; a cancel stops between batches with the store consistent.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::balance {

// Status of samples removed by undersampling (and of augmented children that were undone).
inline constexpr const char* kStatusBalancedOut = "balanced_out";
// sample_measures name of an oversampled sample's repeat count.
inline constexpr const char* kRepeatCountMeasure = "repeat_count";
// Format of augmented children and the folder (under the project) that holds their PNGs.
inline constexpr const char* kAugmentedFormat = "augmented";
inline constexpr const char* kAugmentedFolder = "augmented";

// params: see schemas/steps/balance.schema.json (resolved by pipeline::resolveStepParams).
Result<nlohmann::json> runBalance(store::ProjectStore& store, plugin::PluginHost& host,
                                  const nlohmann::json& params, job::JobContext& job,
                                  std::optional<std::int64_t> runId);

}  // namespace winnow::balance
