// Near-duplicate subcommands: dupes, not-duplicate, keeper, conflicts.
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandDupes(const std::vector<std::string>& args);
int commandNotDuplicate(const std::vector<std::string>& args);
int commandKeeper(const std::vector<std::string>& args);
int commandConflicts(const std::vector<std::string>& args);

}  // namespace winnow::cli
