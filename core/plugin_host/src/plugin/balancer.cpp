#include "winnow/plugin/balancer.hpp"

#include <map>
#include <set>

#include "error_sink.hpp"

namespace winnow::plugin {
namespace {

const winnow_balancer_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_balancer_ops*>(instance.capability().ops);
}

struct PlanCollector {
  std::vector<BalanceClassPlan> plans;
  std::string problem;  // first malformed plan, reported after the call

  static winnow_status put(void* context, const winnow_balance_class_plan* plan) noexcept {
    try {
      auto* self = static_cast<PlanCollector*>(context);
      if (plan == nullptr || plan->struct_size < sizeof(winnow_balance_class_plan) ||
          plan->class_name == nullptr || (plan->sample_id_count > 0 && plan->sample_ids == nullptr)) {
        if (self->problem.empty()) self->problem = "malformed plan (struct_size, class_name or sample_ids)";
        return WINNOW_STATUS_INVALID_ARGUMENT;
      }
      BalanceClassPlan out;
      out.className = plan->class_name;
      switch (plan->action) {
        case WINNOW_BALANCE_ACTION_KEEP: out.action = BalanceAction::Keep; break;
        case WINNOW_BALANCE_ACTION_UNDERSAMPLE: out.action = BalanceAction::Undersample; break;
        case WINNOW_BALANCE_ACTION_OVERSAMPLE: out.action = BalanceAction::Oversample; break;
        case WINNOW_BALANCE_ACTION_AUGMENT: out.action = BalanceAction::Augment; break;
        default:
          if (self->problem.empty()) self->problem = "class '" + out.className + "': unknown action";
          return WINNOW_STATUS_INVALID_ARGUMENT;
      }
      out.targetCount = plan->target_count;
      out.sampleIds.assign(plan->sample_ids, plan->sample_ids + plan->sample_id_count);
      out.lossWeight = plan->loss_weight;
      self->plans.push_back(std::move(out));
      return WINNOW_STATUS_OK;
    } catch (...) {
      return WINNOW_STATUS_ERROR;
    }
  }
};

// Empty when the plan is consistent with its class, else the reason.
std::string checkPlan(const BalanceClassPlan& plan, const BalanceClass& input) {
  const std::set<std::int64_t> members(input.sampleIds.begin(), input.sampleIds.end());
  for (std::int64_t id : plan.sampleIds) {
    if (members.count(id) == 0) return "sample " + std::to_string(id) + " is not in the class";
  }
  const std::uint64_t have = input.sampleIds.size();
  switch (plan.action) {
    case BalanceAction::Keep: return {};
    case BalanceAction::Undersample: {
      const std::set<std::int64_t> kept(plan.sampleIds.begin(), plan.sampleIds.end());
      if (kept.size() != plan.sampleIds.size()) return "undersample lists a sample twice";
      if (kept.size() != plan.targetCount || plan.targetCount > have) {
        return "undersample keeps " + std::to_string(kept.size()) + " of " + std::to_string(have) +
               " but targets " + std::to_string(plan.targetCount);
      }
      return {};
    }
    case BalanceAction::Oversample:
      if (plan.sampleIds.size() != plan.targetCount) return "oversample ids do not make up target_count";
      return {};
    case BalanceAction::Augment:
      if (plan.targetCount < have || plan.sampleIds.size() != plan.targetCount - have) {
        return "augment needs target_count - sample_count parent ids";
      }
      return {};
    case BalanceAction::Invalid: break;
  }
  return "invalid action";
}

}  // namespace

const char* balanceActionName(BalanceAction action) {
  switch (action) {
    case BalanceAction::Keep: return "keep";
    case BalanceAction::Undersample: return "undersample";
    case BalanceAction::Oversample: return "oversample";
    case BalanceAction::Augment: return "augment";
    case BalanceAction::Invalid: break;
  }
  return "invalid";
}

Balancer::Balancer(std::unique_ptr<CapabilityInstance> instance) : instance_(std::move(instance)) {}

Result<Balancer> Balancer::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Balancer) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) +
                         ": not a balancer capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < sizeof(winnow_balancer_ops) || ops->plan == nullptr) {
    return makeError(ErrorCode::Plugin, instance->descriptor().id + ": balancer has no plan()");
  }
  return Balancer(std::move(instance));
}

Result<std::vector<BalanceClassPlan>> Balancer::plan(const std::vector<BalanceClass>& classes,
                                                     std::uint64_t seed) {
  const std::string& id = instance_->descriptor().id;
  std::vector<winnow_balance_class> inputs;
  inputs.reserve(classes.size());
  for (const BalanceClass& c : classes) {
    const bool hasFeatures =
        c.featureDim > 0 && c.features.size() == c.sampleIds.size() * c.featureDim;
    winnow_balance_class in{};
    in.struct_size = sizeof(in);
    in.name = c.name.c_str();
    in.sample_count = c.sampleIds.size();
    in.sample_ids = c.sampleIds.data();
    in.feature_dim = hasFeatures ? c.featureDim : 0;
    in.features = hasFeatures ? c.features.data() : nullptr;
    inputs.push_back(in);
  }
  winnow_balance_input input{};
  input.struct_size = sizeof(input);
  input.class_count = static_cast<std::uint32_t>(inputs.size());
  input.classes = inputs.data();
  input.seed = seed;
  PlanCollector collector;
  detail::ErrorCollector errors;
  const winnow_status status =
      opsOf(*instance_)->plan(instance_->rawInstance(), &input,
                              winnow_balance_plan_sink{&collector, &PlanCollector::put}, errors.sink());
  if (!collector.problem.empty()) {
    return makeError(ErrorCode::Plugin, id + ": plan: " + collector.problem);
  }
  if (status != WINNOW_STATUS_OK) return detail::pluginCallError(id, "plan", status, errors);

  std::map<std::string, const BalanceClassPlan*> byName;
  for (const auto& plan : collector.plans) {
    if (!byName.emplace(plan.className, &plan).second) {
      return makeError(ErrorCode::Plugin, id + ": plan: class '" + plan.className + "' planned twice");
    }
  }
  std::vector<BalanceClassPlan> ordered;
  for (const BalanceClass& c : classes) {
    auto found = byName.find(c.name);
    if (found == byName.end()) {
      return makeError(ErrorCode::Plugin, id + ": plan: no plan for class '" + c.name + "'");
    }
    if (std::string problem = checkPlan(*found->second, c); !problem.empty()) {
      return makeError(ErrorCode::Plugin, id + ": plan: class '" + c.name + "': " + problem);
    }
    ordered.push_back(*found->second);
  }
  if (ordered.size() != collector.plans.size()) {
    return makeError(ErrorCode::Plugin, id + ": plan: plans for classes that were not given");
  }
  return ordered;
}

}  // namespace winnow::plugin
