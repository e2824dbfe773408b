// Subcommands of the faces pipeline: detect (a project), faces (one image).
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandDetect(const std::vector<std::string>& args);
int commandFaces(const std::vector<std::string>& args);

}  // namespace winnow::cli
