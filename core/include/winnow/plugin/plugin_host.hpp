// Finds plugin manifests, loads their libraries, checks them against the manifest and the ABI,
// and creates capability instances with validated parameters. Every problem with a plugin becomes
// a Rejected record with a one-line reason (also logged); nothing a plugin does wrong at load time
// crashes the host.
//
// Thread safety: discover() must not run concurrently with anything else on the same host. After
// it returns, the const queries, validateParams() and create() may be called from several threads.
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
  // loads the valid ones. Missing folders are skipped. Never throws. Can be called again with
  // more folders; a plugin or capability id already loaded makes the newcomer Rejected.
  void discover(const std::vector<std::filesystem::path>& folders);

  // Every manifest seen, loaded or rejected, in discovery order.
  const std::vector<PluginRecord>& plugins() const;

  // Loaded capabilities only. Pointers stay valid for the life of the host.
  const CapabilityDescriptor* findCapability(std::string_view capabilityId) const;
  std::vector<const CapabilityDescriptor*> capabilities(CapabilityKind kind) const;

  // Validates params (null means {}) against the capability's schema and returns them with the
  // schema's defaults filled in. Errors: NotFound (unknown capability), Schema with a message that
  // names the key, e.g. "params/image_size: must be >= 8 (capability example.resize)".
  Result<nlohmann::json> validateParams(std::string_view capabilityId,
                                        const nlohmann::json& params) const;

  // validateParams, then the plugin's create(). A failing create() gives ErrorCode::Plugin (or the
  // code its status maps to) with the plugin's message; the plugin stays loaded.
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
