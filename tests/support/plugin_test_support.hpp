// Test helpers shared by suites that run in-tree plugins on real photos.
#pragma once

#include <algorithm>
#include <filesystem>
#include <vector>

#include "winnow/plugin/plugin_host.hpp"

namespace winnow::test {

// A host with the plugins this build produced.
inline plugin::PluginHost makeBuiltPluginHost() {
  plugin::PluginHost host;
  host.discover({std::filesystem::path(WINNOW_PLUGIN_BUILD_DIR)});
  return host;
}

// The entries of a folder, sorted by path (at most `count`).
inline std::vector<std::filesystem::path> sortedFiles(const std::filesystem::path& folder,
                                                      std::size_t count = SIZE_MAX) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  files.resize(std::min(files.size(), count));
  return files;
}

}  // namespace winnow::test
