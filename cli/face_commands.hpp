// Subcommands of the faces pipeline: detect, crops, embed, identity (a project), faces (one image).
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandDetect(const std::vector<std::string>& args);
int commandFaces(const std::vector<std::string>& args);
int commandCrops(const std::vector<std::string>& args);
int commandEmbed(const std::vector<std::string>& args);
int commandIdentity(const std::vector<std::string>& args);
// Groups faces by identity from stored embeddings; --name N=class labels a whole group.
int commandIdentities(const std::vector<std::string>& args);

}  // namespace winnow::cli
