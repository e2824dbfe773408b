#include "winnow/split/dataset_splitter.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "winnow/config/json_schema.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/split/sample_groups.hpp"

namespace winnow::split {
namespace {

constexpr const char* kActor = "split";

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Group {
  std::int64_t id = 0;
  std::vector<std::int64_t> members;         // active samples only
  std::map<std::string, std::int64_t> mix;   // class -> active members
  std::uint64_t order = 0;                   // seeded tie-break
};

Result<nlohmann::json> validatedParams(const nlohmann::json& params) {
  const auto& schema = config::projectSchema("steps/split.schema.json");
  if (!schema) return schema.error();
  const nlohmann::json document = params.is_null() ? nlohmann::json::object() : params;
  const auto violations = schema->validate(document);
  if (!violations.empty()) {
    return makeError(ErrorCode::Schema, "split: " + config::joinViolationsOneLine("params", violations));
  }
  nlohmann::json filled = schema->withDefaults(document);
  if (filled.contains("names") && filled["names"].size() != filled["ratios"].size()) {
    return makeError(ErrorCode::Schema, "split: params/names: needs one name per ratio");
  }
  return filled;
}

// Checks that every group's active members share one split and that every active sample has
// one; returns the number of groups crossing splits and the first offender.
Result<std::pair<std::int64_t, std::string>> verify(store::ProjectStore& store, const GroupingOptions& options) {
  auto groups = computeSampleGroups(store, options);
  if (!groups) return groups.error();
  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  auto active = store.listSamples(filter);
  if (!active) return active.error();
  std::map<std::int64_t, std::string> splitOfGroup;
  std::set<std::int64_t> crossing;
  std::string first;
  for (const auto& sample : *active) {
    const std::int64_t group = groups->groupOf.at(sample.id);
    if (sample.split.empty()) {
      if (first.empty()) first = "active sample " + std::to_string(sample.id) + " has no split";
      crossing.insert(group);
      continue;
    }
    const auto [it, inserted] = splitOfGroup.emplace(group, sample.split);
    if (!inserted && it->second != sample.split) {
      if (first.empty()) {
        first = "group of sample " + std::to_string(group) + " is in both " + it->second + " and " +
                sample.split + " (sample " + std::to_string(sample.id) + ")";
      }
      crossing.insert(group);
    }
  }
  return std::make_pair(static_cast<std::int64_t>(crossing.size()), first);
}

}  // namespace

Result<nlohmann::json> runSplit(store::ProjectStore& store, plugin::PluginHost& /*host*/,
                                const nlohmann::json& rawParams, job::JobContext& job,
                                std::optional<std::int64_t> runId) {
  auto validated = validatedParams(rawParams);
  if (!validated) return validated.error();
  const nlohmann::json& params = *validated;
  std::vector<double> ratios = params["ratios"].get<std::vector<double>>();
  std::vector<std::string> names;
  if (params.contains("names")) {
    names = params["names"].get<std::vector<std::string>>();
  } else {
    names = ratios.size() == 2 ? std::vector<std::string>{"train", "val"}
                               : std::vector<std::string>{"train", "val", "test"};
  }
  const double ratioSum = std::accumulate(ratios.begin(), ratios.end(), 0.0);
  for (double& ratio : ratios) ratio /= ratioSum;
  const auto seed = params["seed"].get<std::uint64_t>();
  GroupingOptions grouping;
  grouping.burstSeconds = params["burst_seconds"].get<double>();
  const std::size_t splitCount = ratios.size();

  auto transaction = store.beginTransaction();
  if (!transaction) return transaction.error();
  auto sampleGroups = computeSampleGroups(store, grouping);
  if (!sampleGroups) return sampleGroups.error();
  auto all = store.listSamples();
  if (!all) return all.error();

  std::map<std::int64_t, Group> groupsById;
  std::map<std::string, std::int64_t> classTotals;
  std::vector<std::int64_t> inactiveWithSplit;
  for (const auto& sample : *all) {
    if (sample.status != store::kStatusActive) {
      if (!sample.split.empty()) inactiveWithSplit.push_back(sample.id);
      continue;
    }
    const std::string className = sample.label.value_or("");
    const std::int64_t groupId = sampleGroups->groupOf.at(sample.id);
    Group& group = groupsById[groupId];
    group.id = groupId;
    group.members.push_back(sample.id);
    ++group.mix[className];
    ++classTotals[className];
  }
  if (groupsById.empty()) {
    return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": nothing to split (no active samples)");
  }
  std::vector<Group*> order;
  for (auto& [id, group] : groupsById) {
    group.order = mixSeed(seed, static_cast<std::uint64_t>(id));
    order.push_back(&group);
  }
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
    if (a->members.size() != b->members.size()) return a->members.size() > b->members.size();
    return a->order < b->order;
  });

  std::map<std::string, std::vector<std::int64_t>> placed;  // class -> count per split
  for (const auto& [className, total] : classTotals) placed[className].assign(splitCount, 0);
  std::map<std::int64_t, std::size_t> splitOfSample;
  job.begin("split: assigning groups", static_cast<std::int64_t>(order.size()));
  for (const Group* group : order) {
    std::size_t best = 0;
    double bestScore = 0.0;
    std::uint64_t bestTie = 0;
    for (std::size_t s = 0; s < splitCount; ++s) {
      double score = 0.0;
      for (const auto& [className, count] : group->mix) {
        const double total = static_cast<double>(classTotals[className]);
        const double deficit = ratios[s] * total - static_cast<double>(placed[className][s]);
        score += static_cast<double>(count) * deficit / total;
      }
      const std::uint64_t tie = mixSeed(group->order, s);
      if (s == 0 || score > bestScore + 1e-12 || (std::abs(score - bestScore) <= 1e-12 && tie > bestTie)) {
        best = s;
        bestScore = score;
        bestTie = tie;
      }
    }
    for (const auto& [className, count] : group->mix) placed[className][best] += count;
    for (std::int64_t id : group->members) splitOfSample[id] = best;
    job.advance();
  }
  job.finish();

  std::string ratioText;
  for (std::size_t s = 0; s < splitCount; ++s) {
    ratioText += (s ? "/" : "") + std::to_string(static_cast<int>(ratios[s] * 100.0 + 0.5));
  }
  const std::string reason = "split " + ratioText + " stratified by class, disjoint by group (seed " +
                             std::to_string(seed) + ")";
  std::int64_t changed = 0;
  for (const auto& sample : *all) {
    auto found = splitOfSample.find(sample.id);
    if (found == splitOfSample.end()) continue;
    const std::string& name = names[found->second];
    if (sample.split == name) continue;
    if (Status status = store.applyDecision(sample.id, "split", name, kActor, reason, runId); !status) {
      return status.error();
    }
    ++changed;
  }
  for (std::int64_t id : inactiveWithSplit) {
    if (Status status = store.applyDecision(id, "split", std::string(), kActor, "not active: unassigned", runId);
        !status) {
      return status.error();
    }
    ++changed;
  }
  auto verification = verify(store, grouping);
  if (!verification) return verification.error();
  if (verification->first != 0) {
    return makeError(ErrorCode::Internal, "split: verification failed, nothing written: " +
                                              std::to_string(verification->first) +
                                              " group(s) cross splits; " + verification->second);
  }
  if (Status status = transaction->commit(); !status) return status.error();

  nlohmann::json classes = nlohmann::json::array();
  double worstDeviation = 0.0;
  for (const auto& [className, total] : classTotals) {
    nlohmann::json counts = nlohmann::json::object();
    nlohmann::json achieved = nlohmann::json::object();
    for (std::size_t s = 0; s < splitCount; ++s) {
      const double ratio = static_cast<double>(placed[className][s]) / static_cast<double>(total);
      counts[names[s]] = placed[className][s];
      achieved[names[s]] = ratio;
      worstDeviation = std::max(worstDeviation, std::abs(ratio - ratios[s]));
    }
    classes.push_back({{"class", className}, {"total", total}, {"counts", counts}, {"ratios", achieved}});
  }
  nlohmann::json targets = nlohmann::json::object();
  for (std::size_t s = 0; s < splitCount; ++s) targets[names[s]] = ratios[s];
  std::size_t largest = 0;
  std::int64_t multi = 0;
  for (const auto& [id, group] : groupsById) {
    largest = std::max(largest, group.members.size());
    if (group.members.size() > 1) ++multi;
  }
  nlohmann::json joins = nlohmann::json::object();
  for (const auto& [kind, count] : sampleGroups->joinsByKind) joins[kind] = count;
  return nlohmann::json{{"seed", seed},
                        {"splits", names},
                        {"target_ratios", targets},
                        {"classes", classes},
                        {"max_ratio_deviation", worstDeviation},
                        {"samples", splitOfSample.size()},
                        {"groups", groupsById.size()},
                        {"multi_sample_groups", multi},
                        {"largest_group", largest},
                        {"group_joins", joins},
                        {"changed", changed},
                        {"groups_crossing_splits", 0},
                        {"verified", true}};
}

}  // namespace winnow::split
