#include "winnow/plugin/plugin_host.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "error_sink.hpp"
#include "loaded_library.hpp"
#include "manifest.hpp"
#include "plugin_library.hpp"
#include "winnow/config/json_schema.hpp"
#include "winnow/util/executable_path.hpp"

namespace winnow::plugin {
namespace {

constexpr std::string_view kHostLogId = "winnow.plugin-host";

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<plugin id>/<capability id>" -> both parts; an unqualified id has an empty plugin part.
struct CapabilityName {
  std::string_view pluginId;
  std::string_view id;
};
CapabilityName splitCapabilityName(std::string_view name) {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return {{}, name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

// Where a plugin whose manifest passed discovery stands. Pending changes once, to Loaded or
// Rejected, under PluginHost::Impl::mutex.
enum class Stage { Invalid = 0, Pending, Loaded, Rejected };

// A plugin whose manifest passed every check that needs no library. Held by unique_ptr, so the
// descriptors in `manifest` (handed out by findCapability) keep their addresses.
struct PluginEntry {
  std::size_t recordIndex = 0;
  detail::Manifest manifest;
  std::filesystem::path manifestPath;
  std::filesystem::path libraryPath;
  std::vector<config::JsonSchema> paramsSchemas;  // one per manifest capability, in its order
  Stage stage = Stage::Pending;
  detail::OpenedPlugin opened;  // set when Loaded

  // Index of `capabilityId` (plain or "<plugin id>/<id>") in manifest.capabilities (the caller
  // knows it is there).
  std::size_t indexOf(std::string_view capabilityId) const {
    const std::string_view id = splitCapabilityName(capabilityId).id;
    for (std::size_t i = 0; i < manifest.capabilities.size(); ++i) {
      if (manifest.capabilities[i].id == id) return i;
    }
    return 0;
  }
};

}  // namespace

// Discovery reads manifests only; a plugin's library is opened by resolve(), the first time one of
// its capabilities is created or the full list of plugins is asked for. Copies of one plugin (the
// same plugin id in several folders) keep the eager loader's rule: a copy is rejected as a
// duplicate only when an earlier copy actually loaded, so resolving a copy first resolves the
// earlier ones (opening their libraries); a cut copy found first still lets the intact one after
// it load.
//
// Capability ids are namespaced by their plugin: "<plugin id>/<capability id>" always names one
// capability, so two third parties that both call theirs "csv" can both be installed. The plain
// id is an alias that works while one plugin declares it (every in-tree id, every id used before
// namespacing); when several do, it is refused with one line naming the qualified ids.
struct PluginHost::Impl {
  std::shared_ptr<const HostServices> services;
  // Guards every record's state and reason, every entry's stage and opened library. Held while a
  // library is opened and its init runs, so each library is opened at most once; the log callback
  // must therefore not call back into the host.
  std::mutex mutex;
  std::vector<PluginRecord> records;                  // discovery order
  std::vector<std::unique_ptr<PluginEntry>> entries;  // discovery order
  // Entries declaring a plugin id / a capability id, in discovery order.
  std::map<std::string, std::vector<PluginEntry*>, std::less<>> byPluginId;
  std::map<std::string, std::vector<PluginEntry*>, std::less<>> byCapability;

  void log(LogLevel level, const std::string& message) const {
    detail::logThrough(*services, level, kHostLogId, message);
  }

  void discoverFolder(const std::filesystem::path& folder);
  void readManifest(const std::filesystem::path& manifestPath);
  std::optional<std::string> checkManifest(PluginRecord& record, PluginEntry& entry) const;

  // The calls below need `mutex` held.
  // The entries `capabilityId` may mean: every declaring entry for a plain id, those of the named
  // plugin for a qualified one.
  std::vector<PluginEntry*> declaring(std::string_view capabilityId) const;
  // Non-empty when a plain id is declared by more than one plugin id (not counting rejected ones).
  std::string ambiguity(std::string_view capabilityId) const;
  void resolve(PluginEntry& entry);
  void reject(PluginEntry& entry, const std::string& reason);
  // The loaded plugin providing the capability, opening libraries as needed; null when none can.
  PluginEntry* provider(std::string_view capabilityId);
  // The plugin that would provide the capability as far as is known without opening anything:
  // the loaded provider, else the first declaring plugin not rejected; null when none.
  const PluginEntry* candidate(std::string_view capabilityId) const;
  // NotFound for a capability no plugin declares; Plugin naming each rejected plugin that declares it.
  Error unavailable(std::string_view capabilityId) const;
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
  if (auto exeDir = winnow::executableDirectory(); !exeDir.empty()) {
    add(exeDir / ".." / "lib" / "winnow" / "plugins");
  }
#ifdef WINNOW_INSTALL_PLUGIN_DIR
  add(WINNOW_INSTALL_PLUGIN_DIR);
#endif
  return folders;
}

void PluginHost::discover(const std::vector<std::filesystem::path>& folders) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
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
    readManifest(manifestPath);
  }
}

void PluginHost::Impl::readManifest(const std::filesystem::path& manifestPath) {
  PluginRecord record;
  record.manifestPath = manifestPath;
  auto entry = std::make_unique<PluginEntry>();
  std::optional<std::string> rejection;
  try {
    rejection = checkManifest(record, *entry);
  } catch (const std::exception& e) {
    rejection = std::string("internal error while loading: ") + oneLine(e.what());
  } catch (...) {
    rejection = "internal error while loading (unknown exception)";
  }
  if (rejection) {
    record.state = PluginState::Rejected;
    record.rejectionReason = *rejection;
    log(LogLevel::Warning, manifestPath.string() + ": plugin rejected: " + *rejection);
    records.push_back(std::move(record));
    return;
  }
  entry->recordIndex = records.size();
  records.push_back(std::move(record));
  byPluginId[entry->manifest.id].push_back(entry.get());
  for (const auto& capability : entry->manifest.capabilities) {
    byCapability[capability.id].push_back(entry.get());
  }
  log(LogLevel::Debug, manifestPath.string() + ": plugin " + entry->manifest.id + " " +
                           entry->manifest.version + " discovered (library not opened yet)");
  entries.push_back(std::move(entry));
}

std::optional<std::string> PluginHost::Impl::checkManifest(PluginRecord& record, PluginEntry& entry) const {
  auto document = config::readJsonFile(record.manifestPath);
  if (!document) {
    // The message starts with the path; the record already names it.
    std::string message = document.error().message;
    const std::string prefix = record.manifestPath.string() + ": ";
    if (message.rfind(prefix, 0) == 0) {
      message = message.substr(prefix.size());
    }
    return "manifest is not valid JSON: " + message;
  }
  auto parsed = detail::parseManifest(*document);
  if (!parsed) {
    return parsed.error().message;
  }
  const detail::Manifest& manifest = *parsed;
  record.id = manifest.id;
  record.version = manifest.version;
  record.description = manifest.description;
  record.abiVersion = manifest.abiVersion;
  record.apiLevel = manifest.apiLevel;
  record.capabilities = manifest.capabilities;
  record.libraryPath = record.manifestPath.parent_path() / manifest.library;

  std::set<std::string> seenCapabilities;
  for (const auto& capability : manifest.capabilities) {
    if (!seenCapabilities.insert(capability.id).second) {
      return "capability id '" + capability.id + "' appears twice in the manifest";
    }
  }
  if (manifest.abiVersion != WINNOW_PLUGIN_ABI_VERSION) {
    return "manifest says built for ABI " + std::to_string(manifest.abiVersion) + ", host has ABI " +
           std::to_string(WINNOW_PLUGIN_ABI_VERSION);
  }
  if (manifest.apiLevel > WINNOW_PLUGIN_API_LEVEL) {
    return "manifest says it needs plugin API level " + std::to_string(manifest.apiLevel) +
           ", host has level " + std::to_string(WINNOW_PLUGIN_API_LEVEL);
  }
  // Parameter schemas are compiled now: validateParams answers without opening the library.
  std::vector<config::JsonSchema> schemas;
  for (const auto& capability : manifest.capabilities) {
    auto schema = config::JsonSchema::compile(capability.paramsSchema,
                                              "params_schema of capability '" + capability.id + "'");
    if (!schema) {
      return schema.error().message;
    }
    schemas.push_back(*schema);
  }
  entry.manifest = std::move(*parsed);
  entry.manifestPath = record.manifestPath;
  entry.libraryPath = record.libraryPath;
  entry.paramsSchemas = std::move(schemas);
  return std::nullopt;
}

void PluginHost::Impl::resolve(PluginEntry& entry) {
  if (entry.stage != Stage::Pending) {
    return;
  }
  const std::string& id = entry.manifest.id;
  for (PluginEntry* earlier : byPluginId.find(id)->second) {
    if (earlier == &entry) break;
    resolve(*earlier);
    if (earlier->stage == Stage::Loaded) {
      reject(entry, "duplicate plugin id '" + id + "': already loaded from " + earlier->manifestPath.string());
      return;
    }
  }
  auto opened = detail::openPluginLibrary(entry.manifest, entry.libraryPath, services);
  if (!opened) {
    reject(entry, opened.error().message);
    return;
  }
  entry.opened = std::move(opened).value();
  entry.stage = Stage::Loaded;
  records[entry.recordIndex].state = PluginState::Loaded;
  log(LogLevel::Debug, entry.manifestPath.string() + ": plugin " + id + " " + entry.manifest.version +
                           " loaded from " + entry.libraryPath.string());
}

void PluginHost::Impl::reject(PluginEntry& entry, const std::string& reason) {
  entry.stage = Stage::Rejected;
  PluginRecord& record = records[entry.recordIndex];
  record.state = PluginState::Rejected;
  record.rejectionReason = reason;
  log(LogLevel::Warning, entry.manifestPath.string() + ": plugin rejected: " + reason);
}

std::vector<PluginEntry*> PluginHost::Impl::declaring(std::string_view capabilityId) const {
  const CapabilityName name = splitCapabilityName(capabilityId);
  std::vector<PluginEntry*> entries;
  auto declared = byCapability.find(name.id);
  if (declared == byCapability.end()) return entries;
  for (PluginEntry* entry : declared->second) {
    if (name.pluginId.empty() || entry->manifest.id == name.pluginId) entries.push_back(entry);
  }
  return entries;
}

std::string PluginHost::Impl::ambiguity(std::string_view capabilityId) const {
  if (!splitCapabilityName(capabilityId).pluginId.empty()) return {};
  std::vector<std::string> plugins;
  for (const PluginEntry* entry : declaring(capabilityId)) {
    if (entry->stage == Stage::Rejected) continue;
    if (std::find(plugins.begin(), plugins.end(), entry->manifest.id) == plugins.end()) plugins.push_back(entry->manifest.id);
  }
  if (plugins.size() < 2) return {};
  std::string names;
  for (const auto& plugin : plugins) {
    names += (names.empty() ? "'" : ", '") + plugin + "/" + std::string(capabilityId) + "'";
  }
  return "capability '" + std::string(capabilityId) + "' is declared by " + std::to_string(plugins.size()) +
         " plugins; name one: " + names;
}

PluginEntry* PluginHost::Impl::provider(std::string_view capabilityId) {
  if (!ambiguity(capabilityId).empty()) return nullptr;
  for (PluginEntry* entry : declaring(capabilityId)) {
    resolve(*entry);
    if (entry->stage == Stage::Loaded) {
      return entry;
    }
  }
  return nullptr;
}

const PluginEntry* PluginHost::Impl::candidate(std::string_view capabilityId) const {
  if (!ambiguity(capabilityId).empty()) return nullptr;
  // A copy loads only after every earlier copy of its plugin was rejected, so the first entry not
  // rejected is the provider when there is one.
  for (const PluginEntry* entry : declaring(capabilityId)) {
    if (entry->stage != Stage::Rejected) {
      return entry;
    }
  }
  return nullptr;
}

Error PluginHost::Impl::unavailable(std::string_view capabilityId) const {
  if (std::string ambiguous = ambiguity(capabilityId); !ambiguous.empty()) {
    return makeError(ErrorCode::InvalidArgument, ambiguous);
  }
  const CapabilityName name = splitCapabilityName(capabilityId);
  std::string reasons;
  for (const PluginRecord& record : records) {
    if (!name.pluginId.empty() && record.id != name.pluginId) continue;
    const bool declares = std::any_of(record.capabilities.begin(), record.capabilities.end(),
                                      [&](const CapabilityDescriptor& d) { return d.id == name.id; });
    if (record.state != PluginState::Rejected || !declares) continue;
    reasons += std::string(reasons.empty() ? "" : "; ") + "plugin '" + record.id + "' was rejected: " +
               record.rejectionReason;
  }
  if (reasons.empty()) {
    return makeError(ErrorCode::NotFound,
                     "unknown capability '" + std::string(capabilityId) + "' (no plugin declares it)");
  }
  return makeError(ErrorCode::Plugin, "capability '" + std::string(capabilityId) + "' is unavailable: " + reasons);
}

const std::vector<PluginRecord>& PluginHost::plugins() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (const auto& entry : impl_->entries) {
    impl_->resolve(*entry);
  }
  return impl_->records;
}

const CapabilityDescriptor* PluginHost::findCapability(std::string_view capabilityId) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const PluginEntry* entry = impl_->candidate(capabilityId);
  return entry == nullptr ? nullptr : &entry->manifest.capabilities[entry->indexOf(capabilityId)];
}

std::vector<const CapabilityDescriptor*> PluginHost::capabilities(CapabilityKind kind) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<const CapabilityDescriptor*> result;
  for (const auto& [id, declared] : impl_->byCapability) {
    std::set<std::string> plugins;  // each plugin once: its first copy not rejected
    for (const PluginEntry* entry : declared) {
      if (entry->stage == Stage::Rejected || !plugins.insert(entry->manifest.id).second) continue;
      const CapabilityDescriptor& descriptor = entry->manifest.capabilities[entry->indexOf(id)];
      if (descriptor.kind == kind) result.push_back(&descriptor);
    }
  }
  return result;
}

Status PluginHost::checkAvailable(std::string_view capabilityId) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->candidate(capabilityId) == nullptr) {
    return impl_->unavailable(capabilityId);
  }
  return okStatus();
}

namespace {

// params (null means {}) checked against one capability's schema, with its defaults filled in.
Result<nlohmann::json> validateAgainst(const config::JsonSchema& schema, std::string_view capabilityId,
                                       const nlohmann::json& params) {
  const nlohmann::json input = params.is_null() ? nlohmann::json::object() : params;
  auto violations = schema.validate(input);
  if (!violations.empty()) {
    return makeError(ErrorCode::Schema, config::joinViolationsOneLine("params", violations) +
                                            " (capability " + std::string(capabilityId) + ")");
  }
  return schema.withDefaults(input);
}

}  // namespace

Result<nlohmann::json> PluginHost::validateParams(std::string_view capabilityId,
                                                  const nlohmann::json& params) const {
  const config::JsonSchema* schema = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const PluginEntry* entry = impl_->candidate(capabilityId);
    if (entry == nullptr) {
      return impl_->unavailable(capabilityId);
    }
    schema = &entry->paramsSchemas[entry->indexOf(capabilityId)];  // fixed since discovery
  }
  return validateAgainst(*schema, capabilityId, params);
}

Result<std::unique_ptr<CapabilityInstance>> PluginHost::create(std::string_view capabilityId,
                                                               const nlohmann::json& params) {
  const PluginEntry* entry = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    entry = impl_->provider(capabilityId);
    if (entry == nullptr) {
      return impl_->unavailable(capabilityId);
    }
  }
  // Loaded entries never change again, so they are read without the lock from here on.
  const std::size_t index = entry->indexOf(capabilityId);
  const CapabilityDescriptor& descriptor = entry->manifest.capabilities[index];
  auto filled = validateAgainst(entry->paramsSchemas[index], descriptor.id, params);
  if (!filled) {
    return filled.error();
  }
  std::string paramsText;
  try {
    paramsText = filled->dump();
  } catch (const std::exception& e) {
    return makeError(ErrorCode::InvalidArgument, "params cannot be serialised: " + oneLine(e.what()));
  }
  const winnow_capability* capability = entry->opened.capabilities[index];
  const std::shared_ptr<const detail::LoadedLibrary>& library = entry->opened.library;
  detail::ErrorCollector errors;
  void* instance = nullptr;
  const winnow_status status =
      capability->create(paramsText.c_str(), &library->hostApi->api, &instance, errors.sink());
  if (status != WINNOW_STATUS_OK) {
    if (instance != nullptr) {
      capability->destroy(instance);
    }
    return detail::pluginCallError(descriptor.id, "create", status, errors);
  }
  return std::make_unique<CapabilityInstance>(library, capability, instance, descriptor);
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
