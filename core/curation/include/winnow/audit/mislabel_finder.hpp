// Suspected mislabels (the `mislabels` step): k-nearest-neighbour disagreement, measured.
//
// Each active, labelled sample is compared with its k nearest neighbours (cosine similarity of
// L2-normalised features) among the other samples (leave-one-out; or, with folds >= 2, only among
// the samples of the other folds of a stratified split). Neighbour votes are weighted by
// 1 + similarity. For a class c, let s_c be its weighted vote share and p_c its share of the
// candidate neighbours (what an uninformative feature would give). Its lift above chance is
// (s_c - p_c) / (1 - p_c), at most s_c, so a tiny class is never amplified. The score of a sample
// is the lift of the best other class minus the positive part of its own class's lift, clamped
// to 0..1; that class is the suggested label. A sample is flagged when its score reaches
// `min_score` (default 0.5), the suggested class holds a weighted majority of the neighbours, and
// that many neighbours of the suggested class would arise by chance (binomial, k draws at its
// chance share) with probability at most `max_chance_probability` (default 0.01). Both
// corrections keep a feature that cannot tell the classes apart from flagging a minority class
// wholesale: with k = 10 on a 70/30 set, 10 of 10 majority neighbours happen by chance 2.8% of the
// time and are not flagged; among 24 people, 6 of 10 from one other person is a 1e-6 event.
//
// Measured (tests/audit/mislabel_embedding_test.cpp, docs/mislabels.md): celeb24 face
// descriptors with 5% of the labels flipped, precision and recall at k = number of flips.
//
// Features: vectors from the embeddings table (the extractor with the most rows, or a named one)
// when they cover at least half of the labelled samples; otherwise a generic feature computed
// here: an 8x8 RGB thumbnail (mean-removed, L2-normalised) concatenated with a HOG descriptor
// (cv::HOGDescriptor, 64x64 grey window, 16 px blocks, 8 px cells, 9 bins; L2-normalised), the
// thumbnail weighted 0.5. The result names the feature and why it was chosen. Scores are stored as
// the measure "mislabel_score".
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

struct NeighbourVerdict {
  double score = 0.0;            // chance-corrected disagreement, 0..1 (see above)
  int suggestedLabel = -1;       // the other class with the highest lift; -1 when none voted
  double suggestedShare = 0.0;   // its weighted vote share, 0..1
  double ownShare = 0.0;         // the sample's own label's weighted vote share, 0..1
  bool ownIsMajority = false;    // own label has the highest weighted vote (ties count as agreement)
  double chanceProbability = 1.0;  // P(at least this many neighbours of the suggested class by chance)
  std::vector<int> neighbours;   // row indices of the neighbours, nearest first
};

// rows: one L2-normalised feature vector per sample (all the same length); labels 0..classes-1.
// folds < 2: leave-one-out. Brute-force blocked search; O(n^2 d) time, O(block * n) memory.
std::vector<NeighbourVerdict> outOfFoldNeighbourDisagreement(
    const std::vector<std::vector<float>>& rows, const std::vector<int>& labels, int k, int folds,
    std::uint64_t seed);

// Params: schemas/steps/mislabels.schema.json. Returns {"feature", "feature_note", "k", "folds",
// "samples", "classes", "skipped", "min_score", "max_chance_probability", "flagged" (and its old
// name "suspects"),
// "neighbour_agreement" (share of samples whose own label wins the neighbour vote),
// "majority_baseline", "warnings": [..], "ranked": [{"id", "score", "flagged", "label",
// "suggested_label", "suggested_share", "own_share", "chance_probability", "neighbours":
// [{"label", "count"}], "path"}]
// (the top N by score, flagged or not, highest first)}.
Result<nlohmann::json> runMislabels(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                    std::optional<std::int64_t> runId = {});

}  // namespace winnow::audit
