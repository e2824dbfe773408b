// The balancer kind as a C++ class: B::plan reads each class as a BalanceClass and returns one
// BalancePlan per class it decides on.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "winnow/sdk/capability_common.hpp"

namespace winnow::sdk {

// One class as a balancer sees it (a copy of winnow_balance_class).
struct BalanceClass {
  std::string name;
  std::vector<std::int64_t> sampleIds;
  std::uint32_t featureDim = 0;  // 0 = no features
  std::vector<float> features;   // sampleIds.size() x featureDim, row-major
};

// What a balancer decides for one class (winnow_balance_class_plan; sampleIds as
// winnow_balance_action says).
struct BalancePlan {
  std::string className;
  winnow_balance_action action = WINNOW_BALANCE_ACTION_INVALID;
  std::uint64_t targetCount = 0;
  std::vector<std::int64_t> sampleIds;
  float lossWeight = 1.0F;  // class weight for a weighted loss; 1 = neutral
};

namespace detail {

// The input of plan() as values; a malformed input (struct sizes, missing arrays) is refused.
template <class B>
std::vector<BalanceClass> balanceClassesOf(const winnow_balance_input& input) {
  if (input.struct_size < sizeof(winnow_balance_input)) throw refusal<B>("input struct_size too small");
  if (input.class_count > 0 && input.classes == nullptr) throw refusal<B>("input has no classes array");
  std::vector<BalanceClass> classes;
  classes.reserve(input.class_count);
  for (std::uint32_t c = 0; c < input.class_count; ++c) {
    const winnow_balance_class& in = input.classes[c];
    if (in.struct_size < sizeof(winnow_balance_class) || in.name == nullptr ||
        (in.sample_count > 0 && in.sample_ids == nullptr)) {
      throw refusal<B>("input class #" + std::to_string(c) + " is malformed");
    }
    BalanceClass samples;
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

}  // namespace detail

// B: B(const Params&, const winnow_host_api*);
//    std::vector<BalancePlan> plan(const std::vector<BalanceClass>& classes, std::uint64_t seed).
// The plans go to the host in the order plan returns them; a plan the host's sink refuses ends the
// call with the sink's status.
template <class B>
const winnow_balancer_ops* balancerOps() {
  static const winnow_balancer_ops ops = {
      sizeof(winnow_balancer_ops),
      [](void* instance, const winnow_balance_input* input, winnow_balance_plan_sink output,
         winnow_error_sink error) -> winnow_status {
        return guardCall(error, detail::guardStyleOf<B>(), [&] {
          if (instance == nullptr || input == nullptr || output.put == nullptr) {
            throw detail::refusal<B>("null instance, input or output sink");
          }
          const std::vector<BalanceClass> classes = detail::balanceClassesOf<B>(*input);
          for (const BalancePlan& plan : static_cast<B*>(instance)->plan(classes, input->seed)) {
            winnow_balance_class_plan out{};
            out.struct_size = sizeof(winnow_balance_class_plan);
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
      }};
  return &ops;
}

template <class B>
winnow_capability balancerCapability(const char* id) {
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_BALANCER, id, &detail::create<B>, &detail::destroy<B>,
          balancerOps<B>()};
}

}  // namespace winnow::sdk
