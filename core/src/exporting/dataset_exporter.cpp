#include "winnow/exporting/dataset_exporter.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <system_error>

#include "winnow/image/image_codec.hpp"
#include "store/sqlite_statement.hpp"

namespace winnow::exporting {

namespace fs = std::filesystem;

namespace {

fs::path pixelSourcePath(const store::ProjectStore& store, const store::SampleRecord& sample) {
  return sample.derivedPath.empty() ? fs::path(sample.originalPath)
                                    : store.projectDir() / sample.derivedPath;
}

std::string lowerExtension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

}  // namespace

std::string splitDisplayName(const std::string& split) { return split.empty() ? "unassigned" : split; }

namespace {

std::vector<std::string> exportWarnings(const ExportSummary& summary, const ExportOptions& options) {
  std::vector<std::string> warnings;
  for (const auto& [label, bySplit] : summary.skippedNoCropByClassSplit) {
    for (const auto& [split, skipped] : bySplit) {
      std::int64_t exported = 0;
      if (auto c = summary.exportedByClassSplit.find(label); c != summary.exportedByClassSplit.end()) {
        if (auto n = c->second.find(split); n != c->second.end()) exported = n->second;
      }
      if (exported > 0 || skipped == 0 || split.empty()) continue;  // unassigned is no split to vanish from
      warnings.push_back("class '" + (label.empty() ? std::string("(unlabelled)") : label) + "' vanished from split " +
                         splitDisplayName(split) + ": all " + std::to_string(skipped) +
                         " of its samples there have no face crop of detector '" +
                         options.faceCropsDetector.value_or("") +
                         "' (re-run `winnow split --face-crops " + options.faceCropsDetector.value_or("DET") +
                         "` to split over samples with a crop)");
    }
  }
  for (const auto& [label, bySplit] : summary.augmentedByClassSplit) {
    for (const auto& [split, count] : bySplit) {
      if (split != "val" && split != "test") continue;
      warnings.push_back(std::to_string(count) + " augmented (synthetic) rows of class '" + label + "' are in split " +
                         split + ": they inflate its scores (filter on /augmented, or re-run `winnow split`)");
    }
  }
  return warnings;
}

}  // namespace

Result<ExportSummary> exportDataset(store::ProjectStore& store, plugin::PluginHost& host,
                                    const ExportOptions& options, job::JobContext& job) {
  const auto started = std::chrono::steady_clock::now();
  if (options.output.empty()) {
    return makeError(ErrorCode::InvalidArgument, "export: no output path given");
  }
  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  filter.split = options.split;
  filter.labelledOnly = !options.includeUnlabelled;
  auto listed = store.listSamples(filter);
  if (!listed) return listed.error();

  // Cheap check before promising a sample count to the exporter: files that vanished or changed
  // size since ingest are skipped with a warning instead of failing the export half-way.
  std::vector<store::SampleRecord> samples;
  ExportSummary summary;
  summary.capabilityId = options.capabilityId;
  summary.output = options.output;
  std::map<std::int64_t, std::string> cropPaths;  // sample id -> project-relative crop path
  nlohmann::json cropRecipe;
  if (options.faceCropsDetector) {
    store::SqliteStatement crops(store.handle(),
                                 "SELECT sample_id, path, params_json FROM face_crops WHERE detector = ? AND face_index = 0");
    crops.bind(1, *options.faceCropsDetector);
    while (crops.step() == SQLITE_ROW) {
      cropPaths[crops.columnInt64(0)] = crops.columnText(1);
      if (cropRecipe.is_null()) cropRecipe = nlohmann::json::parse(crops.columnText(2), nullptr, false);
    }
    if (cropPaths.empty()) {
      return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": no face crops of detector '" +
                                                       *options.faceCropsDetector + "' (run `winnow crops` first)");
    }
  }
  auto pixelPath = [&](const store::SampleRecord& sample) {
    return options.faceCropsDetector ? store.projectDir() / cropPaths.at(sample.id) : pixelSourcePath(store, sample);
  };
  auto lineageParents = store.lineageParents();
  if (!lineageParents) return lineageParents.error();
  for (store::SampleRecord& sample : *listed) {
    if (options.faceCropsDetector && cropPaths.count(sample.id) == 0) {
      ++summary.skippedNoCrop;
      ++summary.skippedNoCropByClassSplit[sample.label.value_or("")][sample.split];
      continue;
    }
    if (options.faceCropsDetector) {
      std::error_code ec;
      if (!fs::is_regular_file(pixelPath(sample), ec)) {
        job.warn(pixelPath(sample).string() + ": face crop missing (rebuild with `winnow crops`); skipped");
        ++summary.skippedMissing;
        continue;
      }
      samples.push_back(std::move(sample));
      continue;
    }
    const fs::path path = pixelSourcePath(store, sample);
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || (sample.derivedPath.empty() && static_cast<std::int64_t>(size) != sample.byteSize)) {
      job.warn(path.string() + ": " + (ec ? "missing" : "changed since ingest") + "; skipped");
      ++summary.skippedMissing;
      continue;
    }
    samples.push_back(std::move(sample));
  }
  if (samples.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     store.projectDir().string() + ": nothing to export (no active" +
                         (options.includeUnlabelled ? "" : ", labelled") + " samples" +
                         (options.split ? " in split '" + *options.split + "'" : "") + ")");
  }

  std::set<std::string> classSet;
  for (const auto& sample : samples) {
    if (sample.label) classSet.insert(*sample.label);
  }
  summary.classNames.assign(classSet.begin(), classSet.end());
  std::map<std::string, std::int32_t> classIndex;
  for (std::size_t i = 0; i < summary.classNames.size(); ++i) {
    classIndex[summary.classNames[i]] = static_cast<std::int32_t>(i);
  }

  auto session = host.createExporter(options.capabilityId, options.params);
  if (!session) return session.error();

  plugin::ExportBeginInfo begin;
  begin.outputPath = options.output;
  begin.sampleCount = samples.size();
  begin.classNames = summary.classNames;
  begin.pipelineConfigJson = options.pipelineConfigJson;
  nlohmann::json projectInfo = {{"project", store.projectDir().string()},
                                {"winnow_version", WINNOW_VERSION},
                                {"exported_at", store::nowUtcIso8601()},
                                {"capability", options.capabilityId},
                                {"params", options.params}};
  if (options.faceCropsDetector) {
    projectInfo["images"] = {{"kind", "face_crops"}, {"detector", *options.faceCropsDetector}, {"params", cropRecipe}};
  }
  begin.projectInfoJson = projectInfo.dump();
  if (Status status = session->begin(begin); !status) return status.error();

  job.begin("export " + options.capabilityId, static_cast<std::int64_t>(samples.size()));
  std::map<std::string, std::int64_t> perClass;
  for (const store::SampleRecord& sample : samples) {
    if (job.cancelled()) {
      session->abort();
      job.finish();
      summary.cancelled = true;
      return summary;
    }
    const fs::path path = pixelPath(sample);
    auto bytes = image::readFileBytes(path);
    if (!bytes) {
      session->abort();
      return makeError(bytes.error().code, "export aborted: " + bytes.error().message);
    }
    auto decoded = image::decodeImage(*bytes, path, image::ColorMode::Rgb);
    if (!decoded) {
      session->abort();
      return makeError(decoded.error().code, "export aborted: " + decoded.error().message);
    }
    plugin::ExportSample item;
    item.sampleId = sample.id;
    item.label = sample.label.value_or("");
    item.labelIndex = sample.label ? classIndex[*sample.label] : -1;
    item.split = sample.split;
    item.source = sample.sourceName;
    item.originalLabel = sample.originalLabel;
    item.originalPath = sample.originalPath;
    item.contentHash = sample.contentHash;
    item.fileExtension = lowerExtension(path);
    item.image = &decoded->image;
    item.encodedBytes = bytes->data();
    item.encodedSize = bytes->size();
    const auto parent = lineageParents->find(sample.id);
    item.augmented = parent != lineageParents->end() || sample.format == "augmented";
    item.parentSampleId = parent != lineageParents->end() ? parent->second : -1;
    if (Status status = session->writeSample(item); !status) {
      session->abort();
      return status.error();
    }
    ++perClass[item.label];
    ++summary.exportedByClassSplit[item.label][item.split];
    if (item.augmented) {
      ++summary.augmented;
      ++summary.augmentedByClassSplit[item.label][item.split];
    }
    ++summary.exported;
    job.advance();
  }
  if (Status status = session->finish(); !status) return status.error();
  job.finish();
  summary.countByClass.assign(perClass.begin(), perClass.end());
  summary.warnings = exportWarnings(summary, options);
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

nlohmann::json toJson(const ExportSummary& summary) {
  nlohmann::json perClass = nlohmann::json::object();
  for (const auto& [label, count] : summary.countByClass) {
    perClass[label.empty() ? "(unlabelled)" : label] = count;
  }
  auto nested = [](const ClassSplitCounts& counts) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [label, bySplit] : counts) {
      nlohmann::json splits = nlohmann::json::object();
      for (const auto& [split, count] : bySplit) splits[splitDisplayName(split)] = count;
      out[label.empty() ? "(unlabelled)" : label] = splits;
    }
    return out;
  };
  return {{"capability", summary.capabilityId},
          {"output", summary.output.string()},
          {"exported", summary.exported},
          {"skipped_missing", summary.skippedMissing},
          {"skipped_no_face_crop", summary.skippedNoCrop},
          {"skipped_no_face_crop_by_class", nested(summary.skippedNoCropByClassSplit)},
          {"by_class_and_split", nested(summary.exportedByClassSplit)},
          {"augmented", summary.augmented},
          {"augmented_by_class_and_split", nested(summary.augmentedByClassSplit)},
          {"warnings", summary.warnings},
          {"class_names", summary.classNames},
          {"by_class", perClass},
          {"cancelled", summary.cancelled},
          {"seconds", summary.seconds}};
}

}  // namespace winnow::exporting
