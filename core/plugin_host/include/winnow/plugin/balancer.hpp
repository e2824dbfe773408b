// Typed wrapper over a balancer capability instance (plugin API level 2). Not thread-safe (one
// per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

// Values mirror winnow_balance_action in plugin_abi.h.
enum class BalanceAction { Invalid = 0, Keep, Undersample, Oversample, Augment };

const char* balanceActionName(BalanceAction action);  // "keep", "undersample", ...

// One class as the balancer sees it; features are sampleIds.size() x featureDim (or empty).
struct BalanceClass {
  std::string name;
  std::vector<std::int64_t> sampleIds;
  std::uint32_t featureDim = 0;
  std::vector<float> features;
};

struct BalanceClassPlan {
  std::string className;
  BalanceAction action = BalanceAction::Invalid;
  std::uint64_t targetCount = 0;
  std::vector<std::int64_t> sampleIds;  // meaning as in winnow_balance_action
  float lossWeight = 1.0F;
};

class Balancer {
 public:
  // Fails (InvalidArgument) when the instance is not a balancer or its ops table is unusable.
  static Result<Balancer> wrap(std::unique_ptr<CapabilityInstance> instance);

  // Exactly one plan per input class, in input order. Checks the plugin's answer: every class
  // planned once, a known action, ids that belong to the class (undersample: a subset of distinct
  // ids of size targetCount; oversample: targetCount ids; augment: targetCount - size parents).
  Result<std::vector<BalanceClassPlan>> plan(const std::vector<BalanceClass>& classes,
                                             std::uint64_t seed);

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  explicit Balancer(std::unique_ptr<CapabilityInstance> instance);
  std::unique_ptr<CapabilityInstance> instance_;
};

}  // namespace winnow::plugin
