#include "manifest.hpp"

#include <mutex>
#include <optional>

#include "winnow/util/executable_path.hpp"

namespace winnow::plugin::detail {
namespace {

constexpr const char* kSchemaFile = "plugin-manifest.schema.json";

Result<config::JsonSchema> loadManifestSchema() {
  std::vector<std::filesystem::path> candidates;
#ifdef WINNOW_SCHEMA_DIR
  candidates.emplace_back(WINNOW_SCHEMA_DIR);
#endif
  if (auto exeDir = winnow::executableDirectory(); !exeDir.empty()) {
    candidates.push_back((exeDir / ".." / "share" / "winnow" / "schemas").lexically_normal());
  }
#ifdef WINNOW_INSTALL_SCHEMA_DIR
  candidates.emplace_back(WINNOW_INSTALL_SCHEMA_DIR);
#endif
  std::string tried;
  for (const auto& folder : candidates) {
    const auto path = folder / kSchemaFile;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    auto document = config::readJsonFile(path);
    if (!document) {
      return document.error();
    }
    return config::JsonSchema::compile(*document, path.string());
  }
  return makeError(ErrorCode::NotFound, std::string("cannot find ") + kSchemaFile + " (tried " +
                                            tried + ")");
}

CapabilityKind kindFromManifest(const std::string& name) {
  return parseCapabilityKind(name).value_or(CapabilityKind::Invalid);
}

}  // namespace

const Result<config::JsonSchema>& manifestSchema() {
  static const Result<config::JsonSchema> schema = loadManifestSchema();
  return schema;
}

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
