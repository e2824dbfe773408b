#include "winnow/plugin/capability_instance.hpp"

#include "loaded_library.hpp"

namespace winnow::plugin {

CapabilityInstance::CapabilityInstance(std::shared_ptr<const detail::LoadedLibrary> library,
                                       const winnow_capability* capability, void* instance,
                                       CapabilityDescriptor descriptor)
    : library_(std::move(library)),
      capability_(capability),
      instance_(instance),
      descriptor_(std::move(descriptor)) {}

CapabilityInstance::~CapabilityInstance() {
  if (instance_ != nullptr && capability_ != nullptr && capability_->destroy != nullptr) {
    capability_->destroy(instance_);
  }
  instance_ = nullptr;
  // library_ is released after this body, i.e. after destroy() ran.
}

}  // namespace winnow::plugin
