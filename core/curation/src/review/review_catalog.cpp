#include "winnow/review/review_catalog.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "winnow/faces/face_rows.hpp"
#include "winnow/store/review_queries.hpp"

namespace winnow::review {

namespace fs = std::filesystem;

namespace {

std::optional<std::size_t> indexIn(const std::vector<std::string>& sorted, const std::string& name) {
  auto found = std::lower_bound(sorted.begin(), sorted.end(), name);
  if (found == sorted.end() || *found != name) return std::nullopt;
  return static_cast<std::size_t>(found - sorted.begin());
}

}  // namespace

std::optional<std::size_t> ReviewCatalog::measureIndex(const std::string& name) const {
  return indexIn(measureNames, name);
}

std::optional<std::size_t> ReviewCatalog::flagIndex(const std::string& name) const {
  return indexIn(flagNames, name);
}

std::optional<std::size_t> ReviewCatalog::itemIndex(std::int64_t sampleId) const {
  auto found = std::lower_bound(items.begin(), items.end(), sampleId,
                                [](const CatalogItem& item, std::int64_t id) { return item.sampleId < id; });
  if (found == items.end() || found->sampleId != sampleId) return std::nullopt;
  return static_cast<std::size_t>(found - items.begin());
}

Result<ReviewCatalog> loadReviewCatalog(store::ProjectStore& store) {
  const fs::path projectDir = store.projectDir();
  ReviewCatalog catalog;
  std::unordered_map<std::int64_t, std::size_t> rowOf;

  {
    auto rows = store::readCatalogSamples(store);
    if (!rows) return rows.error();
    std::set<std::string> labels;
    std::set<std::string> sources;
    catalog.items.reserve(rows->size());
    for (store::CatalogSampleRow& row : *rows) {
      CatalogItem item;
      item.sampleId = row.sampleId;
      item.contentHash = std::move(row.contentHash);
      item.source = std::move(row.sourceName);
      item.imagePath = row.derivedPath.empty() ? fs::path(row.originalPath) : projectDir / row.derivedPath;
      item.width = row.width;
      item.height = row.height;
      item.label = std::move(row.label);
      item.split = std::move(row.split);
      item.status = std::move(row.status);
      if (item.label) labels.insert(*item.label);
      sources.insert(item.source);
      rowOf.emplace(item.sampleId, catalog.items.size());
      catalog.items.push_back(std::move(item));
    }
    catalog.labels.assign(labels.begin(), labels.end());
    catalog.sources.assign(sources.begin(), sources.end());
  }

  {
    // The largest face (face_index 0) of the most recent crop run that covered the sample.
    auto rows = store::readFirstFaceCrops(store);
    if (!rows) return rows.error();
    for (const store::SampleCropRow& crop : *rows) {
      auto row = rowOf.find(crop.sampleId);
      if (row != rowOf.end()) catalog.items[row->second].cropPath = projectDir / crop.path;
    }
  }

  {
    auto rows = store::readSampleFlags(store);
    if (!rows) return rows.error();
    std::set<std::string> names;
    for (const store::SampleFlagNameRow& flag : *rows) names.insert(flag.flag);
    catalog.flagNames.assign(names.begin(), names.end());
    for (const store::SampleFlagNameRow& flag : *rows) {
      auto row = rowOf.find(flag.sampleId);
      if (row == rowOf.end()) continue;
      catalog.items[row->second].flags.push_back(static_cast<int>(*catalog.flagIndex(flag.flag)));
    }
  }

  // Measures: stored ones plus the derived ones, collected first so the matrix is sized once.
  std::vector<std::tuple<std::size_t, std::string, float>> values;
  std::set<std::string> measureNames = {kDuplicateClusterSizeMeasure, kFaceScoreMeasure};
  {
    auto rows = store::readSampleMeasures(store);
    if (!rows) return rows.error();
    values.reserve(rows->size());
    for (store::SampleMeasureRow& measure : *rows) {
      auto row = rowOf.find(measure.sampleId);
      if (row == rowOf.end()) continue;
      measureNames.insert(measure.name);
      values.emplace_back(row->second, std::move(measure.name), static_cast<float>(measure.value));
    }
  }
  {
    auto rows = store::readClusterMemberships(store);
    if (!rows) return rows.error();
    for (const store::ClusterMembershipRow& member : *rows) {
      auto row = rowOf.find(member.sampleId);
      if (row == rowOf.end()) continue;
      catalog.items[row->second].duplicateClusterId = member.clusterId;
      values.emplace_back(row->second, kDuplicateClusterSizeMeasure, static_cast<float>(member.clusterSize));
    }
  }
  {
    auto rows = store::readBestFaceScores(store);
    if (!rows) return rows.error();
    for (const store::BestFaceScoreRow& face : *rows) {
      auto row = rowOf.find(face.sampleId);
      if (row == rowOf.end()) continue;
      values.emplace_back(row->second, kFaceScoreMeasure, static_cast<float>(face.score));
    }
  }
  catalog.measureNames.assign(measureNames.begin(), measureNames.end());
  catalog.measureValues.assign(catalog.items.size() * catalog.measureNames.size(),
                               std::numeric_limits<float>::quiet_NaN());
  // Resolving names through a map keyed by name keeps this O(rows log measures).
  std::map<std::string, std::size_t> columnOf;
  for (std::size_t i = 0; i < catalog.measureNames.size(); ++i) columnOf[catalog.measureNames[i]] = i;
  for (const auto& [row, name, value] : values) {
    catalog.measureValues[row * catalog.measureNames.size() + columnOf.at(name)] = value;
  }
  return catalog;
}

Result<std::vector<SampleFace>> listSampleFaces(store::ProjectStore& store, std::int64_t sampleId) {
  auto rows = store::readSampleFaces(store, sampleId);
  if (!rows) return rows.error();
  std::vector<SampleFace> faces;
  faces.reserve(rows->size());
  for (store::SampleFaceRow& row : *rows) {
    SampleFace face;
    face.faceId = row.faceId;
    face.detector = std::move(row.detector);
    face.box = faces::faceBoxFromRow(row.box);
    faces.push_back(std::move(face));
  }
  return faces;
}

}  // namespace winnow::review
