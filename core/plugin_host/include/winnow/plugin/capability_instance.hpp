// A live object created by a plugin capability. Owns the plugin object (destroyed through the
// plugin's destroy()) and a reference to the library, so no object outlives its library.
// Not thread-safe: use one instance per thread.
#pragma once

#include <memory>

#include "winnow/plugin/capability.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::plugin {

namespace detail {
struct LoadedLibrary;
}

class CapabilityInstance {
 public:
  CapabilityInstance(std::shared_ptr<const detail::LoadedLibrary> library,
                     const winnow_capability* capability, void* instance,
                     CapabilityDescriptor descriptor);
  ~CapabilityInstance();
  CapabilityInstance(const CapabilityInstance&) = delete;
  CapabilityInstance& operator=(const CapabilityInstance&) = delete;

  const CapabilityDescriptor& descriptor() const { return descriptor_; }
  CapabilityKind kind() const { return descriptor_.kind; }

  // Raw access for the typed wrappers (Augmenter, Detector, ExporterSession).
  const winnow_capability& capability() const { return *capability_; }
  void* rawInstance() const { return instance_; }

 private:
  std::shared_ptr<const detail::LoadedLibrary> library_;  // released after destroy()
  const winnow_capability* capability_ = nullptr;         // lives in the library's static table
  void* instance_ = nullptr;
  CapabilityDescriptor descriptor_;
};

}  // namespace winnow::plugin
