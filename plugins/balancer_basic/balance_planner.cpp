#include "balance_planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

namespace winnow::balancer_basic {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw PlanFailure("balancer_basic: params/" + message);
}

std::string text(const nlohmann::json& value, const std::string& key) {
  if (!value.is_string()) fail(key + ": must be a string");
  return value.get<std::string>();
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t nameHash(const std::string& name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : name) {
    hash = (hash ^ c) * 0x100000001b3ULL;
  }
  return hash;
}

// Fisher-Yates with explicit modulo draws (std::shuffle's output differs between libraries).
template <typename T>
void seededShuffle(std::vector<T>& items, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (std::size_t i = items.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(engine() % i);
    std::swap(items[i - 1], items[j]);
  }
}

std::uint64_t medianCount(std::vector<std::uint64_t> counts) {
  std::sort(counts.begin(), counts.end());
  const std::size_t n = counts.size();
  if (n % 2 == 1) return counts[n / 2];
  return (counts[n / 2 - 1] + counts[n / 2] + 1) / 2;  // rounded half up
}

std::vector<std::int64_t> roundRobin(std::vector<std::int64_t> ids, std::size_t count,
                                     std::uint64_t seed) {
  std::vector<std::int64_t> result;
  if (ids.empty()) return result;
  seededShuffle(ids, seed);
  result.reserve(count);
  for (std::size_t i = 0; i < count; ++i) result.push_back(ids[i % ids.size()]);
  return result;
}

}  // namespace

TargetCountParams parseTargetCountParams(const nlohmann::json& json) {
  if (!json.is_object()) throw PlanFailure("balancer_basic: params must be a JSON object");
  TargetCountParams params;
  for (const auto& [key, value] : json.items()) {
    if (key == "target") {
      const std::string rule = text(value, key);
      if (rule == "smallest") params.target = TargetRule::Smallest;
      else if (rule == "largest") params.target = TargetRule::Largest;
      else if (rule == "median") params.target = TargetRule::Median;
      else if (rule == "class") params.target = TargetRule::Class;
      else if (rule == "count") params.target = TargetRule::Count;
      else fail("target: must be smallest, largest, median, class or count");
    } else if (key == "target_class") {
      params.targetClass = text(value, key);
    } else if (key == "target_count") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1) fail("target_count: must be an integer >= 1");
      params.targetCount = value.get<std::uint64_t>();
    } else if (key == "undersample_method") {
      const std::string method = text(value, key);
      if (method == "random") params.undersample = UndersampleMethod::Random;
      else if (method == "most_diverse") params.undersample = UndersampleMethod::MostDiverse;
      else fail("undersample_method: must be random or most_diverse");
    } else if (key == "small_classes") {
      const std::string method = text(value, key);
      if (method == "augment") params.smallClasses = SmallClassMethod::Augment;
      else if (method == "oversample") params.smallClasses = SmallClassMethod::Oversample;
      else if (method == "keep") params.smallClasses = SmallClassMethod::Keep;
      else fail("small_classes: must be augment, oversample or keep");
    } else if (key == "max_growth_factor") {
      if (!value.is_number() || value.get<double>() < 0.0) fail("max_growth_factor: must be a number >= 0");
      params.maxGrowthFactor = value.get<double>();
    } else {
      fail(key + ": unknown parameter");
    }
  }
  if (params.target == TargetRule::Class && params.targetClass.empty()) {
    fail("target_class: required when target is \"class\"");
  }
  if (params.target == TargetRule::Count && params.targetCount == 0) {
    fail("target_count: required when target is \"count\"");
  }
  return params;
}

void checkClassWeightsParams(const nlohmann::json& json) {
  if (!json.is_object()) throw PlanFailure("balancer_basic: params must be a JSON object");
  if (!json.empty()) fail(json.begin().key() + ": unknown parameter");
}

std::vector<std::size_t> farthestPointSample(const std::vector<float>& features, std::size_t rows,
                                             std::uint32_t dim, std::size_t keep, std::uint64_t seed) {
  std::vector<std::size_t> chosen;
  if (rows == 0 || keep == 0) return chosen;
  keep = std::min(keep, rows);
  std::vector<double> nearest(rows, std::numeric_limits<double>::infinity());
  std::vector<bool> taken(rows, false);
  std::size_t current = static_cast<std::size_t>(mix(seed, 17) % rows);
  for (std::size_t picked = 0; picked < keep; ++picked) {
    chosen.push_back(current);
    taken[current] = true;
    const float* a = features.data() + current * dim;
    std::size_t best = rows;
    double bestDistance = -1.0;
    for (std::size_t row = 0; row < rows; ++row) {
      if (taken[row]) continue;
      const float* b = features.data() + row * dim;
      double distance = 0.0;
      for (std::uint32_t d = 0; d < dim; ++d) {
        const double delta = static_cast<double>(a[d]) - b[d];
        distance += delta * delta;
      }
      nearest[row] = std::min(nearest[row], distance);
      if (nearest[row] > bestDistance) {  // ties keep the lowest row
        bestDistance = nearest[row];
        best = row;
      }
    }
    if (best == rows) break;
    current = best;
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<BalancePlan> planTargetCount(const std::vector<BalanceClass>& classes,
                                         const TargetCountParams& params, std::uint64_t seed) {
  std::vector<std::uint64_t> counts;
  for (const auto& samples : classes) counts.push_back(samples.sampleIds.size());
  std::uint64_t target = 0;
  if (!counts.empty()) {
    switch (params.target) {
      case TargetRule::Smallest: target = *std::min_element(counts.begin(), counts.end()); break;
      case TargetRule::Largest: target = *std::max_element(counts.begin(), counts.end()); break;
      case TargetRule::Median: target = medianCount(counts); break;
      case TargetRule::Count: target = params.targetCount; break;
      case TargetRule::Class: {
        auto found = std::find_if(classes.begin(), classes.end(),
                                  [&](const BalanceClass& c) { return c.name == params.targetClass; });
        if (found == classes.end()) {
          throw PlanFailure("balancer_basic: params/target_class: no class named '" + params.targetClass + "'");
        }
        target = found->sampleIds.size();
        break;
      }
      case TargetRule::Invalid: throw PlanFailure("balancer_basic: params/target: invalid");
    }
  }
  std::vector<BalancePlan> plans;
  std::uint64_t totalAfter = 0;
  for (const auto& samples : classes) {
    const std::uint64_t have = samples.sampleIds.size();
    const std::uint64_t classSeed = mix(seed, nameHash(samples.name));
    BalancePlan plan;
    plan.className = samples.name;
    plan.targetCount = have;
    plan.action = WINNOW_BALANCE_ACTION_KEEP;
    if (have > target) {
      plan.action = WINNOW_BALANCE_ACTION_UNDERSAMPLE;
      plan.targetCount = target;
      const bool diverse = params.undersample == UndersampleMethod::MostDiverse &&
                           samples.featureDim > 0 &&
                           samples.features.size() == have * samples.featureDim;
      if (diverse) {
        for (std::size_t row : farthestPointSample(samples.features, have, samples.featureDim,
                                                   target, classSeed)) {
          plan.sampleIds.push_back(samples.sampleIds[row]);
        }
      } else {
        std::vector<std::int64_t> ids = samples.sampleIds;
        seededShuffle(ids, classSeed);
        ids.resize(target);
        std::sort(ids.begin(), ids.end());
        plan.sampleIds = std::move(ids);
      }
    } else if (have < target && have > 0 && params.smallClasses != SmallClassMethod::Keep) {
      std::uint64_t grown = target;
      if (params.maxGrowthFactor > 0.0) {
        const auto cap = static_cast<std::uint64_t>(std::floor(params.maxGrowthFactor * have));
        grown = std::min(grown, std::max(cap, have));
      }
      if (grown > have) {
        plan.targetCount = grown;
        if (params.smallClasses == SmallClassMethod::Augment) {
          plan.action = WINNOW_BALANCE_ACTION_AUGMENT;
          plan.sampleIds = roundRobin(samples.sampleIds, grown - have, classSeed);
        } else {
          plan.action = WINNOW_BALANCE_ACTION_OVERSAMPLE;
          plan.sampleIds = samples.sampleIds;
          auto extra = roundRobin(samples.sampleIds, grown - have, classSeed);
          plan.sampleIds.insert(plan.sampleIds.end(), extra.begin(), extra.end());
        }
      }
    }
    totalAfter += plan.targetCount;
    plans.push_back(std::move(plan));
  }
  for (auto& plan : plans) {
    plan.lossWeight = plan.targetCount == 0 || plans.empty()
                          ? 1.0F
                          : static_cast<float>(static_cast<double>(totalAfter) /
                                               (static_cast<double>(plans.size()) * plan.targetCount));
  }
  return plans;
}

std::vector<BalancePlan> planClassWeights(const std::vector<BalanceClass>& classes) {
  std::uint64_t total = 0;
  for (const auto& samples : classes) total += samples.sampleIds.size();
  std::vector<BalancePlan> plans;
  for (const auto& samples : classes) {
    BalancePlan plan;
    plan.className = samples.name;
    plan.action = WINNOW_BALANCE_ACTION_KEEP;
    plan.targetCount = samples.sampleIds.size();
    plan.lossWeight = samples.sampleIds.empty()
                          ? 1.0F
                          : static_cast<float>(static_cast<double>(total) /
                                               (static_cast<double>(classes.size()) * samples.sampleIds.size()));
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace winnow::balancer_basic
