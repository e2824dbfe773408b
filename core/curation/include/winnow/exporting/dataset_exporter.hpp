// Export: stream the project's active samples (decoded once, EXIF-oriented) through an exporter
// plugin. The plugin makes its output appear atomically; on any failure or cancel the session is
// aborted and nothing is left behind, and the store is never changed by an export.
//
// Contracts:
// - An existing output (file or folder, whatever it holds) is refused unless overwrite is set;
//   with overwrite it is moved aside and removed only once the new output is in place (restored
//   on failure or cancel). This holds for every exporter, built-in or plugin.
// - Temp files of exports that were killed ("<output>.tmp-<pid>" whose process is gone, and
//   "<output>.old-<pid>" of an interrupted overwrite) are removed before a new export to the same
//   path, and named in the summary's warnings.
// - A sample whose file is missing, changed, unreadable, too large or undecodable is reported
//   (path + reason, summary.skippedBad) and left out; it never aborts the export. Files are
//   probed from their headers before the exporter is told the sample count; one that still fails
//   to decode later makes the export restart without it (the plugin ABI promises an exact count).
// - Memory: each sample is decoded at full size once (export needs every pixel): a 12,000 x 9,000
//   JPEG holds 324 MB of RGB for the time of its write_sample call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::exporting {

struct ExportOptions {
  std::string capabilityId = "hdf5";
  nlohmann::json params = nlohmann::json::object();
  std::filesystem::path output;
  std::optional<std::string> split;   // only this split ("train", "val", "test", "" = unassigned)
  bool includeUnlabelled = false;
  std::string pipelineConfigJson = "{}";
  // When set: each sample's pixels are its largest face crop made by this detector (`winnow
  // crops`), and samples without one are left out (counted in skippedNoCrop). The crop recipe is
  // recorded in the output's project info as {"images": {"kind": "face_crops", "detector",
  // "params"}} so that a model trained on it can crop new pictures the same way.
  std::optional<std::string> faceCropsDetector;
  bool overwrite = false;  // replace an existing output (else it is refused)
};

struct SkippedSample {
  std::int64_t sampleId = 0;
  std::string path;
  std::string reason;
};

// Per class ("" = unlabelled), per split ("" = unassigned): a count.
using ClassSplitCounts = std::map<std::string, std::map<std::string, std::int64_t>>;

struct ExportSummary {
  std::string capabilityId;
  std::filesystem::path output;
  std::int64_t exported = 0;
  std::int64_t skippedMissing = 0;  // original gone or changed since ingest (warned per file)
  std::int64_t skippedNoCrop = 0;   // faceCropsDetector set and the sample has no crop
  std::int64_t augmented = 0;       // exported rows that are synthetic children (balance)
  std::vector<SkippedSample> skippedBad;  // unreadable / undecodable / too large, each named
  std::vector<std::string> removedTempFiles;  // stale temp outputs of killed exports, removed
  std::vector<std::string> classNames;
  std::vector<std::pair<std::string, std::int64_t>> countByClass;
  ClassSplitCounts exportedByClassSplit;
  ClassSplitCounts augmentedByClassSplit;
  ClassSplitCounts skippedNoCropByClassSplit;  // who was left out for lack of a face crop
  // One line each: a class that has samples in a split but none exported there (all left out
  // for lack of a face crop), augmented rows in val/test.
  std::vector<std::string> warnings;
  bool cancelled = false;
  bool picturesDecoded = true;  // false for a metadata-only exporter (manifest "needs_pixels": false)
  double seconds = 0.0;
};

Result<ExportSummary> exportDataset(store::ProjectStore& store, plugin::PluginHost& host,
                                    const ExportOptions& options, job::JobContext& job);

// JSON of the summary: counts, per class and split (exported, augmented, left out for lack of a
// face crop; split "" is named "unassigned"), warnings.
nlohmann::json toJson(const ExportSummary& summary);

// "unassigned" for "", else the split name.
std::string splitDisplayName(const std::string& split);

}  // namespace winnow::exporting
