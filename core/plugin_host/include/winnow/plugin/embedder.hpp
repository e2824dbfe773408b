// Typed wrapper over a model capability that embeds images (plugin API level 3), e.g. 128-d face
// descriptors. Not thread-safe (one per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

class Embedder {
 public:
  // Fails (InvalidArgument) when the instance is not a model, or it does not embed.
  static Result<Embedder> wrap(std::unique_ptr<CapabilityInstance> instance);

  std::uint32_t dimension() const { return dimension_; }
  // One vector per image, in order; every value finite.
  Result<std::vector<std::vector<float>>> embed(const std::vector<Image>& images);

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  Embedder(std::unique_ptr<CapabilityInstance> instance, std::uint32_t dimension);
  std::unique_ptr<CapabilityInstance> instance_;
  std::uint32_t dimension_ = 0;
};

}  // namespace winnow::plugin
