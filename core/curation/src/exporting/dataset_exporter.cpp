#include "winnow/exporting/dataset_exporter.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <chrono>
#include <map>
#include <set>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include "winnow/image/image_codec.hpp"
#include "winnow/store/exporting_queries.hpp"

namespace winnow::exporting {

namespace fs = std::filesystem;

namespace {

std::string lowerExtension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

// Removes "<name>.tmp-<pid>" and "<name>.old-<pid>" beside `output` whose process is gone
// (exports that were killed). Returns what was removed; live ones are left alone.
std::vector<std::string> removeStaleTemps(const fs::path& output, std::vector<std::string>& warnings) {
  std::vector<std::string> removed;
  const fs::path folder = output.parent_path().empty() ? fs::path(".") : output.parent_path();
  const std::string name = output.filename().string();
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) return removed;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string entry = it->path().filename().string();
    for (const char* marker : {".tmp-", ".old-"}) {
      const std::string prefix = name + marker;
      if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string digits = entry.substr(prefix.size());
      if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
      const long pid = std::stol(digits);
      if (pid == static_cast<long>(::getpid())) continue;
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) {
        warnings.push_back(it->path().string() + ": temp output of a running export (pid " + digits + "); left alone");
        continue;
      }
      if (std::string(marker) == ".old-" && !fs::exists(output, ec)) {
        // An overwrite was interrupted after moving the old output aside: put it back.
        fs::rename(it->path(), output, ec);
        if (!ec) {
          warnings.push_back(output.string() + ": restored from " + it->path().string() +
                             " (an overwriting export was killed)");
          continue;
        }
      }
      std::error_code removeError;
      fs::remove_all(it->path(), removeError);
      if (!removeError) removed.push_back(it->path().string());
    }
  }
  return removed;
}

// Samples an export may hold at full size: the default limit, or more if ingest admitted more.
image::DecodeLimits exportLimits(const store::SampleRecord& sample) {
  image::DecodeLimits limits;
  limits.maxPixels = std::max<std::int64_t>(limits.maxPixels, static_cast<std::int64_t>(sample.width) * sample.height);
  limits.maxSide = std::max({limits.maxSide, sample.width, sample.height});
  return limits;
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
  // A metadata-only exporter (manifest "needs_pixels": false) gets no pictures: none is read or
  // decoded for it.
  const plugin::CapabilityDescriptor* descriptor = host.findCapability(options.capabilityId);
  const bool needsPixels = descriptor == nullptr || descriptor->needsPixels;
  summary.picturesDecoded = needsPixels;
  std::map<std::int64_t, std::string> cropPaths;  // sample id -> project-relative crop path
  nlohmann::json cropRecipe;
  if (options.faceCropsDetector) {
    auto crops = store::readExportCrops(store, *options.faceCropsDetector);
    if (!crops) return crops.error();
    for (store::ExportCropRow& crop : *crops) {
      cropPaths[crop.sampleId] = std::move(crop.path);
      if (cropRecipe.is_null()) cropRecipe = nlohmann::json::parse(crop.paramsJson, nullptr, false);
    }
    if (cropPaths.empty()) {
      return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": no face crops of detector '" +
                                                       *options.faceCropsDetector + "' (run `winnow crops` first)");
    }
  }
  // What is exported: the face crop when crops are asked for, else the sample's pixels.
  auto exportedPath = [&](const store::SampleRecord& sample) {
    return options.faceCropsDetector ? store.projectDir() / cropPaths.at(sample.id) : store.pixelPath(sample);
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
      if (!fs::is_regular_file(exportedPath(sample), ec)) {
        job.warn(exportedPath(sample).string() + ": face crop missing (rebuild with `winnow crops`); skipped");
        ++summary.skippedMissing;
        continue;
      }
      samples.push_back(std::move(sample));
      continue;
    }
    const fs::path path = store.pixelPath(sample);
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || (sample.derivedPath.empty() && static_cast<std::int64_t>(size) != sample.byteSize)) {
      job.warn(path.string() + ": " + (ec ? "missing" : "changed since ingest") + "; skipped");
      ++summary.skippedMissing;
      continue;
    }
    samples.push_back(std::move(sample));
  }
  // Header probe of every file before promising a count: a file that is now too large, cut or
  // no image is named and left out here, not discovered half-way through the export.
  {
    std::vector<store::SampleRecord> sound;
    sound.reserve(samples.size());
    for (store::SampleRecord& sample : samples) {
      const fs::path path = exportedPath(sample);
      auto probed = image::probeImageFile(path, exportLimits(sample));
      if (!probed) {
        job.warn(probed.error().message + "; skipped");
        summary.skippedBad.push_back({sample.id, path.string(), probed.error().message});
        continue;
      }
      sound.push_back(std::move(sample));
    }
    samples = std::move(sound);
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

  // Existing output: refused, or moved aside (overwrite) and removed once the new one is in place.
  summary.removedTempFiles = removeStaleTemps(options.output, summary.warnings);
  for (const std::string& removed : summary.removedTempFiles) {
    job.warn(removed + ": removed (temp output of an export that was killed)");
  }
  std::error_code existsError;
  const bool outputExists = fs::exists(fs::symlink_status(options.output, existsError));
  if (outputExists && !options.overwrite) {
    return makeError(ErrorCode::InvalidArgument,
                     options.output.string() + ": output exists; refusing to replace it (pass --overwrite, or "
                                               "\"overwrite\": true in a pipeline step)");
  }
  fs::path asidePath;
  if (outputExists) {
    asidePath = options.output;
    asidePath += ".old-" + std::to_string(::getpid());
    std::error_code moveError;
    fs::rename(options.output, asidePath, moveError);
    if (moveError) {
      return makeError(ErrorCode::Io, options.output.string() + ": cannot move the existing output aside: " +
                                          moveError.message());
    }
  }
  auto restoreAside = [&] {
    if (asidePath.empty()) return;
    std::error_code ignored;
    fs::remove_all(options.output, ignored);
    fs::rename(asidePath, options.output, ignored);
  };

  plugin::ExportBeginInfo begin;
  begin.outputPath = options.output;
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

  // One pass over `samples`. A sample that cannot be read or decoded now ends the pass with its
  // index (the session is aborted: the count promised to the plugin no longer holds).
  constexpr int kMaxRestarts = 16;
  std::map<std::string, std::int64_t> perClass;
  for (int attempt = 0;; ++attempt) {
    if (samples.empty()) {
      restoreAside();
      return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": nothing to export (every sample was skipped)");
    }
    auto session = host.createExporter(options.capabilityId, options.params);
    if (!session) {
      restoreAside();
      return session.error();
    }
    begin.sampleCount = samples.size();
    if (Status status = session->begin(begin); !status) {
      restoreAside();
      return status.error();
    }
    job.begin("export " + options.capabilityId, static_cast<std::int64_t>(samples.size()));
    perClass.clear();
    summary.exportedByClassSplit.clear();
    summary.augmentedByClassSplit.clear();
    summary.augmented = 0;
    summary.exported = 0;
    std::optional<std::size_t> failed;
    std::string failure;
    for (std::size_t index = 0; index < samples.size(); ++index) {
      const store::SampleRecord& sample = samples[index];
      if (job.cancelled()) {
        session->abort();
        restoreAside();
        job.finish();
        summary.cancelled = true;
        return summary;
      }
      const fs::path path = exportedPath(sample);
      Result<std::vector<std::uint8_t>> bytes = std::vector<std::uint8_t>();
      Result<image::DecodedImage> decoded = image::DecodedImage();
      if (needsPixels) {
        bytes = image::readFileBytes(path);
        if (!bytes) {
          failed = index;
          failure = bytes.error().message;
          break;
        }
        decoded = image::decodeImage(*bytes, path, image::ColorMode::Rgb, exportLimits(sample));
        if (!decoded) {
          failed = index;
          failure = decoded.error().message;
          break;
        }
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
      item.image = needsPixels ? &decoded->image : nullptr;
      item.encodedBytes = needsPixels ? bytes->data() : nullptr;
      item.encodedSize = needsPixels ? bytes->size() : 0;
      const auto parent = lineageParents->find(sample.id);
      item.augmented = parent != lineageParents->end() || sample.format == "augmented";
      item.parentSampleId = parent != lineageParents->end() ? parent->second : -1;
      if (Status status = session->writeSample(item); !status) {
        session->abort();
        restoreAside();
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
    if (!failed) {
      if (Status status = session->finish(); !status) {
        restoreAside();
        return status.error();
      }
      break;
    }
    session->abort();
    const store::SampleRecord& bad = samples[*failed];
    job.warn(failure + "; skipped (export restarts without it)");
    summary.skippedBad.push_back({bad.id, exportedPath(bad).string(), failure});
    samples.erase(samples.begin() + static_cast<std::ptrdiff_t>(*failed));
    if (attempt + 1 >= kMaxRestarts) {
      restoreAside();
      return makeError(ErrorCode::Decode, "export aborted: " + std::to_string(summary.skippedBad.size()) +
                                              " samples failed to decode after passing the header check; last: " +
                                              failure);
    }
  }
  if (!asidePath.empty()) {
    std::error_code ignored;
    fs::remove_all(asidePath, ignored);
  }
  job.finish();
  summary.countByClass.assign(perClass.begin(), perClass.end());
  for (std::string& warning : exportWarnings(summary, options)) summary.warnings.push_back(std::move(warning));
  for (const SkippedSample& skipped : summary.skippedBad) {
    summary.warnings.push_back(skipped.reason + " (sample " + std::to_string(skipped.sampleId) + " left out)");
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

nlohmann::json toJson(const ExportSummary& summary) {
  nlohmann::json perClass = nlohmann::json::object();
  for (const auto& [label, count] : summary.countByClass) {
    perClass[label.empty() ? "(unlabelled)" : label] = count;
  }
  nlohmann::json skippedBad = nlohmann::json::array();
  for (const SkippedSample& skipped : summary.skippedBad) {
    skippedBad.push_back({{"sample_id", skipped.sampleId}, {"path", skipped.path}, {"reason", skipped.reason}});
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
          {"skipped_bad", skippedBad},
          {"removed_temp_files", summary.removedTempFiles},
          {"skipped_no_face_crop", summary.skippedNoCrop},
          {"skipped_no_face_crop_by_class", nested(summary.skippedNoCropByClassSplit)},
          {"by_class_and_split", nested(summary.exportedByClassSplit)},
          {"augmented", summary.augmented},
          {"augmented_by_class_and_split", nested(summary.augmentedByClassSplit)},
          {"warnings", summary.warnings},
          {"class_names", summary.classNames},
          {"by_class", perClass},
          {"cancelled", summary.cancelled},
          {"pictures_decoded", summary.picturesDecoded},
          {"seconds", summary.seconds}};
}

}  // namespace winnow::exporting
