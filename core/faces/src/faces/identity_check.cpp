// runIdentityCheck: how well stored embeddings separate the labelled people.
#include <algorithm>
#include <cmath>
#include <map>

#include "winnow/config/schema_files.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/plot/charts.hpp"
#include "winnow/store/embedding_queries.hpp"
#include "winnow/util/atomic_file.hpp"

namespace winnow::faces {

namespace {

struct Stats {
  double mean = 0, median = 0, min = 0, max = 0;
};

Stats statsOf(std::vector<float> values) {
  Stats s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (float v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  s.median = values[values.size() / 2];
  s.min = values.front();
  s.max = values.back();
  return s;
}

nlohmann::json toJson(const Stats& s, std::size_t count) {
  return {{"pairs", count}, {"mean", s.mean}, {"median", s.median}, {"min", s.min}, {"max", s.max}};
}

// Two normalised histograms (same person in green, different people in red) with the chosen
// threshold, as a PNG.
Status drawHistograms(const std::filesystem::path& path, const std::vector<float>& same,
                      const std::vector<float>& different, double threshold, const std::string& title) {
  const std::vector<double> sameValues(same.begin(), same.end()), differentValues(different.begin(), different.end());
  char thresholdText[64];
  std::snprintf(thresholdText, sizeof thresholdText, "threshold %.3f", threshold);
  return plot::writeHistogramPng(path, title, "Euclidean distance between embeddings",
                                 {{"same person (" + std::to_string(same.size()) + " pairs)", sameValues,
                                   plot::Colour{0.0, 0.62, 0.45}},
                                  {"different people (" + std::to_string(different.size()) + ")", differentValues,
                                   plot::Colour{0.84, 0.37, 0.0}}},
                                 {{threshold, thresholdText}});
}

}  // namespace

Result<nlohmann::json> runIdentityCheck(store::ProjectStore& store, const nlohmann::json& rawParams,
                                        job::JobContext& job, std::optional<std::int64_t> /*runId*/) {
  auto resolved = config::resolveStepSchemaParams("identity", rawParams);
  if (!resolved) return resolved.error();
  const nlohmann::json& params = *resolved;
  const std::string extractor = params["extractor"].get<std::string>();
  const store::EmbeddingQuery query{extractor, store::EmbeddedSamples::ActiveLabelled, store::EmbeddingOrder::BySampleId,
                                    params["max_samples"].get<std::int64_t>()};
  auto rows = store::readEmbeddings(store, query);
  if (!rows) return rows.error();
  std::vector<std::string> labels;
  std::vector<std::vector<float>> vectors;
  for (store::EmbeddingRow& row : rows->rows) {
    if (!vectors.empty() && vectors.front().size() != row.values.size()) continue;
    vectors.push_back(std::move(row.values));
    labels.push_back(std::move(*row.label));  // ActiveLabelled: the label is never NULL
  }
  const std::size_t n = vectors.size();
  if (n < 2) {
    return makeError(ErrorCode::InvalidArgument,
                     "identity check needs at least 2 labelled samples with '" + extractor +
                         "' embeddings (run 'winnow embed' first); found " + std::to_string(n));
  }
  job.begin("identity check", static_cast<std::int64_t>(n));
  std::vector<float> same, different;
  std::vector<float> nearest(n, 1e30F);
  std::vector<std::size_t> nearestIndex(n, 0);
  for (std::size_t i = 0; i < n && !job.cancelled(); ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      double d2 = 0;
      for (std::size_t k = 0; k < vectors[i].size(); ++k) {
        const double diff = vectors[i][k] - vectors[j][k];
        d2 += diff * diff;
      }
      const auto d = static_cast<float>(std::sqrt(d2));
      (labels[i] == labels[j] ? same : different).push_back(d);
      if (d < nearest[i]) nearest[i] = d, nearestIndex[i] = j;
      if (d < nearest[j]) nearest[j] = d, nearestIndex[j] = i;
    }
    job.advance();
  }
  job.finish();
  if (job.cancelled()) return nlohmann::json{{"cancelled", true}};
  std::map<std::string, std::pair<int, int>> perClass;  // correct, total
  int correct = 0;
  nlohmann::json confusions = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) {
    const bool ok = labels[nearestIndex[i]] == labels[i];
    correct += ok ? 1 : 0;
    auto& entry = perClass[labels[i]];
    entry.first += ok ? 1 : 0;
    entry.second += 1;
  }
  // Threshold with the fewest pair errors (same pairs above it + different pairs at or below).
  std::vector<std::pair<float, bool>> all;
  all.reserve(same.size() + different.size());
  for (float d : same) all.emplace_back(d, true);
  for (float d : different) all.emplace_back(d, false);
  std::sort(all.begin(), all.end());
  std::size_t sameBelow = 0, differentBelow = 0;
  std::size_t bestErrors = same.size();  // threshold below everything
  double bestThreshold = all.empty() ? 0.0 : all.front().first;
  for (std::size_t i = 0; i < all.size(); ++i) {
    (all[i].second ? sameBelow : differentBelow) += 1;
    if (i + 1 < all.size() && all[i + 1].first == all[i].first) continue;
    const std::size_t errors = (same.size() - sameBelow) + differentBelow;
    if (errors < bestErrors) {
      bestErrors = errors;
      bestThreshold = i + 1 < all.size() ? (all[i].first + all[i + 1].first) / 2.0 : all[i].first;
    }
  }
  auto errorsAt = [&](double threshold) {
    std::size_t errors = 0;
    for (float d : same) errors += d > threshold ? 1 : 0;
    for (float d : different) errors += d <= threshold ? 1 : 0;
    return errors;
  };
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [label, counts] : perClass) {
    classes[label] = {{"samples", counts.second},
                      {"nearest_neighbour_accuracy", static_cast<double>(counts.first) / counts.second}};
  }
  const double pairs = static_cast<double>(all.size());
  nlohmann::json result = {
      {"extractor", extractor},
      {"samples", n},
      {"identities", perClass.size()},
      {"dimension", vectors.front().size()},
      {"nearest_neighbour_loo_accuracy", static_cast<double>(correct) / static_cast<double>(n)},
      {"same_person", toJson(statsOf(same), same.size())},
      {"different_people", toJson(statsOf(different), different.size())},
      {"best_threshold", bestThreshold},
      {"pair_accuracy_at_best_threshold", pairs > 0 ? 1.0 - bestErrors / pairs : 0.0},
      {"pair_accuracy_at_0_6", pairs > 0 ? 1.0 - errorsAt(0.6) / pairs : 0.0},
      {"classes", classes},
      {"cancelled", false}};
  const std::string png = params["png"].get<std::string>();
  if (!png.empty()) {
    char title[160];
    std::snprintf(title, sizeof title, "%s: %zu samples, %zu identities, 1-NN leave-one-out accuracy %.2f%%",
                  extractor.c_str(), n, perClass.size(), 100.0 * correct / static_cast<double>(n));
    if (Status drawn = drawHistograms(png, same, different, bestThreshold, title); !drawn) return drawn.error();
    result["png"] = png;
  }
  return result;
}

}  // namespace winnow::faces
