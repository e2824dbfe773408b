#include "winnow/review/review_catalog.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "faces/face_rows.hpp"
#include "store/sqlite_statement.hpp"

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
  sqlite3* db = store.handle();
  const fs::path projectDir = store.projectDir();
  ReviewCatalog catalog;
  std::unordered_map<std::int64_t, std::size_t> rowOf;

  {
    store::SqliteStatement select(
        db,
        "SELECT s.id, s.content_hash, src.name, s.original_path, s.derived_path, s.width, s.height, "
        "s.label, s.split, s.status FROM samples s JOIN sources src ON src.id = s.source_id "
        "ORDER BY s.id");
    if (!select.ok()) return select.error("read samples");
    std::set<std::string> labels;
    std::set<std::string> sources;
    int rc = SQLITE_ROW;
    while ((rc = select.step()) == SQLITE_ROW) {
      CatalogItem item;
      item.sampleId = select.columnInt64(0);
      item.contentHash = select.columnText(1);
      item.source = select.columnText(2);
      const std::string derived = select.columnText(4);
      item.imagePath = derived.empty() ? fs::path(select.columnText(3)) : projectDir / derived;
      item.width = select.columnInt(5);
      item.height = select.columnInt(6);
      item.label = select.columnOptionalText(7);
      item.split = select.columnText(8);
      item.status = select.columnText(9);
      if (item.label) labels.insert(*item.label);
      sources.insert(item.source);
      rowOf.emplace(item.sampleId, catalog.items.size());
      catalog.items.push_back(std::move(item));
    }
    if (rc != SQLITE_DONE) return select.error("read samples");
    catalog.labels.assign(labels.begin(), labels.end());
    catalog.sources.assign(sources.begin(), sources.end());
  }

  {
    // The largest face (face_index 0) of the most recent crop run that covered the sample.
    store::SqliteStatement select(db, "SELECT sample_id, path FROM face_crops WHERE face_index = 0 ORDER BY id");
    if (!select.ok()) return select.error("read face crops");
    while (select.step() == SQLITE_ROW) {
      auto row = rowOf.find(select.columnInt64(0));
      if (row != rowOf.end()) catalog.items[row->second].cropPath = projectDir / select.columnText(1);
    }
  }

  {
    store::SqliteStatement select(db, "SELECT sample_id, flag FROM sample_flags ORDER BY flag, sample_id");
    if (!select.ok()) return select.error("read flags");
    std::vector<std::pair<std::int64_t, std::string>> rows;
    std::set<std::string> names;
    while (select.step() == SQLITE_ROW) {
      rows.emplace_back(select.columnInt64(0), select.columnText(1));
      names.insert(rows.back().second);
    }
    catalog.flagNames.assign(names.begin(), names.end());
    for (const auto& [sampleId, flag] : rows) {
      auto row = rowOf.find(sampleId);
      if (row == rowOf.end()) continue;
      catalog.items[row->second].flags.push_back(static_cast<int>(*catalog.flagIndex(flag)));
    }
  }

  // Measures: stored ones plus the derived ones, collected first so the matrix is sized once.
  std::vector<std::tuple<std::size_t, std::string, float>> values;
  std::set<std::string> measureNames = {kDuplicateClusterSizeMeasure, kFaceScoreMeasure};
  {
    store::SqliteStatement select(db, "SELECT sample_id, name, value FROM sample_measures");
    if (!select.ok()) return select.error("read measures");
    while (select.step() == SQLITE_ROW) {
      auto row = rowOf.find(select.columnInt64(0));
      if (row == rowOf.end()) continue;
      std::string name = select.columnText(1);
      measureNames.insert(name);
      values.emplace_back(row->second, std::move(name), static_cast<float>(select.columnDouble(2)));
    }
  }
  {
    store::SqliteStatement select(
        db,
        "SELECT m.sample_id, m.cluster_id, c.size FROM duplicate_cluster_members m JOIN "
        "(SELECT cluster_id, COUNT(*) AS size FROM duplicate_cluster_members GROUP BY cluster_id) c "
        "ON c.cluster_id = m.cluster_id");
    if (!select.ok()) return select.error("read duplicate clusters");
    while (select.step() == SQLITE_ROW) {
      auto row = rowOf.find(select.columnInt64(0));
      if (row == rowOf.end()) continue;
      catalog.items[row->second].duplicateClusterId = select.columnInt64(1);
      values.emplace_back(row->second, kDuplicateClusterSizeMeasure, static_cast<float>(select.columnInt(2)));
    }
  }
  {
    store::SqliteStatement select(db, "SELECT sample_id, MAX(score) FROM faces GROUP BY sample_id");
    if (!select.ok()) return select.error("read faces");
    while (select.step() == SQLITE_ROW) {
      auto row = rowOf.find(select.columnInt64(0));
      if (row == rowOf.end()) continue;
      values.emplace_back(row->second, kFaceScoreMeasure, static_cast<float>(select.columnDouble(1)));
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
  store::SqliteStatement select(store.handle(),
                                "SELECT id, detector, x, y, width, height, score, landmarks_json FROM faces "
                                "WHERE sample_id = ? ORDER BY width * height DESC, id");
  if (!select.ok()) return select.error("read faces");
  select.bind(1, sampleId);
  std::vector<SampleFace> faces;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    SampleFace face;
    face.faceId = select.columnInt64(0);
    face.detector = select.columnText(1);
    face.box = faces::faceBoxFromRow(select, 2);
    faces.push_back(std::move(face));
  }
  if (rc != SQLITE_DONE) return select.error("read faces");
  return faces;
}

}  // namespace winnow::review
