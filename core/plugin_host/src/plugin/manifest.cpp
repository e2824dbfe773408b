#include "manifest.hpp"

#include "winnow/config/schema_files.hpp"

namespace winnow::plugin::detail {
namespace {

CapabilityKind kindFromManifest(const std::string& name) {
  return parseCapabilityKind(name).value_or(CapabilityKind::Invalid);
}

}  // namespace

const Result<config::JsonSchema>& manifestSchema() { return config::projectSchema("plugin-manifest.schema.json"); }

Result<Manifest> parseManifest(const nlohmann::json& document) {
  const auto& schema = manifestSchema();
  if (!schema) {
    return makeError(ErrorCode::Schema, "cannot check the manifest: " + schema.error().message);
  }
  auto violations = schema->validate(document);
  if (!violations.empty()) {
    return makeError(ErrorCode::Schema, "manifest fails the schema: " +
                                            config::joinViolationsOneLine("", violations));
  }
  try {
    Manifest manifest;
    manifest.id = document.at("id").get<std::string>();
    manifest.version = document.at("version").get<std::string>();
    manifest.description = document.at("description").get<std::string>();
    manifest.library = document.at("library").get<std::string>();
    manifest.abiVersion = document.at("abi_version").get<std::uint32_t>();
    manifest.apiLevel = document.at("api_level").get<std::uint32_t>();
    for (const auto& entry : document.at("capabilities")) {
      CapabilityDescriptor descriptor;
      descriptor.pluginId = manifest.id;
      descriptor.id = entry.at("id").get<std::string>();
      descriptor.description = entry.at("description").get<std::string>();
      descriptor.kind = kindFromManifest(entry.at("kind").get<std::string>());
      descriptor.paramsSchema = entry.at("params_schema");
      descriptor.needsPixels = entry.value("needs_pixels", true);
      manifest.capabilities.push_back(std::move(descriptor));
    }
    return manifest;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Schema, std::string("manifest cannot be read: ") + e.what());
  }
}

}  // namespace winnow::plugin::detail
