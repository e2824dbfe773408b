#include "winnow/plugin/capability.hpp"
#include "winnow/plugin/plugin_record.hpp"

namespace winnow::plugin {

const char* capabilityKindName(CapabilityKind kind) {
  switch (kind) {
    case CapabilityKind::Detector: return "detector";
    case CapabilityKind::Augmenter: return "augmenter";
    case CapabilityKind::Balancer: return "balancer";
    case CapabilityKind::Model: return "model";
    case CapabilityKind::Exporter: return "exporter";
    case CapabilityKind::Invalid: break;
  }
  return "invalid";
}

std::optional<CapabilityKind> parseCapabilityKind(std::string_view name) {
  for (CapabilityKind kind : {CapabilityKind::Detector, CapabilityKind::Augmenter,
                              CapabilityKind::Balancer, CapabilityKind::Model,
                              CapabilityKind::Exporter}) {
    if (name == capabilityKindName(kind)) {
      return kind;
    }
  }
  return std::nullopt;
}

const char* pluginStateName(PluginState state) {
  switch (state) {
    case PluginState::Loaded: return "loaded";
    case PluginState::Rejected: return "rejected";
    case PluginState::Invalid: break;
  }
  return "invalid";
}

}  // namespace winnow::plugin
