#include "winnow/audit/mislabel_finder.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "image/cv_image.hpp"
#include "quality/curation_support.hpp"
#include "store/sqlite_statement.hpp"
#include "winnow/audit/one_feature_classifier.hpp"
#include "winnow/image/image_codec.hpp"

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
  const cv::Mat rgb = image::detail::asMat(image);
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

struct EmbeddingSet {
  std::string extractor;
  std::map<std::int64_t, std::vector<float>> vectors;
};

Result<EmbeddingSet> readEmbeddings(const store::ProjectStore& store, std::string extractor) {
  EmbeddingSet set;
  if (extractor.empty()) {
    store::SqliteStatement pick(store.handle(),
                                "SELECT extractor FROM embeddings GROUP BY extractor "
                                "ORDER BY COUNT(*) DESC, extractor LIMIT 1");
    if (!pick.ok()) return pick.error("embeddings");
    if (pick.step() != SQLITE_ROW) return set;
    extractor = pick.columnText(0);
  }
  set.extractor = extractor;
  store::SqliteStatement statement(
      store.handle(), "SELECT sample_id, dimension, vector FROM embeddings WHERE extractor = ?");
  if (!statement.ok()) return statement.error("embeddings");
  statement.bind(1, extractor);
  int rc = SQLITE_ROW;
  std::int64_t dimension = -1;
  while ((rc = statement.step()) == SQLITE_ROW) {
    const std::int64_t rowDimension = statement.columnInt64(1);
    const std::string blob = statement.columnText(2);
    if (rowDimension <= 0 || blob.size() != static_cast<std::size_t>(rowDimension) * sizeof(float)) {
      continue;
    }
    if (dimension < 0) dimension = rowDimension;
    if (rowDimension != dimension) continue;
    std::vector<float> vector(static_cast<std::size_t>(rowDimension));
    std::memcpy(vector.data(), blob.data(), blob.size());
    bool finite = true;
    for (float v : vector) finite = finite && std::isfinite(v);
    if (!finite) continue;
    normalise(vector);
    set.vectors[statement.columnInt64(0)] = std::move(vector);
  }
  if (rc != SQLITE_DONE) return statement.error("embeddings");
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
  const std::vector<int> fold = stratifiedFolds(labels, folds, seed);
  int classCount = 0;
  for (int label : labels) classCount = std::max(classCount, label + 1);

  std::vector<std::pair<float, int>> candidates;
  for (int start = 0; start < n; start += kBlockRows) {
    const int count = std::min(kBlockRows, n - start);
    cv::Mat similarity;
    cv::gemm(features.rowRange(start, start + count), features, 1.0, cv::noArray(), 0.0,
             similarity, cv::GEMM_2_T);
    for (int r = 0; r < count; ++r) {
      const int i = start + r;
      const float* sims = similarity.ptr<float>(r);
      candidates.clear();
      for (int j = 0; j < n; ++j) {
        if (j == i || (folds >= 2 && fold[static_cast<std::size_t>(j)] == fold[static_cast<std::size_t>(i)])) {
          continue;
        }
        candidates.emplace_back(sims[j], j);
      }
      const int take = std::min<int>(k, static_cast<int>(candidates.size()));
      if (take == 0) continue;
      std::partial_sort(candidates.begin(), candidates.begin() + take, candidates.end(),
                        [](const auto& a, const auto& b) {
                          return a.first > b.first || (a.first == b.first && a.second < b.second);
                        });
      std::vector<double> votes(static_cast<std::size_t>(classCount), 0.0);
      double total = 0.0;
      for (int c = 0; c < take; ++c) {
        // Weights stay positive for any cosine similarity; closer neighbours count more.
        const double weight = 1.0 + static_cast<double>(candidates[static_cast<std::size_t>(c)].first);
        votes[static_cast<std::size_t>(labels[static_cast<std::size_t>(candidates[static_cast<std::size_t>(c)].second)])] += weight;
        total += weight;
      }
      NeighbourVerdict& verdict = verdicts[static_cast<std::size_t>(i)];
      if (total <= 0.0) continue;
      const int own = labels[static_cast<std::size_t>(i)];
      verdict.score = 1.0 - votes[static_cast<std::size_t>(own)] / total;
      int best = -1;
      for (int c = 0; c < classCount; ++c) {
        if (c == own) continue;
        if (best < 0 || votes[static_cast<std::size_t>(c)] > votes[static_cast<std::size_t>(best)]) best = c;
      }
      if (best >= 0 && votes[static_cast<std::size_t>(best)] > 0.0) {
        verdict.suggestedLabel = best;
        verdict.suggestedShare = votes[static_cast<std::size_t>(best)] / total;
      }
    }
  }
  return verdicts;
}

Result<nlohmann::json> runMislabels(store::ProjectStore& store, plugin::PluginHost& /*host*/,
                                    const nlohmann::json& params, job::JobContext& job,
                                    std::optional<std::int64_t> /*runId*/) {
  auto resolved = quality::detail::resolveStepParams("mislabels", params);
  if (!resolved) return resolved.error();
  const nlohmann::json& p = *resolved;
  const std::string featureChoice = p.at("feature").get<std::string>();

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  filter.labelledOnly = true;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();

  std::string featureName;
  std::vector<const store::SampleRecord*> used;
  std::vector<std::vector<float>> rows;
  std::int64_t skipped = 0;
  if (featureChoice != "generic") {
    auto embeddings = readEmbeddings(store, p.at("extractor").get<std::string>());
    if (!embeddings) return embeddings.error();
    if (!embeddings->vectors.empty()) {
      featureName = "embedding:" + embeddings->extractor;
      for (const auto& sample : *samples) {
        auto found = embeddings->vectors.find(sample.id);
        if (found == embeddings->vectors.end()) {
          ++skipped;
          continue;
        }
        used.push_back(&sample);
        rows.push_back(found->second);
      }
    } else if (featureChoice == "embedding") {
      return makeError(ErrorCode::NotFound,
                       "mislabels params/feature: no embeddings in the project" +
                           std::string(embeddings->extractor.empty() ? "" : " for extractor '" +
                                                                                embeddings->extractor + "'"));
    }
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
  for (const auto* sample : used) labels.push_back(classIds.at(*sample->label));

  const int k = p.at("k").get<int>();
  const int folds = p.at("folds").get<int>();
  job.begin("mislabel neighbours", 1);
  const auto verdicts =
      outOfFoldNeighbourDisagreement(rows, labels, k, folds, p.at("seed").get<std::uint64_t>());
  job.advance();
  job.finish();

  auto transaction = store.beginTransaction();
  if (!transaction) return transaction.error();
  if (Status status = store.execute("DELETE FROM sample_measures WHERE name = 'mislabel_score'");
      !status) {
    return status.error();
  }
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (Status status = quality::detail::writeMeasures(store, used[i]->id,
                                                       {{"mislabel_score", verdicts[i].score}});
        !status) {
      return status.error();
    }
  }
  if (Status status = transaction->commit(); !status) return status.error();

  std::vector<std::size_t> order(used.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (verdicts[a].score != verdicts[b].score) return verdicts[a].score > verdicts[b].score;
    return used[a]->id < used[b]->id;
  });
  const int top = p.at("top").get<int>();
  nlohmann::json ranked = nlohmann::json::array();
  std::int64_t suspects = 0;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::size_t i = order[rank];
    if (verdicts[i].score >= 0.5) ++suspects;
    if (static_cast<int>(rank) >= top) continue;
    const int suggested = verdicts[i].suggestedLabel;
    ranked.push_back(
        {{"id", used[i]->id},
         {"score", verdicts[i].score},
         {"label", *used[i]->label},
         {"suggested_label", suggested >= 0 ? nlohmann::json(classNames[static_cast<std::size_t>(suggested)])
                                            : nlohmann::json()},
         {"suggested_share", verdicts[i].suggestedShare},
         {"path", quality::detail::samplePixelPath(store, *used[i]).string()}});
  }
  return nlohmann::json{{"feature", featureName},
                        {"k", k},
                        {"folds", folds},
                        {"samples", used.size()},
                        {"classes", classNames.size()},
                        {"skipped", skipped},
                        {"suspects", suspects},
                        {"ranked", ranked},
                        {"cancelled", false}};
}

}  // namespace winnow::audit
