#include "winnow/audit/mislabel_finder.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "winnow/image/cv_image.hpp"
#include "quality/curation_support.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/audit/one_feature_classifier.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/store/audit_queries.hpp"
#include "winnow/store/embedding_queries.hpp"

namespace winnow::audit {

namespace {

constexpr int kBlockRows = 512;
constexpr const char* kGenericFeatureName = "generic:rgb8x8+hog64";

void normalise(std::vector<float>& values) {
  double norm = 0.0;
  for (float v : values) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (norm <= 1e-12) return;
  for (float& v : values) v = static_cast<float>(v / norm);
}

// The generic feature of one image; empty on failure.
std::vector<float> genericFeature(const Image& image) {
  const cv::Mat rgb = image::asMat(image);
  cv::Mat thumb;
  cv::resize(rgb, thumb, cv::Size(8, 8), 0, 0, cv::INTER_AREA);
  std::vector<float> colour;
  colour.reserve(192);
  for (int y = 0; y < 8; ++y) {
    const auto* row = thumb.ptr<std::uint8_t>(y);
    for (int x = 0; x < 24; ++x) colour.push_back(static_cast<float>(row[x]));
  }
  double mean = 0.0;
  for (float v : colour) mean += v;
  mean /= static_cast<double>(colour.size());
  for (float& v : colour) v = static_cast<float>(v - mean);
  normalise(colour);

  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::Mat window;
  cv::resize(grey, window, cv::Size(64, 64), 0, 0,
             grey.cols > 64 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::HOGDescriptor hog(cv::Size(64, 64), cv::Size(16, 16), cv::Size(8, 8), cv::Size(8, 8), 9);
  std::vector<float> gradients;
  hog.compute(window, gradients);
  normalise(gradients);

  std::vector<float> feature;
  feature.reserve(colour.size() + gradients.size());
  for (float v : colour) feature.push_back(0.5f * v);
  feature.insert(feature.end(), gradients.begin(), gradients.end());
  normalise(feature);
  return feature;
}

// P(X >= successes) for X ~ Binomial(trials, probability): how often a feature that knows nothing
// would give the suggested class this many of the neighbours.
double binomialUpperTail(int trials, int successes, double probability) {
  if (successes <= 0) return 1.0;
  if (probability <= 0.0) return 0.0;
  if (probability >= 1.0) return 1.0;
  double tail = 0.0;
  for (int x = successes; x <= trials; ++x) {
    const double logTerm = std::lgamma(trials + 1.0) - std::lgamma(x + 1.0) - std::lgamma(trials - x + 1.0) +
                           x * std::log(probability) + (trials - x) * std::log1p(-probability);
    tail += std::exp(logTerm);
  }
  return std::min(1.0, tail);
}

struct EmbeddingSet {
  std::string extractor;
  std::map<std::int64_t, std::vector<float>> vectors;
};

Result<EmbeddingSet> readEmbeddings(const store::ProjectStore& store, std::string extractor) {
  EmbeddingSet set;
  if (extractor.empty()) {
    auto extractors = store::embeddingExtractors(store, store::ExtractorOrder::MostEmbeddingsFirst);
    if (!extractors) return extractors.error();
    if (extractors->empty()) return set;
    extractor = extractors->front();
  }
  set.extractor = extractor;
  const store::EmbeddingQuery query{extractor, store::EmbeddedSamples::All, store::EmbeddingOrder::TableOrder};
  auto stored = store::readEmbeddings(store, query);
  if (!stored) return stored.error();
  std::size_t dimension = 0;
  for (store::EmbeddingRow& row : stored->rows) {
    if (dimension == 0) dimension = row.values.size();
    if (row.values.size() != dimension) continue;
    bool finite = true;
    for (float v : row.values) finite = finite && std::isfinite(v);
    if (!finite) continue;
    normalise(row.values);
    set.vectors[row.sampleId] = std::move(row.values);
  }
  return set;
}

}  // namespace

std::vector<NeighbourVerdict> outOfFoldNeighbourDisagreement(
    const std::vector<std::vector<float>>& rows, const std::vector<int>& labels, int k, int folds,
    std::uint64_t seed) {
  const int n = static_cast<int>(rows.size());
  std::vector<NeighbourVerdict> verdicts(rows.size());
  if (n < 2 || rows[0].empty()) return verdicts;
  const int dimension = static_cast<int>(rows[0].size());
  cv::Mat features(n, dimension, CV_32F);
  for (int i = 0; i < n; ++i) {
    std::memcpy(features.ptr<float>(i), rows[static_cast<std::size_t>(i)].data(),
                sizeof(float) * static_cast<std::size_t>(dimension));
  }
  const bool leaveOneOut = folds < 2;
  const std::vector<int> fold = leaveOneOut ? std::vector<int>(rows.size(), 0)
                                            : stratifiedFolds(labels, folds, seed);
  int classCount = 0;
  for (int label : labels) classCount = std::max(classCount, label + 1);
  const auto classes = static_cast<std::size_t>(classCount);
  // Class sizes overall and per fold: the chance share of a class among a sample's candidates.
  int foldCount = 1;
  for (int f : fold) foldCount = std::max(foldCount, f + 1);
  std::vector<double> classSize(classes, 0.0);
  std::vector<std::vector<double>> classSizeInFold(static_cast<std::size_t>(foldCount),
                                                   std::vector<double>(classes, 0.0));
  for (int i = 0; i < n; ++i) {
    const auto label = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
    classSize[label] += 1.0;
    classSizeInFold[static_cast<std::size_t>(fold[static_cast<std::size_t>(i)])][label] += 1.0;
  }

  std::vector<std::pair<float, int>> candidates;
  std::vector<double> votes(classes, 0.0);
  std::vector<double> chance(classes, 0.0);
  for (int start = 0; start < n; start += kBlockRows) {
    const int count = std::min(kBlockRows, n - start);
    cv::Mat similarity;
    cv::gemm(features.rowRange(start, start + count), features, 1.0, cv::noArray(), 0.0,
             similarity, cv::GEMM_2_T);
    for (int r = 0; r < count; ++r) {
      const int i = start + r;
      const auto self = static_cast<std::size_t>(i);
      const float* sims = similarity.ptr<float>(r);
      candidates.clear();
      for (int j = 0; j < n; ++j) {
        if (j == i || (!leaveOneOut && fold[static_cast<std::size_t>(j)] == fold[self])) continue;
        candidates.emplace_back(sims[j], j);
      }
      const int take = std::min<int>(k, static_cast<int>(candidates.size()));
      if (take == 0) continue;
      std::partial_sort(candidates.begin(), candidates.begin() + take, candidates.end(),
                        [](const auto& a, const auto& b) {
                          return a.first > b.first || (a.first == b.first && a.second < b.second);
                        });
      std::fill(votes.begin(), votes.end(), 0.0);
      double total = 0.0;
      NeighbourVerdict& verdict = verdicts[self];
      for (int c = 0; c < take; ++c) {
        const auto& candidate = candidates[static_cast<std::size_t>(c)];
        // Weights stay positive for any cosine similarity; closer neighbours count a little more.
        const double weight = 1.0 + static_cast<double>(candidate.first);
        votes[static_cast<std::size_t>(labels[static_cast<std::size_t>(candidate.second)])] += weight;
        total += weight;
        verdict.neighbours.push_back(candidate.second);
      }
      if (total <= 0.0) continue;
      const auto own = static_cast<std::size_t>(labels[self]);
      const auto& sameFold = classSizeInFold[static_cast<std::size_t>(fold[self])];
      double pool = 0.0;
      for (std::size_t c = 0; c < classes; ++c) {
        chance[c] = leaveOneOut ? classSize[c] - (c == own ? 1.0 : 0.0) : classSize[c] - sameFold[c];
        pool += chance[c];
      }
      auto lift = [&](std::size_t c) {
        const double share = votes[c] / total;
        const double base = pool > 0.0 ? chance[c] / pool : 0.0;
        return base >= 1.0 ? 0.0 : (share - base) / (1.0 - base);
      };
      verdict.ownShare = votes[own] / total;
      verdict.ownIsMajority = true;
      int best = -1;
      double bestLift = 0.0;
      for (std::size_t c = 0; c < classes; ++c) {
        if (c == own || votes[c] <= 0.0) continue;
        if (votes[c] > votes[own]) verdict.ownIsMajority = false;
        const double value = lift(c);
        if (best < 0 || value > bestLift) {
          best = static_cast<int>(c);
          bestLift = value;
        }
      }
      if (best < 0) continue;
      verdict.suggestedLabel = best;
      verdict.suggestedShare = votes[static_cast<std::size_t>(best)] / total;
      int suggestedCount = 0;
      for (int neighbour : verdict.neighbours) suggestedCount += labels[static_cast<std::size_t>(neighbour)] == best ? 1 : 0;
      verdict.chanceProbability = binomialUpperTail(
          take, suggestedCount, pool > 0.0 ? chance[static_cast<std::size_t>(best)] / pool : 0.0);
      verdict.score = std::clamp(bestLift - std::max(0.0, lift(own)), 0.0, 1.0);
    }
  }
  return verdicts;
}

Result<nlohmann::json> runMislabels(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                    std::optional<std::int64_t> /*runId*/) {
  auto resolved = config::resolveStepSchemaParams("mislabels", params);
  if (!resolved) return resolved.error();
  const nlohmann::json& p = *resolved;
  const std::string featureChoice = p.at("feature").get<std::string>();

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  filter.labelledOnly = true;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();

  std::string featureName;
  std::string featureNote;
  nlohmann::json warnings = nlohmann::json::array();
  std::vector<const store::SampleRecord*> used;
  std::vector<std::vector<float>> rows;
  std::int64_t skipped = 0;
  if (featureChoice != "generic") {
    auto embeddings = readEmbeddings(store, p.at("extractor").get<std::string>());
    if (!embeddings) return embeddings.error();
    std::size_t covered = 0;
    for (const auto& sample : *samples) covered += embeddings->vectors.count(sample.id);
    const bool enough = covered > 0 && (featureChoice == "embedding" || 2 * covered >= samples->size());
    if (enough) {
      featureName = "embedding:" + embeddings->extractor;
      featureNote = "stored embeddings '" + embeddings->extractor + "' (" + std::to_string(covered) +
                    " of " + std::to_string(samples->size()) + " labelled active samples)";
      for (const auto& sample : *samples) {
        auto found = embeddings->vectors.find(sample.id);
        if (found == embeddings->vectors.end()) {
          ++skipped;
          continue;
        }
        used.push_back(&sample);
        rows.push_back(found->second);
      }
      if (skipped > 0) {
        warnings.push_back(std::to_string(skipped) + " labelled samples have no '" + embeddings->extractor +
                           "' embedding and were left out (winnow embed computes them; -p feature=generic "
                           "uses all samples)");
      }
    } else if (featureChoice == "embedding") {
      return makeError(ErrorCode::NotFound,
                       "mislabels params/feature: no embeddings in the project" +
                           std::string(embeddings->extractor.empty() ? "" : " for extractor '" +
                                                                                embeddings->extractor + "'"));
    } else if (covered > 0) {
      featureNote = "generic image feature: embeddings '" + embeddings->extractor + "' cover only " +
                    std::to_string(covered) + " of " + std::to_string(samples->size()) +
                    " labelled active samples (-p feature=embedding uses them anyway)";
    } else {
      featureNote = "generic image feature: no embeddings in the project (for faces, winnow embed "
                    "computes face descriptors, which rank mislabels far better)";
    }
  } else {
    featureNote = "generic image feature (asked for)";
  }
  if (featureName.empty()) {
    featureName = kGenericFeatureName;
    std::vector<std::vector<float>> computed(samples->size());
    std::vector<std::string> failures(samples->size());
    job.begin("mislabel features", static_cast<std::int64_t>(samples->size()));
    quality::detail::parallelFor(samples->size(), p.at("threads").get<int>(), job, [&](std::size_t i) {
      try {
        const auto path = quality::detail::samplePixelPath(store, (*samples)[i]);
        auto bytes = image::readFileBytes(path);
        if (!bytes) {
          failures[i] = bytes.error().message;
          return;
        }
        auto decoded = image::decodeImageReduced(*bytes, path, 256, image::ColorMode::Rgb);
        if (!decoded) {
          failures[i] = decoded.error().message;
          return;
        }
        computed[i] = genericFeature(*decoded);
        if (computed[i].empty()) failures[i] = path.string() + ": no feature";
      } catch (const std::exception& e) {
        failures[i] = (*samples)[i].originalPath + ": " + e.what();
        computed[i].clear();
      }
    });
    job.finish();
    if (job.cancelled()) return nlohmann::json{{"cancelled", true}};
    for (std::size_t i = 0; i < samples->size(); ++i) {
      if (computed[i].empty()) {
        job.warn(failures[i] + " (left out of the mislabel search)");
        ++skipped;
        continue;
      }
      used.push_back(&(*samples)[i]);
      rows.push_back(std::move(computed[i]));
    }
  }

  std::map<std::string, int> classIds;
  for (const auto* sample : used) classIds.emplace(*sample->label, 0);
  std::vector<std::string> classNames;
  for (auto& [name, id] : classIds) {
    id = static_cast<int>(classNames.size());
    classNames.push_back(name);
  }
  std::vector<int> labels;
  std::vector<std::int64_t> classSizes(classNames.size(), 0);
  for (const auto* sample : used) {
    labels.push_back(classIds.at(*sample->label));
    ++classSizes[static_cast<std::size_t>(labels.back())];
  }

  const int k = p.at("k").get<int>();
  const int folds = p.at("folds").get<int>() < 2 ? 0 : p.at("folds").get<int>();
  const double minScore = p.at("min_score").get<double>();
  const double maxChance = p.at("max_chance_probability").get<double>();
  job.begin("mislabel neighbours", 1);
  const auto verdicts =
      outOfFoldNeighbourDisagreement(rows, labels, k, folds, p.at("seed").get<std::uint64_t>());
  job.advance();
  job.finish();

  auto transaction = store.beginTransaction();
  if (!transaction) return transaction.error();
  if (Status status = store::deleteMeasure(store, "mislabel_score"); !status) return status.error();
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (Status status = quality::detail::writeMeasures(store, used[i]->id,
                                                       {{"mislabel_score", verdicts[i].score}});
        !status) {
      return status.error();
    }
  }
  if (Status status = transaction->commit(); !status) return status.error();

  // How far the feature can be trusted: how often the neighbours' vote agrees with the label,
  // against always answering the largest class.
  std::int64_t agreeing = 0;
  for (const auto& verdict : verdicts) agreeing += verdict.ownIsMajority ? 1 : 0;
  const double agreement = used.empty() ? 0.0 : static_cast<double>(agreeing) / static_cast<double>(used.size());
  const double baseline =
      used.empty() ? 0.0
                   : static_cast<double>(*std::max_element(classSizes.begin(), classSizes.end())) /
                         static_cast<double>(used.size());
  if (used.size() >= 2 && classNames.size() >= 2 && agreement < baseline + 0.5 * (1.0 - baseline)) {
    warnings.push_back("the feature separates the classes poorly (neighbour vote agrees with " +
                       std::to_string(static_cast<int>(std::lround(agreement * 100))) +
                       "% of labels, always answering the largest class " +
                       std::to_string(static_cast<int>(std::lround(baseline * 100))) +
                       "%): treat the ranking as weak evidence" +
                       (featureName == kGenericFeatureName ? "; embeddings (winnow embed) may do better" : ""));
  }
  if (classNames.size() < 2) warnings.push_back("fewer than two classes: nothing to disagree with");

  auto isFlagged = [&](const NeighbourVerdict& verdict) {
    return verdict.suggestedLabel >= 0 && verdict.score >= minScore && verdict.suggestedShare > 0.5 &&
           verdict.chanceProbability <= maxChance;
  };
  std::vector<std::size_t> order(used.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (verdicts[a].score != verdicts[b].score) return verdicts[a].score > verdicts[b].score;
    return used[a]->id < used[b]->id;
  });
  const int top = p.at("top").get<int>();
  nlohmann::json ranked = nlohmann::json::array();
  std::int64_t flagged = 0;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::size_t i = order[rank];
    const NeighbourVerdict& verdict = verdicts[i];
    if (isFlagged(verdict)) ++flagged;
    if (static_cast<int>(rank) >= top) continue;
    std::map<int, int> counts;
    for (int neighbour : verdict.neighbours) ++counts[labels[static_cast<std::size_t>(neighbour)]];
    std::vector<std::pair<int, int>> byCount(counts.begin(), counts.end());
    std::stable_sort(byCount.begin(), byCount.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    nlohmann::json neighbours = nlohmann::json::array();
    for (const auto& [label, count] : byCount) {
      neighbours.push_back({{"label", classNames[static_cast<std::size_t>(label)]}, {"count", count}});
    }
    const int suggested = verdict.suggestedLabel;
    ranked.push_back(
        {{"id", used[i]->id},
         {"score", verdict.score},
         {"flagged", isFlagged(verdict)},
         {"label", *used[i]->label},
         {"suggested_label", suggested >= 0 ? nlohmann::json(classNames[static_cast<std::size_t>(suggested)])
                                            : nlohmann::json()},
         {"suggested_share", verdict.suggestedShare},
         {"own_share", verdict.ownShare},
         {"chance_probability", verdict.chanceProbability},
         {"neighbours", neighbours},
         {"path", quality::detail::samplePixelPath(store, *used[i]).string()}});
  }
  for (const auto& warning : warnings) job.warn(warning.get<std::string>());
  return nlohmann::json{{"feature", featureName},
                        {"feature_note", featureNote},
                        {"k", k},
                        {"folds", folds},
                        {"samples", used.size()},
                        {"classes", classNames.size()},
                        {"skipped", skipped},
                        {"min_score", minScore},
                        {"max_chance_probability", maxChance},
                        {"flagged", flagged},
                        {"suspects", flagged},
                        {"neighbour_agreement", agreement},
                        {"majority_baseline", baseline},
                        {"warnings", warnings},
                        {"ranked", ranked},
                        {"cancelled", false}};
}

}  // namespace winnow::audit
