#include "winnow/audit/class_report.hpp"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "quality/curation_support.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/audit/one_feature_classifier.hpp"
#include "winnow/store/audit_queries.hpp"

namespace winnow::audit {

namespace {

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", share * 100.0);
  return text;
}

Result<nlohmann::json> exactDuplicates(const store::ProjectStore& store) {
  auto rows = store::countDuplicatesBySourcePair(store);
  if (!rows) return rows.error();
  std::int64_t total = 0;
  std::int64_t crossSource = 0;
  nlohmann::json pairs = nlohmann::json::array();
  for (const store::DuplicateSourcePairRow& row : *rows) {
    total += row.count;
    if (row.duplicateSource != row.originalSource) crossSource += row.count;
    pairs.push_back({{"duplicate_source", row.duplicateSource},
                     {"original_source", row.originalSource},
                     {"count", row.count}});
  }
  return nlohmann::json{{"total", total}, {"cross_source", crossSource}, {"pairs", pairs}};
}

Result<nlohmann::json> nearDuplicateClusters(const store::ProjectStore& store) {
  auto rows = store::readClusterSources(store);
  if (!rows) return rows.error();
  std::int64_t total = 0;
  std::int64_t crossSource = 0;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> byMethod;
  for (const store::ClusterSourcesRow& row : *rows) {
    const bool spans = row.sources > 1;
    auto& method = byMethod[row.method];
    ++total;
    ++method.first;
    if (spans) {
      ++crossSource;
      ++method.second;
    }
  }
  nlohmann::json methods = nlohmann::json::object();
  for (const auto& [name, counts] : byMethod) {
    methods[name] = {{"clusters", counts.first}, {"cross_source", counts.second}};
  }
  return nlohmann::json{{"total", total}, {"cross_source", crossSource}, {"by_method", methods}};
}

std::string format2(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

SourceDominance measureSourceDominance(const std::vector<store::SampleRecord>& samples, double dominance) {
  SourceDominance result;
  std::map<std::string, std::map<std::string, std::int64_t>> bySource;
  std::map<std::string, std::int64_t> classTotals;
  std::map<std::string, int> classIds;
  for (const auto& sample : samples) {
    if (!sample.label || sample.label->empty()) continue;
    ++bySource[*sample.label][sample.sourceName];
    ++classTotals[*sample.label];
    classIds.emplace(*sample.label, 0);
  }
  int next = 0;
  for (auto& [name, id] : classIds) id = next++;
  std::vector<std::string> sourceValues;
  std::vector<int> labels;
  std::set<std::string> sources;
  for (const auto& sample : samples) {
    if (!sample.label || sample.label->empty()) continue;
    sourceValues.push_back(sample.sourceName);
    labels.push_back(classIds.at(*sample.label));
    sources.insert(sample.sourceName);
  }
  result.samples = static_cast<std::int64_t>(labels.size());
  if (classIds.size() < 2) return result;
  if (sources.size() >= 2) {
    result.sourceAuc = crossValidateCategorical(sourceValues, labels, static_cast<int>(classIds.size()),
                                                kAuditFolds, kAuditSeed)
                           .auc;
  }
  for (const auto& [label, total] : classTotals) {
    std::string topSource;
    std::int64_t topCount = 0;
    for (const auto& [source, count] : bySource[label]) {
      if (count > topCount) {
        topSource = source;
        topCount = count;
      }
    }
    const double share = static_cast<double>(topCount) / static_cast<double>(total);
    if (share < dominance) continue;
    std::int64_t othersTotal = 0;
    std::int64_t othersFromSource = 0;
    for (const auto& [other, otherTotal] : classTotals) {
      if (other == label) continue;
      othersTotal += otherTotal;
      auto found = bySource[other].find(topSource);
      if (found != bySource[other].end()) othersFromSource += found->second;
    }
    const double otherShare =
        othersTotal > 0 ? static_cast<double>(othersFromSource) / static_cast<double>(othersTotal) : 0.0;
    if (otherShare >= dominance) continue;  // every class comes from it: it carries no signal
    result.findings.push_back({label, topSource, share, otherShare});
  }
  return result;
}

std::string describeSourceDominance(const SourceDominanceFinding& finding, double sourceAuc,
                                    double aucThreshold) {
  const std::string composition = "class '" + finding.label + "' comes " + percent(finding.share) +
                                  " from source '" + finding.source + "' (other classes: " +
                                  percent(finding.otherShare) + ")";
  if (sourceAuc >= aucThreshold) {
    return "WARNING: " + composition + ": the source alone predicts the label (cross-validated AUC " +
           format2(sourceAuc) + ", the audit's shortcut threshold is " + format2(aucThreshold) +
           "): a model could learn the source instead of the class";
  }
  return "note: " + composition + ", but the source alone only partly predicts the label (cross-validated AUC " +
         format2(sourceAuc) + " < " + format2(aucThreshold) +
         ", as winnow audit measures it): check a model on each source with winnow evaluate";
}

Result<nlohmann::json> runReport(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                 std::optional<std::int64_t> /*runId*/) {
  auto resolved = config::resolveStepSchemaParams("report", params);
  if (!resolved) return resolved.error();
  const double dominance = resolved->at("source_dominance").get<double>();

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();
  job.begin("class report", static_cast<std::int64_t>(samples->size()));

  std::map<std::string, std::map<std::string, std::int64_t>> bySource;         // class -> source
  std::map<std::string, std::map<std::string, std::int64_t>> byOriginalLabel;  // class -> original
  std::map<std::string, std::int64_t> classTotals;
  struct SourceSizes {
    std::int64_t samples = 0;
    double width = 0.0;
    double height = 0.0;
    double megapixels = 0.0;
  };
  std::map<std::string, SourceSizes> sources;
  for (const auto& sample : *samples) {
    const std::string label = sample.label.value_or("");
    ++bySource[label][sample.sourceName];
    ++byOriginalLabel[label][sample.originalLabel];
    ++classTotals[label];
    SourceSizes& sizes = sources[sample.sourceName];
    ++sizes.samples;
    sizes.width += sample.width;
    sizes.height += sample.height;
    sizes.megapixels += static_cast<double>(sample.width) * sample.height / 1e6;
  }
  job.advance(static_cast<std::int64_t>(samples->size()));

  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [label, total] : classTotals) {
    classes[label.empty() ? "(unlabelled)" : label] = {{"total", total},
                                                       {"by_source", bySource[label]},
                                                       {"by_original_label", byOriginalLabel[label]}};
  }
  nlohmann::json sourceReport = nlohmann::json::object();
  for (const auto& [name, sizes] : sources) {
    const double n = static_cast<double>(std::max<std::int64_t>(1, sizes.samples));
    sourceReport[name] = {{"samples", sizes.samples},
                          {"mean_width", sizes.width / n},
                          {"mean_height", sizes.height / n},
                          {"mean_megapixels", sizes.megapixels / n}};
  }

  // Source-as-shortcut findings, measured as the audit measures them (labelled classes only).
  nlohmann::json warnings = nlohmann::json::array();
  const SourceDominance sourceDominance = measureSourceDominance(*samples, dominance);
  for (const SourceDominanceFinding& finding : sourceDominance.findings) {
    const bool shortcut = sourceDominance.sourceAuc >= kDefaultShortcutAuc;
    warnings.push_back({{"class", finding.label},
                        {"source", finding.source},
                        {"share", finding.share},
                        {"share_in_other_classes", finding.otherShare},
                        {"source_auc", sourceDominance.sourceAuc},
                        {"level", shortcut ? "warning" : "note"},
                        {"message", describeSourceDominance(finding, sourceDominance.sourceAuc,
                                                            kDefaultShortcutAuc)}});
  }
  auto stats = store.stats();
  if (!stats) return stats.error();
  if (stats->labelConflicts > 0) {
    warnings.push_back(
        {{"level", "warning"},
         {"label_conflicts", stats->labelConflicts},
         {"open", stats->openLabelConflicts},
         {"message", "WARNING: " + std::to_string(stats->labelConflicts) +
                         " near-duplicate clusters mix labels (" + std::to_string(stats->openLabelConflicts) +
                         " open, " + std::to_string(stats->samplesInLabelConflicts) +
                         " samples): the same picture under two classes; each cluster stays one split "
                         "group; review with winnow conflicts <project>"}});
  }

  auto exact = exactDuplicates(store);
  if (!exact) return exact.error();
  auto near = nearDuplicateClusters(store);
  if (!near) return near.error();
  job.finish();
  return nlohmann::json{{"active_samples", samples->size()},
                        {"classes", classes},
                        {"sources", sourceReport},
                        {"exact_duplicates", *exact},
                        {"near_duplicate_clusters", *near},
                        {"label_conflicts", {{"clusters", stats->labelConflicts},
                                             {"open", stats->openLabelConflicts},
                                             {"samples", stats->samplesInLabelConflicts}}},
                        {"source_auc", sourceDominance.sourceAuc},
                        {"source_dominance", dominance},
                        {"warnings", warnings}};
}

std::string formatClassReport(const nlohmann::json& report) {
  std::ostringstream out;
  out << "classes (active samples: " << report.at("active_samples").get<std::int64_t>() << ")\n";
  for (const auto& [label, entry] : report.at("classes").items()) {
    out << "  " << label << ": " << entry.at("total").get<std::int64_t>() << "\n    by source:";
    for (const auto& [source, count] : entry.at("by_source").items()) {
      out << " " << source << "=" << count.get<std::int64_t>();
    }
    out << "\n    by original label:";
    for (const auto& [original, count] : entry.at("by_original_label").items()) {
      out << " " << (original.empty() ? "(none)" : original) << "=" << count.get<std::int64_t>();
    }
    out << "\n";
  }
  out << "sources\n";
  for (const auto& [name, entry] : report.at("sources").items()) {
    char line[200];
    std::snprintf(line, sizeof line, "  %s: %lld samples, mean %.0f x %.0f (%.2f MP)\n",
                  name.c_str(), static_cast<long long>(entry.at("samples").get<std::int64_t>()),
                  entry.at("mean_width").get<double>(), entry.at("mean_height").get<double>(),
                  entry.at("mean_megapixels").get<double>());
    out << line;
  }
  const auto& exact = report.at("exact_duplicates");
  out << "exact duplicates: " << exact.at("total").get<std::int64_t>() << " ("
      << exact.at("cross_source").get<std::int64_t>() << " across sources)\n";
  for (const auto& pair : exact.at("pairs")) {
    if (pair.at("duplicate_source") == pair.at("original_source")) continue;
    out << "  copy in " << pair.at("duplicate_source").get<std::string>() << " of a sample of "
        << pair.at("original_source").get<std::string>() << ": " << pair.at("count").get<std::int64_t>()
        << "\n";
  }
  const auto& near = report.at("near_duplicate_clusters");
  out << "near-duplicate clusters: " << near.at("total").get<std::int64_t>() << " ("
      << near.at("cross_source").get<std::int64_t>() << " spanning sources)\n";
  for (const auto& warning : report.at("warnings")) {
    out << warning.at("message").get<std::string>() << "\n";
  }
  return out.str();
}

}  // namespace winnow::audit
