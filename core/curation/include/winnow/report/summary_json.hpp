// JSON forms of the core's summaries: one shape shared by `--json` CLI output, the runs table's
// summary column and pipeline results, so scripts see the same keys everywhere.
#pragma once

#include <nlohmann/json.hpp>

#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::report {

nlohmann::json toJson(const store::ProjectStats& stats);
nlohmann::json toJson(const ingest::IngestSummary& summary);
nlohmann::json toJson(const store::DecisionRecord& decision);

// Human-readable, multi-line forms for the terminal.
std::string formatStats(const store::ProjectStats& stats);
std::string formatIngestSummary(const ingest::IngestSummary& summary);

}  // namespace winnow::report
