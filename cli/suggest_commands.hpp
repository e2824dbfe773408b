// Assisted labelling from the CLI: suggest (train on labelled descriptors, store a proposal per
// unlabelled sample) and accept (apply chosen proposals as undoable label decisions).
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandSuggest(const std::vector<std::string>& args);
int commandAccept(const std::vector<std::string>& args);

}  // namespace winnow::cli
