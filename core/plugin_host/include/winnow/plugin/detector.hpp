// Typed wrapper over a detector capability instance. Not thread-safe (one per thread).
#pragma once

#include <memory>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

// A face found by a detector, in pixels of the input image's frame.
struct FaceBox {
  float x = 0.0F;
  float y = 0.0F;
  float width = 0.0F;
  float height = 0.0F;
  float score = 0.0F;            // 0..1
  std::vector<float> landmarks;  // (x, y) pairs, possibly empty
};

class Detector {
 public:
  // Fails (InvalidArgument) when the instance is not a detector or its ops table is unusable.
  static Result<Detector> wrap(std::unique_ptr<CapabilityInstance> instance);

  Result<std::vector<FaceBox>> detect(const Image& input);

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  explicit Detector(std::unique_ptr<CapabilityInstance> instance);
  std::unique_ptr<CapabilityInstance> instance_;
};

}  // namespace winnow::plugin
