// One manifest the plugin host found, loaded or not, with the reason when not (style rule 7).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/plugin/capability.hpp"

namespace winnow::plugin {

enum class PluginState { Invalid = 0, Loaded, Rejected };

const char* pluginStateName(PluginState state);  // "loaded", "rejected", "invalid"

struct PluginRecord {
  std::filesystem::path manifestPath;
  std::filesystem::path libraryPath;  // empty when the manifest could not be read
  std::string id;                     // from the manifest; empty when it could not be read
  std::string version;
  std::string description;
  std::uint32_t abiVersion = 0;       // as the manifest declares
  std::uint32_t apiLevel = 0;
  PluginState state = PluginState::Invalid;
  std::string rejectionReason;        // one line; empty when loaded
  std::vector<CapabilityDescriptor> capabilities;  // from the manifest (also for rejected ones)
};

}  // namespace winnow::plugin
