// Assisted labelling: the tool proposes, the person confirms.
//
// suggestLabels() trains a fast classifier on the stored descriptors (table `embeddings`) of the
// labelled, non-rejected samples and proposes a label with a calibrated confidence for every
// unlabelled, non-rejected sample that has a descriptor. Suggestions are stored (table
// `suggestions`, schema 5), never applied: acceptSuggestions() applies the ones a person chose,
// each as a label decision (actor, reason naming the suggestion and its confidence) in one
// transaction, so `winnow undo -n <count>` reverts an acceptance exactly.
//
// Classifier: nearest class mean on the raw descriptors, softmax over negative squared
// distances with a temperature fitted by leave-one-out on the labelled samples (calibration: the
// temperature that minimises the label-smoothed leave-one-out negative log-likelihood). Closed
// set: every suggestion is one of the labelled classes, so name every person first (a person
// nobody has named yet is proposed as the nearest named one). Plain C++, deterministic,
// milliseconds for thousands of samples. See docs/faces.md ("Assisted labelling").
//
// Review order (loadSuggestions, SuggestionRun::suggestions): most uncertain first, i.e. ascending
// confidence (ties: ascending margin, then sample id). The review rank is stored with each row.
//
// Thread safety: none; one ProjectStore per thread, as everywhere in the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "winnow/review/decision_batch.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/store/suggestion_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::review {

struct SuggestOptions {
  std::string extractor;              // "" = the extractor with the most stored vectors
  std::optional<std::int64_t> runId;  // the `runs` row of this suggest, stored with each suggestion
};

// One stored suggestion for an unlabelled sample: sampleId, label, confidence (calibrated, 0..1),
// margin (over the runner-up), runnerUp, distance (to the class mean), reviewRank (1 = review
// first), extractor, method, runId, createdAt. Declared once, with the table, in the store layer.
using StoredSuggestion = store::SuggestionRecord;

struct SuggestionRun {
  std::string extractor;
  std::string method;              // "nearest_class_mean"
  std::size_t labelledSamples = 0;  // training samples used
  std::size_t classes = 0;
  std::size_t unlabelledWithoutDescriptor = 0;  // unlabelled, active samples no suggestion could cover
  double temperature = 0.0;        // fitted softmax temperature (on squared distances)
  double looAccuracy = 0.0;        // leave-one-out accuracy on the labelled samples, 0..1
  double looMeanConfidence = 0.0;  // mean leave-one-out confidence (calibration check: ~ accuracy)
  double seconds = 0.0;            // wall time of training + scoring + storing
  std::string order;               // "uncertainty" (most uncertain first)
  std::vector<StoredSuggestion> suggestions;  // as stored, in review order
};

// Trains, scores and stores (replacing every older suggestion) in one transaction.
// Errors (ErrorCode::InvalidArgument, one line each):
//   no stored descriptors ("... run winnow embed first"), fewer than 2 labelled classes with a
//   descriptor, no unlabelled sample with a descriptor (nothing to suggest).
Result<SuggestionRun> suggestLabels(store::ProjectStore& store, const SuggestOptions& options);

// Stored suggestions whose sample is still unlabelled and not rejected, in review order.
Result<std::vector<StoredSuggestion>> loadSuggestions(store::ProjectStore& store);

struct AcceptOutcome {
  std::vector<AppliedDecision> decisions;        // one per sample whose label changed
  std::vector<std::int64_t> skipped;             // ids given with no current suggestion
};

// Applies the stored suggestions of exactly these samples as label decisions, in one transaction
// (all or nothing), actor `actor`, reason "accepted suggestion <label> (confidence 0.93, margin
// 0.80, <extractor>)". Ids with no current suggestion (none stored, or the sample is labelled or
// rejected by now) are returned in `skipped`, not an error. Accepted rows leave the table.
Result<AcceptOutcome> acceptSuggestions(store::ProjectStore& store, const std::vector<std::int64_t>& sampleIds,
                                        const std::string& actor);

// acceptSuggestions() for every current suggestion whose confidence is >= minConfidence.
Result<AcceptOutcome> acceptSuggestionsAbove(store::ProjectStore& store, double minConfidence,
                                             const std::string& actor);

// ---- identity groups: the nearest named group ----

// The labelled class nearest to a group of (unlabelled) samples: the mean Euclidean distance
// between the group's descriptors and the class's (average linkage, the same scale as
// `winnow identities --max-distance`).
struct NearestNamedGroup {
  std::string label;
  double distance = 0.0;
  std::size_t namedSamples = 0;  // labelled samples of that class with a descriptor
};

// For each group (sample ids of `extractor`), the nearest labelled class; nullopt for a group
// with no descriptor or when no sample is labelled yet. When a group has unlabelled members, only
// they stand for the group; the group's own members never count as the class's.
Result<std::vector<std::optional<NearestNamedGroup>>> nearestNamedGroups(
    store::ProjectStore& store, const std::string& extractor,
    const std::vector<std::vector<std::int64_t>>& groups);

}  // namespace winnow::review
