#include "winnow/audit/shortcut_audit.hpp"

#include "winnow/audit/class_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "quality/curation_support.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/audit/one_feature_classifier.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/store/audit_queries.hpp"

namespace winnow::audit {

namespace {

using quality::detail::readMeasure;

// Below the flag threshold but clearly above chance: worded "partly separates".
constexpr double kPartialAuc = 0.65;

struct Property {
  std::string name;         // key in the report
  std::string description;  // used in explanations
  bool categorical = false;
  std::map<std::int64_t, double> numeric;        // sample id -> value
  std::map<std::int64_t, std::string> category;  // sample id -> value
  std::string skipReason;                        // non-empty: not evaluated
};

std::string format2(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2),
                   values.end());
  return values[values.size() / 2];
}

// Largest face box area / image area per sample (samples with at least one face).
Result<std::map<std::int64_t, double>> cropTightness(const store::ProjectStore& store,
                                                     const std::string& detector) {
  auto rows = store::readLargestFaces(store, detector);
  if (!rows) return rows.error();
  std::map<std::int64_t, double> values;
  for (const store::LargestFaceRow& row : *rows) {
    const double area = std::max(1.0, row.sampleWidth * row.sampleHeight);
    values[row.sampleId] = row.faceArea / area;
  }
  return values;
}

}  // namespace

Result<nlohmann::json> runAudit(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> /*runId*/) {
  auto resolved = config::resolveStepSchemaParams("audit", params);
  if (!resolved) return resolved.error();
  const nlohmann::json& p = *resolved;
  const int folds = p.at("folds").get<int>();
  const auto seed = p.at("seed").get<std::uint64_t>();
  const int bins = p.at("bins").get<int>();
  const double aucThreshold = p.at("auc_threshold").get<double>();
  const int minSamples = p.at("min_samples").get<int>();

  nlohmann::json notes = nlohmann::json::array();
  if (p.at("compute_measures").get<bool>()) {
    auto measured = quality::measureMissingSamples(store, p.at("threads").get<int>(), job);
    if (!measured) return measured.error();
    if (measured->cancelled) {
      return nlohmann::json{{"cancelled", true}, {"measured", measured->measured}};
    }
    if (measured->failed > 0) {
      notes.push_back(std::to_string(measured->failed) +
                      " samples could not be decoded; their pixel properties are left out");
    }
  }

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  filter.labelledOnly = true;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();
  std::map<std::string, int> classIds;
  for (const auto& sample : *samples) classIds.emplace(*sample.label, 0);
  int nextId = 0;
  std::vector<std::string> classNames;
  for (auto& [name, id] : classIds) {
    id = nextId++;
    classNames.push_back(name);
  }
  const int classCount = static_cast<int>(classNames.size());

  nlohmann::json report = {{"classes", classNames},
                           {"samples", samples->size()},
                           {"folds", folds},
                           {"seed", seed},
                           {"auc_threshold", aucThreshold}};
  std::map<int, std::int64_t> classSizes;
  for (const auto& sample : *samples) ++classSizes[classIds.at(*sample.label)];
  std::int64_t largest = 0;
  for (const auto& [id, size] : classSizes) largest = std::max(largest, size);
  report["baseline"] = {
      {"auc", 0.5},
      {"balanced_accuracy", classCount > 0 ? 1.0 / classCount : 0.0},
      {"majority_accuracy",
       samples->empty() ? 0.0 : static_cast<double>(largest) / static_cast<double>(samples->size())}};
  if (classCount < 2) {
    notes.push_back("fewer than two classes among active labelled samples: nothing to audit");
    report["properties"] = nlohmann::json::array();
    report["skipped"] = nlohmann::json::array();
    report["flagged"] = nlohmann::json::array();
    report["notes"] = notes;
    return report;
  }

  std::vector<Property> properties;
  auto numericFromSamples = [&](const std::string& name, const std::string& description,
                                auto getter) {
    Property property{name, description, false, {}, {}, {}};
    for (const auto& sample : *samples) property.numeric[sample.id] = getter(sample);
    properties.push_back(std::move(property));
  };
  numericFromSamples("width", "original width", [](const store::SampleRecord& s) { return double(s.width); });
  numericFromSamples("height", "original height", [](const store::SampleRecord& s) { return double(s.height); });
  numericFromSamples("aspect_ratio", "aspect ratio", [](const store::SampleRecord& s) {
    return s.height > 0 ? static_cast<double>(s.width) / s.height : 0.0;
  });
  {
    Property property{"crop_tightness", "crop tightness (face box area / image area)", false, {}, {}, {}};
    auto tightness = cropTightness(store, p.at("face_detector").get<std::string>());
    if (!tightness) return tightness.error();
    property.numeric = std::move(*tightness);
    if (property.numeric.empty()) {
      property.skipReason = "no faces in the faces table (run face detection first)";
    }
    properties.push_back(std::move(property));
  }
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> measured = {
      {"brightness", {"brightness", "brightness (mean luma)"}},
      {"sharpness", {"blur", "sharpness (variance of the Laplacian)"}},
      {"jpeg_quality", {"jpeg_quality", "JPEG quality estimate"}},
      {"bytes_per_pixel", {"bytes_per_pixel", "file size per pixel"}},
  };
  for (const auto& [name, measure] : measured) {
    Property property{name, measure.second, false, {}, {}, {}};
    auto values = readMeasure(store, measure.first);
    if (!values) return values.error();
    property.numeric = std::move(*values);
    if (property.numeric.empty()) property.skipReason = "no '" + measure.first + "' measures (run winnow quality)";
    properties.push_back(std::move(property));
  }
  auto categoricalFromSamples = [&](const std::string& name, const std::string& description,
                                    auto getter) {
    Property property{name, description, true, {}, {}, {}};
    for (const auto& sample : *samples) property.category[sample.id] = getter(sample);
    properties.push_back(std::move(property));
  };
  categoricalFromSamples("has_exif", "has-EXIF", [](const store::SampleRecord& s) {
    return std::string(s.hasExif ? "yes" : "no");
  });
  categoricalFromSamples("format", "file format", [](const store::SampleRecord& s) { return s.format; });
  categoricalFromSamples("source", "source", [](const store::SampleRecord& s) { return s.sourceName; });

  nlohmann::json results = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::array();
  nlohmann::json flagged = nlohmann::json::array();
  job.begin("shortcut audit", static_cast<std::int64_t>(properties.size()));
  for (const Property& property : properties) {
    if (job.cancelled()) break;
    job.advance();
    if (!property.skipReason.empty()) {
      skipped.push_back({{"name", property.name}, {"reason", property.skipReason}});
      continue;
    }
    std::vector<int> labels;
    std::vector<double> numeric;
    std::vector<std::string> category;
    std::map<int, std::vector<double>> valuesByClass;
    for (const auto& sample : *samples) {
      const int label = classIds.at(*sample.label);
      if (property.categorical) {
        auto found = property.category.find(sample.id);
        if (found == property.category.end()) continue;
        category.push_back(found->second);
      } else {
        auto found = property.numeric.find(sample.id);
        if (found == property.numeric.end() || !std::isfinite(found->second)) continue;
        numeric.push_back(found->second);
        valuesByClass[label].push_back(found->second);
      }
      labels.push_back(label);
    }
    std::set<int> present(labels.begin(), labels.end());
    if (static_cast<int>(labels.size()) < minSamples || present.size() < 2) {
      skipped.push_back({{"name", property.name},
                         {"reason", "only " + std::to_string(labels.size()) +
                                        " samples in " + std::to_string(present.size()) +
                                        " classes have this property"}});
      continue;
    }
    const CrossValidatedScore score =
        property.categorical
            ? crossValidateCategorical(category, labels, classCount, folds, seed)
            : crossValidateNumeric(numeric, labels, classCount, folds, seed, bins);
    const bool isShortcut = score.auc >= aucThreshold;
    std::string explanation = property.description + " alone ";
    const bool partly = !isShortcut && score.auc >= kPartialAuc;
    if (classCount == 2) {
      explanation += std::string(isShortcut ? "separates " : partly ? "partly separates " : "does not separate ") +
                     classNames[0] + " from " + classNames[1];
    } else {
      explanation += std::string(isShortcut ? "predicts " : partly ? "partly predicts " : "does not predict ") +
                     "the class (" + std::to_string(classCount) + " classes)";
    }
    explanation += ": AUC " + format2(score.auc) + ", balanced accuracy " +
                   format2(score.balancedAccuracy) + " (chance " + format2(1.0 / classCount) + ")";
    nlohmann::json entry = {{"name", property.name},
                            {"kind", property.categorical ? "categorical" : "numeric"},
                            {"samples", score.samples},
                            {"auc", score.auc},
                            {"balanced_accuracy", score.balancedAccuracy},
                            {"flagged", isShortcut},
                            {"explanation", explanation}};
    if (!property.categorical) {
      nlohmann::json medians = nlohmann::json::object();
      for (const auto& [label, values] : valuesByClass) {
        medians[classNames[static_cast<std::size_t>(label)]] = median(values);
      }
      entry["median_by_class"] = medians;
    }
    if (labels.size() < samples->size()) {
      entry["coverage"] = static_cast<double>(labels.size()) / static_cast<double>(samples->size());
    }
    if (isShortcut) flagged.push_back(property.name);
    results.push_back(std::move(entry));
  }
  job.finish();
  std::stable_sort(results.begin(), results.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a.at("auc").get<double>() > b.at("auc").get<double>();
  });
  // The composition behind a source finding, in the same words as `report` (one measurement).
  double sourceAuc = 0.5;
  for (const auto& entry : results) {
    if (entry.at("name") == "source") sourceAuc = entry.at("auc").get<double>();
  }
  for (const SourceDominanceFinding& finding :
       measureSourceDominance(*samples, kDefaultSourceDominance).findings) {
    const std::string line = describeSourceDominance(finding, sourceAuc, aucThreshold);
    notes.push_back(line.substr(line.find(": ") + 2));
  }
  report["properties"] = results;
  report["skipped"] = skipped;
  report["flagged"] = flagged;
  report["notes"] = notes;
  report["cancelled"] = job.cancelled();
  return report;
}

}  // namespace winnow::audit
