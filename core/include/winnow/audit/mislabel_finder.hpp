// Suspected mislabels (the `mislabels` step): out-of-fold k-nearest-neighbour disagreement. Each
// active, labelled sample is compared with its k nearest neighbours (cosine similarity) among the
// samples of the OTHER folds of a stratified k-fold split; its score is the similarity-weighted
// share of those neighbours whose label differs from its own, and the suggested label is the
// neighbours' weighted majority. Features: vectors from the embeddings table (the extractor with
// the most rows, or a named one) or, when there are none, a generic feature computed here:
// an 8x8 RGB thumbnail (mean-removed, L2-normalised) concatenated with a HOG descriptor
// (cv::HOGDescriptor, 64x64 grey window, 16 px blocks, 8 px cells, 9 bins; L2-normalised),
// the thumbnail weighted 0.5. Scores are stored as the measure "mislabel_score".
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
  double score = 0.0;            // weighted share of neighbours with another label, 0..1
  int suggestedLabel = -1;       // weighted majority label of the neighbours
  double suggestedShare = 0.0;   // its weighted share
};

// rows: one L2-normalised feature vector per sample (all the same length); labels 0..classes-1.
// Brute-force blocked search; O(n^2 d) time, O(block * n) memory.
std::vector<NeighbourVerdict> outOfFoldNeighbourDisagreement(
    const std::vector<std::vector<float>>& rows, const std::vector<int>& labels, int k, int folds,
    std::uint64_t seed);

// Params: schemas/steps/mislabels.schema.json. Returns {"feature", "k", "folds", "samples",
// "suspects" (score >= 0.5), "ranked": [{"id", "score", "label", "suggested_label",
// "suggested_share", "path"}] (top N, highest score first), "skipped"}.
Result<nlohmann::json> runMislabels(store::ProjectStore& store, plugin::PluginHost& host,
                                    const nlohmann::json& params, job::JobContext& job,
                                    std::optional<std::int64_t> runId);

}  // namespace winnow::audit
