#include "winnow/report/summary_json.hpp"

#include <iomanip>
#include <sstream>

namespace winnow::report {

namespace {

nlohmann::json countsToJson(const std::vector<store::CountByKey>& counts, const char* emptyName) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& entry : counts) object[entry.key.empty() ? emptyName : entry.key] = entry.count;
  return object;
}

void appendCounts(std::ostringstream& out, const char* title,
                  const std::vector<store::CountByKey>& counts, const char* emptyName) {
  out << title << ":\n";
  if (counts.empty()) out << "  (none)\n";
  for (const auto& entry : counts) {
    out << "  " << std::left << std::setw(24) << (entry.key.empty() ? emptyName : entry.key)
        << std::right << std::setw(8) << entry.count << "\n";
  }
}

}  // namespace

nlohmann::json toJson(const store::ProjectStats& stats) {
  nlohmann::json labelBySource = nlohmann::json::object();
  for (const auto& [label, sources] : stats.labelBySource) {
    nlohmann::json perSource = nlohmann::json::object();
    for (const auto& [source, count] : sources) perSource[source] = count;
    labelBySource[label.empty() ? "(unlabelled)" : label] = perSource;
  }
  return {{"samples", stats.samples},
          {"active_samples", stats.activeSamples},
          {"duplicates", stats.duplicates},
          {"bad_files", stats.badFiles},
          {"classes", countsToJson(stats.byLabel, "(unlabelled)")},
          {"class_count", stats.byLabel.size()},
          {"sources", countsToJson(stats.bySource, "")},
          {"splits", countsToJson(stats.bySplit, "(unassigned)")},
          {"statuses", countsToJson(stats.byStatus, "")},
          {"class_by_source", labelBySource},
          {"label_conflicts", {{"clusters", stats.labelConflicts},
                               {"open", stats.openLabelConflicts},
                               {"samples", stats.samplesInLabelConflicts}}}};
}

namespace {

// Files whose outcome the run committed. A cancelled run stops part-way, so its rate is over
// these, not over every file found (which made a cancelled run look fast). Video files count
// only through their frames' samples, so a cancel in a video folder under-counts, never over.
std::int64_t ingestFilesDone(const ingest::IngestSummary& summary) {
  if (!summary.cancelled) return summary.filesSeen;
  return (summary.added - summary.videoFrames) + summary.duplicates + summary.unchanged +
         static_cast<std::int64_t>(summary.badFiles.size());
}

double ingestFilesPerSecond(const ingest::IngestSummary& summary) {
  return summary.seconds > 0 ? static_cast<double>(ingestFilesDone(summary)) / summary.seconds : 0.0;
}

}  // namespace

// [{"path": ..., <key>: ...}] for ingest's skipped files and warnings.
static nlohmann::json pathList(const std::vector<ingest::BadFile>& files, const char* key) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& file : files) list.push_back({{"path", file.path}, {key, file.reason}});
  return list;
}

nlohmann::json toJson(const ingest::IngestSummary& summary) {
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& file : summary.badFiles) bad.push_back({{"path", file.path}, {"reason", file.reason}});
  nlohmann::json byLabel = nlohmann::json::object();
  for (const auto& [label, count] : summary.addedByLabel) {
    byLabel[label.empty() ? "(unlabelled)" : label] = count;
  }
  nlohmann::json result = {{"source", summary.sourceName},
          {"layout", summary.layout},
          {"files_seen", summary.filesSeen},
          {"added", summary.added},
          {"video_frames", summary.videoFrames},
          {"duplicates", summary.duplicates},
          {"unchanged", summary.unchanged},
          {"analysed", summary.analysed},
          {"thumbnail_failures", summary.thumbnailFailures},
          {"skipped_non_image", summary.skippedNonImage},
          {"skipped_hidden", summary.skippedHidden},
          {"skipped_files", pathList(summary.skippedFiles, "reason")},
          {"file_warnings", pathList(summary.fileWarnings, "warning")},
          {"bad_file_count", summary.badFiles.size()},
          {"bad_files", bad},
          {"added_by_class", byLabel},
          {"cancelled", summary.cancelled},
          {"seconds", summary.seconds},
          {"files_done", ingestFilesDone(summary)},
          {"files_per_second", ingestFilesPerSecond(summary)}};
  if (summary.csvLabelledFiles > 0 || !summary.csvMissingFiles.empty() || !summary.csvUnmatchedRows.empty()) {
    result["labels_csv"] = {{"labelled_files", summary.csvLabelledFiles},
                            {"files_without_row", summary.csvMissingFiles},
                            {"rows_without_file", summary.csvUnmatchedRows},
                            {"skipped_rows", summary.csvSkippedRows}};
  }
  return result;
}

nlohmann::json toJson(const store::DecisionRecord& decision) {
  return {{"id", decision.id},
          {"sample_id", decision.sampleId},
          {"field", decision.field},
          {"old_value", decision.oldValue ? nlohmann::json(*decision.oldValue) : nlohmann::json()},
          {"new_value", decision.newValue ? nlohmann::json(*decision.newValue) : nlohmann::json()},
          {"actor", decision.actor},
          {"reason", decision.reason},
          {"created_at", decision.createdAt},
          {"undone", decision.undone}};
}

std::string formatStats(const store::ProjectStats& stats) {
  std::ostringstream out;
  out << "samples: " << stats.samples << " (" << stats.activeSamples << " active), "
      << stats.duplicates << " exact duplicates recorded, " << stats.badFiles << " bad files\n";
  appendCounts(out, "classes", stats.byLabel, "(unlabelled)");
  appendCounts(out, "sources", stats.bySource, "");
  appendCounts(out, "splits", stats.bySplit, "(unassigned)");
  appendCounts(out, "statuses", stats.byStatus, "");
  if (stats.labelConflicts > 0) {
    out << "label conflicts: " << stats.labelConflicts << " near-duplicate clusters mix labels ("
        << stats.openLabelConflicts << " open, " << stats.samplesInLabelConflicts
        << " samples); review them with: winnow conflicts <project>\n";
  }
  return out.str();
}

std::string formatIngestSummary(const ingest::IngestSummary& summary) {
  std::ostringstream out;
  out << "source '" << summary.sourceName << "' (" << summary.layout << "): " << summary.filesSeen
      << " files, " << summary.added << " added";
  if (summary.videoFrames > 0) out << " (" << summary.videoFrames << " video frames)";
  out << ", " << summary.duplicates << " exact duplicates, " << summary.unchanged
      << " unchanged, " << summary.badFiles.size() << " bad";
  if (summary.skippedNonImage > 0) out << ", " << summary.skippedNonImage << " non-image skipped";
  if (summary.skippedHidden > 0) out << ", " << summary.skippedHidden << " hidden skipped (names: --json)";
  if (!summary.fileWarnings.empty()) out << ", " << summary.fileWarnings.size() << " warnings";
  if (summary.csvLabelledFiles > 0 || !summary.csvMissingFiles.empty()) {
    const auto counted = [](std::size_t n, const char* one, const char* many) {
      return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    out << ", " << summary.csvLabelledFiles << " labelled from the CSV ("
        << counted(summary.csvMissingFiles.size(), "file", "files") << " without a row, "
        << counted(summary.csvUnmatchedRows.size(), "row", "rows") << " without a file)";
  }
  out << std::fixed << std::setprecision(1) << " in " << summary.seconds << " s";
  if (summary.seconds > 0) out << " (" << ingestFilesPerSecond(summary) << " files/s)";
  if (summary.cancelled) out << " [cancelled after " << ingestFilesDone(summary) << " files]";
  out << "\n";
  for (const auto& [label, count] : summary.addedByLabel) {
    out << "  + " << (label.empty() ? "(unlabelled)" : label) << ": " << count << "\n";
  }
  return out.str();
}

}  // namespace winnow::report
