// Balancing plans on the SDK's value types (its trampolines convert from and to the C ABI).
// Contract: exactly one plan per input class, in input order; deterministic for (classes, params,
// seed) and independent of the order of the classes (each class draws from its own seed, derived
// from its name).
// Bad parameters throw PlanFailure with a one-line message naming the key.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/sdk/balancer_capability.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::balancer_basic {

// Bad parameters: WINNOW_STATUS_INVALID_ARGUMENT through the SDK's guardCall.
class PlanFailure : public winnow::sdk::Failure {
 public:
  explicit PlanFailure(const std::string& message) : winnow::sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, message) {}
};

using winnow::sdk::BalanceClass;
using winnow::sdk::BalancePlan;

enum class TargetRule { Invalid = 0, Smallest, Largest, Median, Class, Count };
enum class UndersampleMethod { Invalid = 0, Random, MostDiverse };
enum class SmallClassMethod { Invalid = 0, Augment, Oversample, Keep };

struct TargetCountParams {
  TargetRule target = TargetRule::Median;
  std::string targetClass;          // for TargetRule::Class
  std::uint64_t targetCount = 0;    // for TargetRule::Count
  UndersampleMethod undersample = UndersampleMethod::Random;
  SmallClassMethod smallClasses = SmallClassMethod::Augment;
  double maxGrowthFactor = 10.0;    // a class grows to at most this many times its size; 0 = no cap
};

// `params`: the capability's parameter object.
TargetCountParams parseTargetCountParams(const nlohmann::json& params);
void checkClassWeightsParams(const nlohmann::json& params);

std::vector<BalancePlan> planTargetCount(const std::vector<BalanceClass>& classes,
                                         const TargetCountParams& params, std::uint64_t seed);
// KEEP every class; lossWeight = N / (K * n_c) (sklearn's "balanced" weights).
std::vector<BalancePlan> planClassWeights(const std::vector<BalanceClass>& classes);

// Indices of `keep` rows chosen by farthest-point sampling (squared Euclidean distance on the
// features), starting from a seeded random row; sorted ascending. Deterministic for the seed.
std::vector<std::size_t> farthestPointSample(const std::vector<float>& features, std::size_t rows,
                                             std::uint32_t dim, std::size_t keep, std::uint64_t seed);

}  // namespace winnow::balancer_basic
