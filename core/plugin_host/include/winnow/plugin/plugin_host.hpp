// Finds plugin manifests, opens a plugin's library when it is first needed, checks it against the
// manifest and the ABI, and creates capability instances with validated parameters. Every problem
// with a plugin becomes a Rejected record with a one-line reason (also logged); nothing a plugin
// does wrong at load time crashes the host.
//
// Loading is lazy (issue 13): discover() reads and checks manifests only, so listing and finding
// capabilities and validating parameters open no library. A plugin's library is opened (the ELF
// check, dlopen, its init, the table checks) the first time create() asks for one of its
// capabilities, or when plugins() is asked for the full list; a library that fails then makes its
// plugin Rejected, and create() names that plugin and the reason in its one-line error.
//
// Thread safety: discover() must not run concurrently with anything else on the same host. After
// it returns, every other member may be called from several threads; a library is opened at most
// once, under a lock that is held while the plugin's init runs, so the HostServices log callback
// must not call back into the host.
// Lifetime: instances created here keep their library loaded, so they may outlive the host.
// A moved-from host may only be destroyed or assigned to.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/plugin/augmenter.hpp"
#include "winnow/plugin/capability.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/plugin/detector.hpp"
#include "winnow/plugin/embedder.hpp"
#include "winnow/plugin/exporter_session.hpp"
#include "winnow/plugin/host_services.hpp"
#include "winnow/plugin/plugin_record.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

// Manifests are the files named "*.winnow-plugin.json" directly inside a search folder.
inline constexpr std::string_view kManifestSuffix = ".winnow-plugin.json";

class PluginHost {
 public:
  explicit PluginHost(HostServices services = {});
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;
  PluginHost(PluginHost&&) noexcept;
  PluginHost& operator=(PluginHost&&) noexcept;

  // Absolute folders from WINNOW_PLUGIN_PATH (':'-separated; relative entries are ignored), then
  // <dir of the running executable>/../lib/winnow/plugins, then the install dir. Never the
  // current directory. Duplicates removed, order kept.
  static std::vector<std::filesystem::path> defaultSearchFolders();

  // Reads every manifest in the folders (in order; manifests sorted by name within a folder) and
  // keeps the valid ones (schema, ABI version and API level as declared, parameter schemas
  // compiled); opens no library. Missing folders are skipped. Never throws. Can be called again
  // with more folders. A plugin whose plugin id or a capability id an earlier plugin also declares
  // is Rejected as a duplicate when that earlier plugin loads, and takes its place when it does not.
  void discover(const std::vector<std::filesystem::path>& folders);

  // Every manifest seen, in discovery order, each Loaded or Rejected: opens every library not yet
  // opened (a listing: `winnow plugins`, the workbench's plugin panel).
  const std::vector<PluginRecord>& plugins() const;

  // Capabilities of the plugins not rejected so far, answered from the manifests (no library is
  // opened; one that fails later drops out). Pointers stay valid for the life of the host.
  const CapabilityDescriptor* findCapability(std::string_view capabilityId) const;
  std::vector<const CapabilityDescriptor*> capabilities(CapabilityKind kind) const;

  // Ok when a plugin not rejected so far declares the capability; otherwise the error
  // validateParams gives. Opens no library.
  Status checkAvailable(std::string_view capabilityId) const;

  // Validates params (null means {}) against the capability's schema (from the manifest; no library
  // is opened) and returns them with the schema's defaults filled in. Errors: NotFound (no plugin
  // declares it), Plugin when only rejected plugins declare it ("capability 'x' is unavailable:
  // plugin 'p' was rejected: <reason>"), Schema with a message that names the key, e.g.
  // "params/image_size: must be >= 8 (capability example.resize)".
  Result<nlohmann::json> validateParams(std::string_view capabilityId,
                                        const nlohmann::json& params) const;

  // Opens the providing plugin's library if it is not open yet (a failure is the Plugin error
  // above, naming the plugin and the reason), validates params, then runs the plugin's create().
  // A failing create() gives ErrorCode::Plugin (or the code its status maps to) with the plugin's
  // message; the plugin stays loaded.
  Result<std::unique_ptr<CapabilityInstance>> create(std::string_view capabilityId,
                                                     const nlohmann::json& params);

  // create() plus a kind check and the typed wrapper.
  Result<Augmenter> createAugmenter(std::string_view capabilityId, const nlohmann::json& params);
  Result<Detector> createDetector(std::string_view capabilityId, const nlohmann::json& params);
  Result<ExporterSession> createExporter(std::string_view capabilityId,
                                         const nlohmann::json& params);
  Result<Embedder> createEmbedder(std::string_view capabilityId, const nlohmann::json& params);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace winnow::plugin
