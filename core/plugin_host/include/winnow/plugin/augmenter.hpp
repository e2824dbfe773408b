// Typed wrapper over an augmenter capability instance. Not thread-safe (one per thread).
#pragma once

#include <cstdint>
#include <memory>

#include "winnow/image/image.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

class Augmenter {
 public:
  // Fails (InvalidArgument) when the instance is not an augmenter or its ops table is unusable.
  static Result<Augmenter> wrap(std::unique_ptr<CapabilityInstance> instance);

  // Deterministic for (input, params, seed). The output is a tightly packed copy owned by the
  // caller; its size and format may differ from the input's.
  Result<Image> apply(const Image& input, std::uint64_t seed);

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  explicit Augmenter(std::unique_ptr<CapabilityInstance> instance);
  std::unique_ptr<CapabilityInstance> instance_;
};

}  // namespace winnow::plugin
