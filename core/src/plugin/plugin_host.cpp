#include "winnow/plugin/plugin_host.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <map>
#include <set>
#include <sstream>

#include "elf_check.hpp"
#include "error_sink.hpp"
#include "loaded_library.hpp"
#include "manifest.hpp"
#include "winnow/config/json_schema.hpp"

namespace winnow::plugin {
namespace {

constexpr std::string_view kHostLogId = "winnow.plugin-host";

struct LoadedCapability {
  CapabilityDescriptor descriptor;
  const winnow_capability* capability = nullptr;
  std::shared_ptr<const detail::LoadedLibrary> library;
  config::JsonSchema paramsSchema;
};

// A plugin that cannot be loaded; carries the one-line reason.
struct Rejection {
  std::string reason;
};

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string quoted(const char* text) {
  return text == nullptr ? std::string("(null)") : "'" + std::string(text) + "'";
}

std::size_t opsSizeFor(CapabilityKind kind) {
  switch (kind) {
    case CapabilityKind::Detector: return sizeof(winnow_detector_ops);
    case CapabilityKind::Augmenter: return sizeof(winnow_augmenter_ops);
    case CapabilityKind::Exporter: return sizeof(winnow_exporter_ops);
    case CapabilityKind::Balancer: return sizeof(winnow_balancer_ops);
    case CapabilityKind::Model: return WINNOW_MODEL_OPS_LEVEL3_SIZE;  // level 4 ops are optional
    default: return 0;
  }
}

// Element `index` of the plugin's capability array. The array is strided by the plugin's own
// struct_size (read from the first element), so a plugin built against a later SDK whose
// winnow_capability grew by appended fields is still read correctly.
const winnow_capability& capabilityAt(const winnow_plugin_info& info, std::uint32_t index) {
  const std::size_t stride = std::max<std::size_t>(info.capabilities[0].struct_size,
                                                   sizeof(winnow_capability));
  const auto* base = reinterpret_cast<const unsigned char*>(info.capabilities);
  return *reinterpret_cast<const winnow_capability*>(base + stride * index);
}

CapabilityKind kindFromAbi(winnow_capability_kind kind) {
  switch (kind) {
    case WINNOW_CAPABILITY_KIND_DETECTOR: return CapabilityKind::Detector;
    case WINNOW_CAPABILITY_KIND_AUGMENTER: return CapabilityKind::Augmenter;
    case WINNOW_CAPABILITY_KIND_BALANCER: return CapabilityKind::Balancer;
    case WINNOW_CAPABILITY_KIND_MODEL: return CapabilityKind::Model;
    case WINNOW_CAPABILITY_KIND_EXPORTER: return CapabilityKind::Exporter;
    default: return CapabilityKind::Invalid;
  }
}

}  // namespace

struct PluginHost::Impl {
  std::shared_ptr<const HostServices> services;
  std::vector<PluginRecord> records;
  std::map<std::string, std::filesystem::path, std::less<>> loadedPluginIds;  // id -> manifest
  // std::map nodes are stable, so descriptor pointers handed out stay valid.
  std::map<std::string, LoadedCapability, std::less<>> capabilities;

  void log(LogLevel level, const std::string& message) const {
    detail::logThrough(*services, level, kHostLogId, message);
  }

  void discoverFolder(const std::filesystem::path& folder);
  void loadManifest(const std::filesystem::path& manifestPath);
  // Fills record + capabilities on success; returns the reason on failure.
  std::optional<Rejection> tryLoad(PluginRecord& record,
                                   std::vector<LoadedCapability>& loaded) const;
  std::optional<Rejection> checkTable(const detail::Manifest& manifest,
                                      const winnow_plugin_info& info) const;
};

PluginHost::PluginHost(HostServices services) : impl_(std::make_unique<Impl>()) {
  impl_->services = std::make_shared<const HostServices>(std::move(services));
}

PluginHost::~PluginHost() = default;
PluginHost::PluginHost(PluginHost&&) noexcept = default;
PluginHost& PluginHost::operator=(PluginHost&&) noexcept = default;

std::vector<std::filesystem::path> PluginHost::defaultSearchFolders() {
  std::vector<std::filesystem::path> folders;
  auto add = [&folders](const std::filesystem::path& folder) {
    if (folder.empty() || !folder.is_absolute()) {
      return;
    }
    auto normal = folder.lexically_normal();
    if (std::find(folders.begin(), folders.end(), normal) == folders.end()) {
      folders.push_back(normal);
    }
  };
  if (const char* env = std::getenv("WINNOW_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    std::string entry;
    while (std::getline(list, entry, ':')) {
      add(entry);
    }
  }
  if (auto exeDir = detail::executableDirectory(); !exeDir.empty()) {
    add(exeDir / ".." / "lib" / "winnow" / "plugins");
  }
#ifdef WINNOW_INSTALL_PLUGIN_DIR
  add(WINNOW_INSTALL_PLUGIN_DIR);
#endif
  return folders;
}

void PluginHost::discover(const std::vector<std::filesystem::path>& folders) {
  for (const auto& folder : folders) {
    try {
      impl_->discoverFolder(folder);
    } catch (const std::exception& e) {
      impl_->log(LogLevel::Error, folder.string() + ": cannot scan for plugins: " + oneLine(e.what()));
    } catch (...) {
      impl_->log(LogLevel::Error, folder.string() + ": cannot scan for plugins");
    }
  }
}

void PluginHost::Impl::discoverFolder(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    log(LogLevel::Debug, folder.string() + ": no such plugin folder, skipped");
    return;
  }
  std::vector<std::filesystem::path> manifests;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& path = it->path();
    if (endsWith(path.filename().string(), kManifestSuffix) && it->is_regular_file(ec)) {
      manifests.push_back(path);
    }
  }
  if (ec) {
    log(LogLevel::Warning, folder.string() + ": cannot list plugin folder: " + ec.message());
  }
  std::sort(manifests.begin(), manifests.end());
  for (const auto& manifestPath : manifests) {
    loadManifest(manifestPath);
  }
}

void PluginHost::Impl::loadManifest(const std::filesystem::path& manifestPath) {
  PluginRecord record;
  record.manifestPath = manifestPath;
  std::vector<LoadedCapability> loaded;
  std::optional<Rejection> rejection;
  try {
    rejection = tryLoad(record, loaded);
  } catch (const std::exception& e) {
    rejection = Rejection{std::string("internal error while loading: ") + oneLine(e.what())};
  } catch (...) {
    rejection = Rejection{"internal error while loading (unknown exception)"};
  }
  if (rejection) {
    loaded.clear();  // drops the library, if it was loaded
    record.state = PluginState::Rejected;
    record.rejectionReason = rejection->reason;
    log(LogLevel::Warning, manifestPath.string() + ": plugin rejected: " + rejection->reason);
  } else {
    record.state = PluginState::Loaded;
    loadedPluginIds.emplace(record.id, record.manifestPath);
    for (auto& capability : loaded) {
      std::string id = capability.descriptor.id;
      capabilities.emplace(std::move(id), std::move(capability));
    }
    log(LogLevel::Debug, manifestPath.string() + ": plugin " + record.id + " " + record.version +
                             " loaded");
  }
  records.push_back(std::move(record));
}

std::optional<Rejection> PluginHost::Impl::tryLoad(PluginRecord& record,
                                                   std::vector<LoadedCapability>& loaded) const {
  auto document = config::readJsonFile(record.manifestPath);
  if (!document) {
    // The message starts with the path; the record already names it.
    std::string message = document.error().message;
    const std::string prefix = record.manifestPath.string() + ": ";
    if (message.rfind(prefix, 0) == 0) {
      message = message.substr(prefix.size());
    }
    return Rejection{"manifest is not valid JSON: " + message};
  }
  auto parsed = detail::parseManifest(*document);
  if (!parsed) {
    return Rejection{parsed.error().message};
  }
  const detail::Manifest& manifest = *parsed;
  record.id = manifest.id;
  record.version = manifest.version;
  record.description = manifest.description;
  record.abiVersion = manifest.abiVersion;
  record.apiLevel = manifest.apiLevel;
  record.capabilities = manifest.capabilities;
  record.libraryPath = record.manifestPath.parent_path() / manifest.library;

  if (auto loadedFrom = loadedPluginIds.find(manifest.id); loadedFrom != loadedPluginIds.end()) {
    return Rejection{"duplicate plugin id '" + manifest.id + "': already loaded from " +
                     loadedFrom->second.string()};
  }
  std::set<std::string> seenCapabilities;
  for (const auto& capability : manifest.capabilities) {
    if (capabilities.count(capability.id) != 0) {
      return Rejection{"duplicate capability id '" + capability.id + "': already provided by plugin '" +
                       capabilities.find(capability.id)->second.descriptor.pluginId + "'"};
    }
    if (!seenCapabilities.insert(capability.id).second) {
      return Rejection{"capability id '" + capability.id + "' appears twice in the manifest"};
    }
  }
  if (manifest.abiVersion != WINNOW_PLUGIN_ABI_VERSION) {
    return Rejection{"manifest says built for ABI " + std::to_string(manifest.abiVersion) +
                     ", host has ABI " + std::to_string(WINNOW_PLUGIN_ABI_VERSION)};
  }
  if (manifest.apiLevel > WINNOW_PLUGIN_API_LEVEL) {
    return Rejection{"manifest says it needs plugin API level " + std::to_string(manifest.apiLevel) +
                     ", host has level " + std::to_string(WINNOW_PLUGIN_API_LEVEL)};
  }

  // Compile parameter schemas before running any plugin code.
  std::vector<config::JsonSchema> schemas;
  for (const auto& capability : manifest.capabilities) {
    auto schema = config::JsonSchema::compile(capability.paramsSchema,
                                              "params_schema of capability '" + capability.id + "'");
    if (!schema) {
      return Rejection{schema.error().message};
    }
    schemas.push_back(*schema);
  }

  std::error_code ec;
  if (!std::filesystem::is_regular_file(record.libraryPath, ec)) {
    return Rejection{"library file missing: " + record.libraryPath.string()};
  }

  // A library cut short would fault (SIGBUS) inside dlopen and take the host down with it.
  if (auto problem = detail::checkElfLibrary(record.libraryPath)) {
    return Rejection{oneLine(*problem)};
  }

  auto library = std::make_shared<detail::LoadedLibrary>();
  library->hostApi = std::make_unique<detail::HostApiBlock>();
  library->hostApi->services = services;
  library->hostApi->pluginId = manifest.id;
  detail::initHostApi(*library->hostApi);
  try {
    library->library.load(record.libraryPath,
                          boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return Rejection{"not a loadable library: " + oneLine(e.what())};
  }
  if (!library->library.has(WINNOW_PLUGIN_ENTRY_POINT)) {
    return Rejection{std::string("missing entry point ") + WINNOW_PLUGIN_ENTRY_POINT + " in " +
                     record.libraryPath.filename().string()};
  }
  auto init = library->library.get<const winnow_plugin_info*(const winnow_host_api*,
                                                               winnow_error_sink)>(
      WINNOW_PLUGIN_ENTRY_POINT);
  detail::ErrorCollector errors;
  const winnow_plugin_info* info = init(&library->hostApi->api, errors.sink());
  if (info == nullptr) {
    return Rejection{"init returned NULL: " + errors.messageOr("the plugin gave no message")};
  }
  library->info = info;
  if (auto problem = checkTable(manifest, *info)) {
    return problem;
  }

  std::shared_ptr<const detail::LoadedLibrary> shared = library;
  for (std::size_t i = 0; i < manifest.capabilities.size(); ++i) {
    LoadedCapability capability{manifest.capabilities[i], nullptr, shared, schemas[i]};
    for (std::uint32_t c = 0; c < info->capability_count; ++c) {
      const winnow_capability& candidate = capabilityAt(*info, c);
      if (capability.descriptor.id == candidate.id) {
        capability.capability = &candidate;
      }
    }
    loaded.push_back(std::move(capability));
  }
  return std::nullopt;
}

std::optional<Rejection> PluginHost::Impl::checkTable(const detail::Manifest& manifest,
                                                      const winnow_plugin_info& info) const {
  constexpr std::size_t kAbiFieldEnd = offsetof(winnow_plugin_info, abi_version) + sizeof(uint32_t);
  if (info.struct_size < kAbiFieldEnd) {
    return Rejection{"winnow_plugin_info.struct_size " + std::to_string(info.struct_size) +
                     " is too small (level 1 needs " + std::to_string(sizeof(winnow_plugin_info)) + ")"};
  }
  if (info.abi_version != WINNOW_PLUGIN_ABI_VERSION) {
    return Rejection{"built for ABI " + std::to_string(info.abi_version) + ", host has ABI " +
                     std::to_string(WINNOW_PLUGIN_ABI_VERSION)};
  }
  if (info.struct_size < sizeof(winnow_plugin_info)) {
    return Rejection{"winnow_plugin_info.struct_size " + std::to_string(info.struct_size) +
                     " is too small (level 1 needs " + std::to_string(sizeof(winnow_plugin_info)) + ")"};
  }
  if (info.api_level > WINNOW_PLUGIN_API_LEVEL) {
    return Rejection{"needs plugin API level " + std::to_string(info.api_level) +
                     ", host has level " + std::to_string(WINNOW_PLUGIN_API_LEVEL)};
  }
  if (info.plugin_id == nullptr || manifest.id != info.plugin_id) {
    return Rejection{"manifest id '" + manifest.id + "' does not match the library's plugin_id " +
                     quoted(info.plugin_id)};
  }
  if (info.version == nullptr || manifest.version != info.version) {
    return Rejection{"manifest version '" + manifest.version +
                     "' does not match the library's version " + quoted(info.version)};
  }
  if (info.capability_count > 0 && info.capabilities == nullptr) {
    return Rejection{"library declares " + std::to_string(info.capability_count) +
                     " capabilities but no table"};
  }
  std::set<std::string> libraryIds;
  if (info.capability_count > 0 && info.capabilities[0].struct_size < sizeof(winnow_capability)) {
    return Rejection{"library capability #0: struct_size " +
                     std::to_string(info.capabilities[0].struct_size) + " is too small (level 1 needs " +
                     std::to_string(sizeof(winnow_capability)) + ")"};
  }
  for (std::uint32_t c = 0; c < info.capability_count; ++c) {
    const winnow_capability& capability = capabilityAt(info, c);
    const std::string where = "library capability #" + std::to_string(c);
    if (capability.struct_size != info.capabilities[0].struct_size) {
      return Rejection{where + ": struct_size " + std::to_string(capability.struct_size) +
                       " differs from the first entry's " +
                       std::to_string(info.capabilities[0].struct_size)};
    }
    if (capability.struct_size < sizeof(winnow_capability)) {
      return Rejection{where + ": struct_size " + std::to_string(capability.struct_size) +
                       " is too small (level 1 needs " + std::to_string(sizeof(winnow_capability)) + ")"};
    }
    if (capability.id == nullptr) {
      return Rejection{where + " has no id"};
    }
    const std::string id = capability.id;
    if (!libraryIds.insert(id).second) {
      return Rejection{"library declares capability '" + id + "' twice"};
    }
    auto inManifest = std::find_if(manifest.capabilities.begin(), manifest.capabilities.end(),
                                   [&id](const CapabilityDescriptor& d) { return d.id == id; });
    if (inManifest == manifest.capabilities.end()) {
      return Rejection{"library capability '" + id + "' is not in the manifest"};
    }
    const CapabilityKind kind = kindFromAbi(capability.kind);
    if (kind != inManifest->kind) {
      return Rejection{"capability '" + id + "' is a " + capabilityKindName(kind) +
                       " in the library but a " + capabilityKindName(inManifest->kind) +
                       " in the manifest"};
    }
    if (capability.create == nullptr || capability.destroy == nullptr) {
      return Rejection{"capability '" + id + "' lacks create or destroy"};
    }
    const std::size_t opsSize = opsSizeFor(kind);
    if (opsSize > 0) {
      if (capability.ops == nullptr) {
        return Rejection{"capability '" + id + "' has no ops table"};
      }
      std::uint32_t declared = 0;
      std::memcpy(&declared, capability.ops, sizeof(declared));  // every ops table starts with struct_size
      if (declared < opsSize) {
        return Rejection{"capability '" + id + "': ops struct_size " + std::to_string(declared) +
                         " is too small (needs " + std::to_string(opsSize) + ")"};
      }
    }
  }
  for (const auto& capability : manifest.capabilities) {
    if (libraryIds.count(capability.id) == 0) {
      return Rejection{"manifest capability '" + capability.id + "' is not in the library"};
    }
  }
  return std::nullopt;
}

const std::vector<PluginRecord>& PluginHost::plugins() const { return impl_->records; }

const CapabilityDescriptor* PluginHost::findCapability(std::string_view capabilityId) const {
  auto it = impl_->capabilities.find(capabilityId);
  return it == impl_->capabilities.end() ? nullptr : &it->second.descriptor;
}

std::vector<const CapabilityDescriptor*> PluginHost::capabilities(CapabilityKind kind) const {
  std::vector<const CapabilityDescriptor*> result;
  for (const auto& [id, capability] : impl_->capabilities) {
    if (capability.descriptor.kind == kind) {
      result.push_back(&capability.descriptor);
    }
  }
  return result;
}

Result<nlohmann::json> PluginHost::validateParams(std::string_view capabilityId,
                                                  const nlohmann::json& params) const {
  auto it = impl_->capabilities.find(capabilityId);
  if (it == impl_->capabilities.end()) {
    return makeError(ErrorCode::NotFound,
                     "unknown capability '" + std::string(capabilityId) + "' (no loaded plugin provides it)");
  }
  const nlohmann::json input = params.is_null() ? nlohmann::json::object() : params;
  const config::JsonSchema& schema = it->second.paramsSchema;
  auto violations = schema.validate(input);
  if (!violations.empty()) {
    return makeError(ErrorCode::Schema, config::joinViolationsOneLine("params", violations) +
                                            " (capability " + it->first + ")");
  }
  return schema.withDefaults(input);
}

Result<std::unique_ptr<CapabilityInstance>> PluginHost::create(std::string_view capabilityId,
                                                               const nlohmann::json& params) {
  auto filled = validateParams(capabilityId, params);
  if (!filled) {
    return filled.error();
  }
  const LoadedCapability& loaded = impl_->capabilities.find(capabilityId)->second;
  std::string paramsText;
  try {
    paramsText = filled->dump();
  } catch (const std::exception& e) {
    return makeError(ErrorCode::InvalidArgument, "params cannot be serialised: " + oneLine(e.what()));
  }
  detail::ErrorCollector errors;
  void* instance = nullptr;
  const winnow_status status = loaded.capability->create(
      paramsText.c_str(), &loaded.library->hostApi->api, &instance, errors.sink());
  if (status != WINNOW_STATUS_OK) {
    if (instance != nullptr) {
      loaded.capability->destroy(instance);
    }
    return detail::pluginCallError(loaded.descriptor.id, "create", status, errors);
  }
  return std::make_unique<CapabilityInstance>(loaded.library, loaded.capability, instance,
                                              loaded.descriptor);
}

namespace {

template <typename Wrapper>
Result<Wrapper> wrapCreated(Result<std::unique_ptr<CapabilityInstance>> created) {
  if (!created) {
    return created.error();
  }
  return Wrapper::wrap(std::move(created).value());
}

}  // namespace

Result<Augmenter> PluginHost::createAugmenter(std::string_view capabilityId,
                                              const nlohmann::json& params) {
  return wrapCreated<Augmenter>(create(capabilityId, params));
}

Result<Detector> PluginHost::createDetector(std::string_view capabilityId,
                                            const nlohmann::json& params) {
  return wrapCreated<Detector>(create(capabilityId, params));
}

Result<ExporterSession> PluginHost::createExporter(std::string_view capabilityId,
                                                   const nlohmann::json& params) {
  return wrapCreated<ExporterSession>(create(capabilityId, params));
}

Result<Embedder> PluginHost::createEmbedder(std::string_view capabilityId,
                                            const nlohmann::json& params) {
  return wrapCreated<Embedder>(create(capabilityId, params));
}

}  // namespace winnow::plugin
