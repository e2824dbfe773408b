// Curation subcommands: quality, flagged, report, audit, mislabels. Each parses its options, calls
// the core operation (winnow::quality / winnow::audit) and prints text or --json.
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandQuality(const std::vector<std::string>& args);
int commandFlagged(const std::vector<std::string>& args);
int commandReport(const std::vector<std::string>& args);
int commandAudit(const std::vector<std::string>& args);
int commandMislabels(const std::vector<std::string>& args);

}  // namespace winnow::cli
