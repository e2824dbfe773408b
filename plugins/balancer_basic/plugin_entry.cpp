// Entry point of winnow_balancer_basic: its two capabilities as classes over balance_planner.cpp;
// the SDK's trampolines (winnow/sdk/balancer_capability.hpp) make the C table and map exceptions
// onto statuses.
#include <cstdint>
#include <vector>

#include "balance_planner.hpp"
#include "winnow/sdk/balancer_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

namespace bb = winnow::balancer_basic;
using winnow::sdk::BalanceClass;
using winnow::sdk::BalancePlan;

// Refused inputs and unexpected exceptions read "balancer_basic: ...".
constexpr const char* kPluginName = "balancer_basic";

class TargetCountBalancer {
 public:
  static constexpr const char* kName = kPluginName;
  static constexpr winnow::sdk::GuardStyle kGuardStyle{kPluginName, nullptr};

  TargetCountBalancer(const winnow::sdk::Params& params, const winnow_host_api* /*host*/)
      : params_(bb::parseTargetCountParams(params.json())) {}

  std::vector<BalancePlan> plan(const std::vector<BalanceClass>& classes, std::uint64_t seed) const {
    return bb::planTargetCount(classes, params_, seed);
  }

 private:
  bb::TargetCountParams params_;
};

class ClassWeightsBalancer {
 public:
  static constexpr const char* kName = kPluginName;
  static constexpr winnow::sdk::GuardStyle kGuardStyle{kPluginName, nullptr};

  ClassWeightsBalancer(const winnow::sdk::Params& params, const winnow_host_api* /*host*/) {
    bb::checkClassWeightsParams(params.json());
  }

  std::vector<BalancePlan> plan(const std::vector<BalanceClass>& classes, std::uint64_t /*seed*/) const {
    return bb::planClassWeights(classes);
  }
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::balancerCapability<TargetCountBalancer>(WINNOW_MANIFEST_CAPABILITY_0_ID),
    winnow::sdk::balancerCapability<ClassWeightsBalancer>(WINNOW_MANIFEST_CAPABILITY_1_ID),
};
const winnow_plugin_info kPluginInfo =
    winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION, WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
