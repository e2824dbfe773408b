// Entry point of winnow_balancer_basic: the capability table and the C ABI edge (every exception
// becomes a status plus a one-line message). The logic lives in balance_planner.cpp.
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "balance_planner.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

using winnow::balancer_basic::ClassPlan;
using winnow::balancer_basic::ClassSamples;
using winnow::balancer_basic::PlanFailure;
using winnow::balancer_basic::TargetCountParams;

enum class Strategy { Invalid = 0, TargetCount, ClassWeights };

struct BalancerInstance {
  Strategy strategy = Strategy::Invalid;
  TargetCountParams targetCount;
};

// The SDK's one exception-to-status mapping (winnow::sdk::guardCall).
template <typename Fn>
winnow_status guarded(winnow_error_sink error, Fn&& fn) noexcept {
  static const winnow::sdk::GuardStyle style{"balancer_basic", nullptr};
  return winnow::sdk::guardCall(error, style, std::forward<Fn>(fn));
}

template <Strategy Kind>
winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** outInstance,
                     winnow_error_sink error) {
  if (outInstance == nullptr) {
    winnow::sdk::reportError(error, "balancer_basic: out_instance is null");
    return WINNOW_STATUS_INVALID_ARGUMENT;
  }
  *outInstance = nullptr;
  return guarded(error, [&] {
    auto instance = std::make_unique<BalancerInstance>();
    instance->strategy = Kind;
    if (Kind == Strategy::TargetCount) {
      instance->targetCount = winnow::balancer_basic::parseTargetCountParams(paramsJson);
    } else {
      winnow::balancer_basic::checkClassWeightsParams(paramsJson);
    }
    *outInstance = instance.release();
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<BalancerInstance*>(instance); }

std::vector<ClassSamples> readInput(const winnow_balance_input& input) {
  if (input.struct_size < sizeof(winnow_balance_input)) throw PlanFailure("balancer_basic: input struct_size too small");
  if (input.class_count > 0 && input.classes == nullptr) throw PlanFailure("balancer_basic: input has no classes array");
  std::vector<ClassSamples> classes;
  for (std::uint32_t c = 0; c < input.class_count; ++c) {
    const winnow_balance_class& in = input.classes[c];
    if (in.struct_size < sizeof(winnow_balance_class) || in.name == nullptr ||
        (in.sample_count > 0 && in.sample_ids == nullptr)) {
      throw PlanFailure("balancer_basic: input class #" + std::to_string(c) + " is malformed");
    }
    ClassSamples samples;
    samples.name = in.name;
    samples.sampleIds.assign(in.sample_ids, in.sample_ids + in.sample_count);
    if (in.feature_dim > 0 && in.features != nullptr) {
      samples.featureDim = in.feature_dim;
      samples.features.assign(in.features, in.features + in.sample_count * in.feature_dim);
    }
    classes.push_back(std::move(samples));
  }
  return classes;
}

winnow_status plan(void* instance, const winnow_balance_input* input,
                   winnow_balance_plan_sink output, winnow_error_sink error) {
  return guarded(error, [&] {
    if (instance == nullptr || input == nullptr || output.put == nullptr) {
      throw PlanFailure("balancer_basic: null instance, input or output sink");
    }
    const auto& self = *static_cast<const BalancerInstance*>(instance);
    const std::vector<ClassSamples> classes = readInput(*input);
    const std::vector<ClassPlan> plans =
        self.strategy == Strategy::TargetCount
            ? winnow::balancer_basic::planTargetCount(classes, self.targetCount, input->seed)
            : winnow::balancer_basic::planClassWeights(classes);
    for (const ClassPlan& plan : plans) {
      winnow_balance_class_plan out{};
      out.struct_size = sizeof(out);
      out.class_name = plan.className.c_str();
      out.action = plan.action;
      out.target_count = plan.targetCount;
      out.sample_id_count = plan.sampleIds.size();
      out.sample_ids = plan.sampleIds.empty() ? nullptr : plan.sampleIds.data();
      out.loss_weight = plan.lossWeight;
      const winnow_status status = output.put(output.context, &out);
      if (status != WINNOW_STATUS_OK) return status;
    }
    return WINNOW_STATUS_OK;
  });
}

const winnow_balancer_ops kBalancerOps = {sizeof(winnow_balancer_ops), plan};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_BALANCER, "target_count",
     create<Strategy::TargetCount>, destroy, &kBalancerOps},
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_BALANCER, "class_weights",
     create<Strategy::ClassWeights>, destroy, &kBalancerOps},
};

const winnow_plugin_info kPluginInfo = {
    sizeof(winnow_plugin_info),
    WINNOW_PLUGIN_ABI_VERSION,
    WINNOW_PLUGIN_API_LEVEL,
    "winnow.balancer.basic",
    "0.1.0",
    sizeof(kCapabilities) / sizeof(kCapabilities[0]),
    kCapabilities,
};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kPluginInfo;
}
