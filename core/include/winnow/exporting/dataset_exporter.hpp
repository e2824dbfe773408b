// Export: stream the project's active samples (decoded once, EXIF-oriented) through an exporter
// plugin. The plugin makes its output appear atomically; on any failure or cancel the session is
// aborted and nothing is left behind, and the store is never changed by an export.
#pragma once

#include <cstdint>
#include <filesystem>
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
};

struct ExportSummary {
  std::string capabilityId;
  std::filesystem::path output;
  std::int64_t exported = 0;
  std::int64_t skippedMissing = 0;  // original gone or changed since ingest (warned per file)
  std::int64_t skippedNoCrop = 0;   // faceCropsDetector set and the sample has no crop
  std::vector<std::string> classNames;
  std::vector<std::pair<std::string, std::int64_t>> countByClass;
  bool cancelled = false;
  double seconds = 0.0;
};

Result<ExportSummary> exportDataset(store::ProjectStore& store, plugin::PluginHost& host,
                                    const ExportOptions& options, job::JobContext& job);

nlohmann::json toJson(const ExportSummary& summary);

}  // namespace winnow::exporting
