#include "winnow/review/suggestions.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "winnow/review/identity_clusters.hpp"
#include "winnow/store/review_queries.hpp"

namespace winnow::review {

namespace {

constexpr const char* kMethod = "nearest_class_mean";
// Softmax sharpness (1 / temperature, on squared distances) when no class has two labelled
// samples, so leave-one-out cannot fit it: exp(-10 d^2) puts same-person distances (about 0.5)
// well above different-people ones (about 0.8).
constexpr double kFallbackBeta = 10.0;

double squaredDistance(const std::vector<float>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return sum;
}

double euclidean(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

// Probabilities exp(-beta d_c) / (sum + exp(-beta reach)), computed stably; d = squared distances
// per class. `reach` (squared) is a "none of these" term: a sample farther from every class mean
// than labelled samples are from their own gets a low confidence, so a person nobody has named
// yet is not proposed as someone else with certainty. Infinity = no such term.
std::vector<double> softmaxOfDistances(const std::vector<double>& d, double beta, double reach) {
  const double smallest = *std::min_element(d.begin(), d.end());
  std::vector<double> p(d.size());
  double sum = std::isinf(reach) ? 0.0 : std::exp(-beta * (reach - smallest));
  for (std::size_t c = 0; c < d.size(); ++c) {
    p[c] = std::exp(-beta * (d[c] - smallest));
    sum += p[c];
  }
  for (double& value : p) value /= sum;
  return p;
}

// Mean negative log-likelihood of the true classes, label-smoothed by `smoothing` (the target puts
// that much mass spread evenly over all classes); rows = squared distances per class. Smoothing
// keeps the fit finite when leave-one-out makes no error at all (named identity groups are tight
// by construction), where the plain likelihood would drive the temperature to zero and every
// confidence to 1.
double meanNll(const std::vector<std::vector<double>>& rows, const std::vector<std::size_t>& truth, double beta,
               double smoothing, double reach) {
  double total = 0.0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& d = rows[i];
    const double smallest = *std::min_element(d.begin(), d.end());
    double sum = std::isinf(reach) ? 0.0 : std::exp(-beta * (reach - smallest));
    double meanGap = 0.0;
    for (double value : d) {
      sum += std::exp(-beta * (value - smallest));
      meanGap += value - smallest;
    }
    meanGap /= static_cast<double>(d.size());
    const double logSum = std::log(sum);
    total += (1.0 - smoothing) * (beta * (d[truth[i]] - smallest) + logSum) + smoothing * (beta * meanGap + logSum);
  }
  return total / static_cast<double>(rows.size());
}

// The NLL is convex in beta, so golden-section search on log(beta) finds its minimum. Smoothing:
// Laplace's rule of succession, one error in (n + 2) leave-one-out trials at the least.
double fitBeta(const std::vector<std::vector<double>>& rows, const std::vector<std::size_t>& truth, double reach) {
  const double smoothing = 1.0 / (static_cast<double>(rows.size()) + 2.0);
  double lo = std::log(0.01);
  double hi = std::log(1.0e4);
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double x1 = hi - ratio * (hi - lo);
  double x2 = lo + ratio * (hi - lo);
  double f1 = meanNll(rows, truth, std::exp(x1), smoothing, reach);
  double f2 = meanNll(rows, truth, std::exp(x2), smoothing, reach);
  for (int i = 0; i < 60; ++i) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - ratio * (hi - lo);
      f1 = meanNll(rows, truth, std::exp(x1), smoothing, reach);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + ratio * (hi - lo);
      f2 = meanNll(rows, truth, std::exp(x2), smoothing, reach);
    }
  }
  return std::exp((lo + hi) / 2.0);
}

Result<std::string> chooseExtractor(store::ProjectStore& store, const std::string& wanted) {
  auto extractors = listEmbeddingExtractors(store);
  if (!extractors) return extractors.error();
  if (extractors->empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     store.projectDir().string() + ": no stored descriptors (run winnow embed first)");
  }
  if (wanted.empty()) return extractors->front();
  if (std::find(extractors->begin(), extractors->end(), wanted) == extractors->end()) {
    std::string known;
    for (const auto& name : *extractors) known += (known.empty() ? "" : ", ") + name;
    return makeError(ErrorCode::InvalidArgument, "no descriptors from extractor '" + wanted + "' (stored: " + known + ")");
  }
  return wanted;
}

Result<AcceptOutcome> acceptRows(store::ProjectStore& store, const std::vector<std::int64_t>& sampleIds,
                                 const std::map<std::int64_t, StoredSuggestion>& current, const std::string& actor) {
  AcceptOutcome outcome;
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  std::set<std::int64_t> seen;
  std::vector<std::int64_t> accepted;
  for (std::int64_t sampleId : sampleIds) {
    if (!seen.insert(sampleId).second) continue;
    const auto found = current.find(sampleId);
    if (found == current.end()) {
      outcome.skipped.push_back(sampleId);
      continue;
    }
    const StoredSuggestion& row = found->second;
    std::string reason = "accepted suggestion " + row.label + " (confidence " + fixed(row.confidence, 3) + ", margin " +
                         fixed(row.margin, 3) + ", " + row.method + " on " + row.extractor;
    if (row.runId) reason += ", suggest run " + std::to_string(*row.runId);
    reason += ")";
    auto decision = store::applyDecisionReturningId(store, sampleId, "label", row.label, actor, reason);
    if (!decision) return decision.error();
    accepted.push_back(sampleId);
    if (!*decision) continue;  // already that label: no decision
    outcome.decisions.push_back({**decision, sampleId, "label", std::nullopt, row.label});
  }
  if (Status removed = store::deleteSuggestions(store, accepted); !removed) return removed.error();
  if (Status status = transaction.commit(); !status) return status.error();
  return outcome;
}

}  // namespace

Result<SuggestionRun> suggestLabels(store::ProjectStore& store, const SuggestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto extractor = chooseExtractor(store, options.extractor);
  if (!extractor) return extractor.error();
  auto embeddings = loadEmbeddings(store, *extractor);
  if (!embeddings) return embeddings.error();
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::map<std::int64_t, const store::SampleRecord*> byId;
  for (const auto& sample : *samples) byId.emplace(sample.id, &sample);

  SuggestionRun run;
  run.extractor = *extractor;
  run.method = kMethod;
  run.order = "uncertainty";
  // Split into labelled (training) and unlabelled (to suggest for).
  std::map<std::string, std::size_t> classIndex;
  std::vector<std::string> classNames;
  std::vector<std::size_t> trainRows;
  std::vector<std::size_t> trainClass;
  std::vector<std::size_t> queryRows;
  std::set<std::int64_t> withDescriptor(embeddings->sampleIds.begin(), embeddings->sampleIds.end());
  for (std::size_t i = 0; i < embeddings->sampleIds.size(); ++i) {
    const store::SampleRecord* sample = byId.at(embeddings->sampleIds[i]);
    const std::string label = sample->label.value_or("");
    if (label.empty()) {
      queryRows.push_back(i);
      continue;
    }
    trainRows.push_back(i);
    trainClass.push_back(classIndex.emplace(label, classIndex.size()).first->second);
  }
  for (const auto& sample : *samples) {
    if (sample.status != store::kStatusRejected && sample.label.value_or("").empty() && !withDescriptor.count(sample.id)) {
      ++run.unlabelledWithoutDescriptor;
    }
  }
  classNames.resize(classIndex.size());
  for (const auto& [name, index] : classIndex) classNames[index] = name;
  run.classes = classNames.size();
  run.labelledSamples = trainRows.size();
  if (classNames.size() < 2) {
    return makeError(ErrorCode::InvalidArgument,
                     "suggest needs labelled samples of at least 2 classes with a " + *extractor + " descriptor; found " +
                         std::to_string(classNames.size()) + (classNames.size() == 1 ? " class (" + classNames[0] + ")" : " classes") +
                         " (name identity groups with winnow identities --name, or label samples with winnow label)");
  }
  if (queryRows.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     "nothing to suggest: every non-rejected sample with a " + *extractor + " descriptor is labelled (" +
                         std::to_string(run.unlabelledWithoutDescriptor) + " unlabelled without a descriptor)");
  }

  // Class means.
  const std::size_t dimension = embeddings->vectors.front().size();
  const std::size_t k = classNames.size();
  std::vector<std::vector<double>> means(k, std::vector<double>(dimension, 0.0));
  std::vector<std::size_t> counts(k, 0);
  for (std::size_t t = 0; t < trainRows.size(); ++t) {
    const auto& v = embeddings->vectors[trainRows[t]];
    auto& mean = means[trainClass[t]];
    for (std::size_t d = 0; d < dimension; ++d) mean[d] += v[d];
    ++counts[trainClass[t]];
  }
  for (std::size_t c = 0; c < k; ++c) {
    for (double& value : means[c]) value /= static_cast<double>(counts[c]);
  }

  // Leave-one-out squared distances: removing x from its own class's mean of n moves that mean
  // so that |x - mean'|^2 = (n / (n - 1))^2 |x - mean|^2; the other classes are unchanged.
  std::vector<std::vector<double>> looRows;
  std::vector<std::size_t> looTruth;
  for (std::size_t t = 0; t < trainRows.size(); ++t) {
    const std::size_t own = trainClass[t];
    if (counts[own] < 2) continue;
    std::vector<double> d(k);
    for (std::size_t c = 0; c < k; ++c) d[c] = squaredDistance(embeddings->vectors[trainRows[t]], means[c]);
    const double n = static_cast<double>(counts[own]);
    d[own] *= (n / (n - 1.0)) * (n / (n - 1.0));
    looRows.push_back(std::move(d));
    looTruth.push_back(own);
  }
  // Closed set: no "none of these" term yet (softmaxOfDistances supports one; a reach from the
  // labelled samples' own-class distances made the few-label case underconfident: docs/faces.md).
  const double reach = std::numeric_limits<double>::infinity();
  const double beta = looRows.empty() ? kFallbackBeta : fitBeta(looRows, looTruth, reach);
  run.temperature = 1.0 / beta;
  if (!looRows.empty()) {
    std::size_t correct = 0;
    double confidenceSum = 0.0;
    for (std::size_t i = 0; i < looRows.size(); ++i) {
      const auto p = softmaxOfDistances(looRows[i], beta, reach);
      const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
      correct += best == looTruth[i] ? 1 : 0;
      confidenceSum += p[best];
    }
    run.looAccuracy = static_cast<double>(correct) / static_cast<double>(looRows.size());
    run.looMeanConfidence = confidenceSum / static_cast<double>(looRows.size());
  }

  const std::string now = store::nowUtcIso8601();
  for (std::size_t row : queryRows) {
    std::vector<double> d(k);
    for (std::size_t c = 0; c < k; ++c) d[c] = squaredDistance(embeddings->vectors[row], means[c]);
    const auto p = softmaxOfDistances(d, beta, reach);
    std::vector<std::size_t> order(k);
    for (std::size_t c = 0; c < k; ++c) order[c] = c;
    std::partial_sort(order.begin(), order.begin() + 2, order.end(), [&](std::size_t a, std::size_t b) {
      return p[a] != p[b] ? p[a] > p[b] : a < b;
    });
    StoredSuggestion suggestion;
    suggestion.sampleId = embeddings->sampleIds[row];
    suggestion.label = classNames[order[0]];
    suggestion.confidence = p[order[0]];
    suggestion.margin = p[order[0]] - p[order[1]];
    suggestion.runnerUp = classNames[order[1]];
    suggestion.distance = std::sqrt(d[order[0]]);
    suggestion.extractor = *extractor;
    suggestion.method = kMethod;
    suggestion.runId = options.runId;
    suggestion.createdAt = now;
    run.suggestions.push_back(std::move(suggestion));
  }
  // Review order: the most uncertain first, where a person's look changes the most.
  std::sort(run.suggestions.begin(), run.suggestions.end(), [](const StoredSuggestion& a, const StoredSuggestion& b) {
    if (a.confidence != b.confidence) return a.confidence < b.confidence;
    if (a.margin != b.margin) return a.margin < b.margin;
    return a.sampleId < b.sampleId;
  });
  for (std::size_t i = 0; i < run.suggestions.size(); ++i) run.suggestions[i].reviewRank = static_cast<int>(i + 1);
  if (Status stored = store::replaceSuggestions(store, run.suggestions); !stored) return stored.error();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

Result<std::vector<StoredSuggestion>> loadSuggestions(store::ProjectStore& store) {
  return store::currentSuggestions(store);
}

Result<AcceptOutcome> acceptSuggestions(store::ProjectStore& store, const std::vector<std::int64_t>& sampleIds,
                                        const std::string& actor) {
  auto current = store::currentSuggestions(store);
  if (!current) return current.error();
  std::map<std::int64_t, StoredSuggestion> byId;
  for (auto& row : *current) byId.emplace(row.sampleId, row);
  return acceptRows(store, sampleIds, byId, actor);
}

Result<AcceptOutcome> acceptSuggestionsAbove(store::ProjectStore& store, double minConfidence, const std::string& actor) {
  auto current = store::currentSuggestions(store);
  if (!current) return current.error();
  std::map<std::int64_t, StoredSuggestion> byId;
  std::vector<std::int64_t> ids;
  for (auto& row : *current) {
    if (row.confidence < minConfidence) continue;
    ids.push_back(row.sampleId);
    byId.emplace(row.sampleId, row);
  }
  return acceptRows(store, ids, byId, actor);
}

Result<std::vector<std::optional<NearestNamedGroup>>> nearestNamedGroups(
    store::ProjectStore& store, const std::string& extractor, const std::vector<std::vector<std::int64_t>>& groups) {
  auto embeddings = loadEmbeddings(store, extractor);
  if (!embeddings) return embeddings.error();
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::map<std::int64_t, std::string> labelOf;
  for (const auto& sample : *samples) labelOf[sample.id] = sample.label.value_or("");
  std::map<std::int64_t, std::size_t> rowOf;
  for (std::size_t i = 0; i < embeddings->sampleIds.size(); ++i) rowOf[embeddings->sampleIds[i]] = i;
  std::map<std::string, std::vector<std::size_t>> classRows;
  for (std::size_t i = 0; i < embeddings->sampleIds.size(); ++i) {
    const std::string& label = labelOf[embeddings->sampleIds[i]];
    if (!label.empty()) classRows[label].push_back(i);
  }
  std::vector<std::optional<NearestNamedGroup>> nearest(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<std::size_t> unlabelled;
    std::vector<std::size_t> members;
    for (std::int64_t id : groups[g]) {
      const auto found = rowOf.find(id);
      if (found == rowOf.end()) continue;
      members.push_back(found->second);
      if (labelOf[id].empty()) unlabelled.push_back(found->second);
    }
    const std::vector<std::size_t>& mine = unlabelled.empty() ? members : unlabelled;
    if (mine.empty()) continue;
    const std::set<std::size_t> memberSet(members.begin(), members.end());
    for (const auto& [label, rows] : classRows) {
      double sum = 0.0;
      std::size_t pairs = 0;
      std::size_t named = 0;
      for (std::size_t r : rows) {
        if (memberSet.count(r)) continue;
        ++named;
        for (std::size_t m : mine) {
          sum += euclidean(embeddings->vectors[m], embeddings->vectors[r]);
          ++pairs;
        }
      }
      if (pairs == 0) continue;
      const double distance = sum / static_cast<double>(pairs);
      if (!nearest[g] || distance < nearest[g]->distance) nearest[g] = NearestNamedGroup{label, distance, named};
    }
  }
  return nearest;
}

}  // namespace winnow::review
