// Subcommands that balance classes and split a project: balance, split.
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandBalance(const std::vector<std::string>& args);
int commandSplit(const std::vector<std::string>& args);

}  // namespace winnow::cli
