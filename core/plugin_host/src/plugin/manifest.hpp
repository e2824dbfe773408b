// Reading a plugin manifest (<target>.winnow-plugin.json) and checking it against
// schemas/plugin-manifest.schema.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/config/json_schema.hpp"
#include "winnow/plugin/capability.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin::detail {

struct Manifest {
  std::string id;
  std::string version;
  std::string description;
  std::string library;  // a file name in the manifest's folder
  std::uint32_t abiVersion = 0;
  std::uint32_t apiLevel = 0;
  std::vector<CapabilityDescriptor> capabilities;
};

// The compiled manifest schema (config::projectSchema: the source tree, else
// <exe>/../share/winnow/schemas, else the install dir). Thread-safe.
const Result<config::JsonSchema>& manifestSchema();

// Parses an already-read manifest. The error message is the reason only (no file name):
// "manifest fails the schema: /capabilities/0/kind: must be one of [...]".
Result<Manifest> parseManifest(const nlohmann::json& document);

}  // namespace winnow::plugin::detail
