// What a plugin offers: capabilities of a kind (detector, augmenter, ...) with a parameter schema.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace winnow::plugin {

// Values mirror winnow_capability_kind in plugin_abi.h.
enum class CapabilityKind { Invalid = 0, Detector, Augmenter, Balancer, Model, Exporter };

// "detector", "augmenter", "balancer", "model", "exporter" (the manifest spelling); "invalid".
const char* capabilityKindName(CapabilityKind kind);
std::optional<CapabilityKind> parseCapabilityKind(std::string_view name);

struct CapabilityDescriptor {
  std::string pluginId;
  std::string id;           // unique within its plugin; qualifiedId() is unique among all plugins
  std::string description;  // one line
  CapabilityKind kind = CapabilityKind::Invalid;
  nlohmann::json paramsSchema = nlohmann::json::object();  // draft-07; the workbench draws a form from it
  // Exporters: false = metadata only (manifest "needs_pixels"): no picture is read or decoded.
  bool needsPixels = true;

  // "<plugin id>/<capability id>": names this capability whatever other plugins declare. The
  // plain id works too while no other plugin declares it.
  std::string qualifiedId() const { return pluginId + "/" + id; }
};

}  // namespace winnow::plugin
