#include "winnow/split/dataset_splitter.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <vector>

#include "winnow/config/json_schema.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/split/sample_groups.hpp"
#include "winnow/store/split_queries.hpp"

namespace winnow::split {
namespace {

constexpr const char* kActor = "split";
constexpr const char* kStatusSetAside = "balanced_out";  // == balance::kStatusBalancedOut
constexpr std::size_t kSplitCount = kSplitNames.size();
constexpr int kUnplaced = -1;

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int splitIndex(const std::string& name) {
  for (std::size_t s = 0; s < kSplitCount; ++s) {
    if (name == kSplitNames[s]) return static_cast<int>(s);
  }
  return kUnplaced;
}

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

struct Member {
  std::int64_t id = 0;
  std::string className;
  bool augmented = false;
  int shipped = kUnplaced;  // canonical shipped split index, or kUnplaced
};

enum class Pool { Invalid = 0, Free, CarvedFromTrain, Pinned };

struct Group {
  std::int64_t id = 0;
  std::vector<Member> members;               // eligible active samples only
  std::map<std::string, std::int64_t> mix;   // class -> members that count towards ratios
  std::array<std::int64_t, kSplitCount> shippedCount{};  // real members per shipped split
  bool hasAugmented = false;
  Pool pool = Pool::Invalid;
  int pinned = kUnplaced;
  int split = kUnplaced;
  std::uint64_t order = 0;                   // seeded tie-break
  std::int64_t weight() const {
    std::int64_t total = 0;
    for (const auto& [name, count] : mix) total += count;
    return total;
  }
};

// Places every group of one pool by per-class deficit against `ratios` (fractions summing to 1).
// trainOnly: groups holding augmented samples go first and to train while train still lacks
// samples of their classes.
void placePool(std::vector<Group*> groups, const std::array<double, kSplitCount>& ratios, bool trainOnly) {
  std::map<std::string, std::int64_t> classTotals;
  for (const Group* group : groups) {
    for (const auto& [className, count] : group->mix) classTotals[className] += count;
  }
  std::sort(groups.begin(), groups.end(), [trainOnly](const Group* a, const Group* b) {
    if (trainOnly && a->hasAugmented != b->hasAugmented) return a->hasAugmented;
    if (a->weight() != b->weight()) return a->weight() > b->weight();
    return a->order < b->order;
  });
  std::map<std::string, std::array<std::int64_t, kSplitCount>> placed;
  for (const auto& [className, total] : classTotals) placed[className] = {};
  auto scoreOf = [&](const Group* group, std::size_t s) {
    double score = 0.0;
    for (const auto& [className, count] : group->mix) {
      const double total = static_cast<double>(classTotals[className]);
      const double deficit = ratios[s] * total - static_cast<double>(placed[className][s]);
      score += static_cast<double>(count) * deficit / total;
    }
    return score;
  };
  for (Group* group : groups) {
    int best = kUnplaced;
    if (group->mix.empty()) {
      best = 0;  // nothing that counts (e.g. only augmented children of an inactive parent)
    } else if (trainOnly && group->hasAugmented && scoreOf(group, 0) > 1e-12) {
      best = 0;
    } else {
      double bestScore = 0.0;
      std::uint64_t bestTie = 0;
      for (std::size_t s = 0; s < kSplitCount; ++s) {
        if (ratios[s] <= 0.0) continue;
        const double score = scoreOf(group, s);
        const std::uint64_t tie = mixSeed(group->order, s);
        if (best == kUnplaced || score > bestScore + 1e-12 || (std::abs(score - bestScore) <= 1e-12 && tie > bestTie)) {
          best = static_cast<int>(s);
          bestScore = score;
          bestTie = tie;
        }
      }
    }
    group->split = best;
    for (const auto& [className, count] : group->mix) placed[className][static_cast<std::size_t>(best)] += count;
  }
}

struct Verification {
  std::int64_t crossing = 0;
  std::string first;
};

// Checks that every group's active members share one split, that every active sample has one
// (except `mayBeUnassigned`), and (trainOnly) that no augmented active sample is in val/test.
Result<Verification> verify(store::ProjectStore& store, const GroupingOptions& options,
                            const std::set<std::int64_t>& mayBeUnassigned, const std::set<std::int64_t>& augmented,
                            bool trainOnly) {
  auto groups = computeSampleGroups(store, options);
  if (!groups) return groups.error();
  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  auto active = store.listSamples(filter);
  if (!active) return active.error();
  std::map<std::int64_t, std::string> splitOfGroup;
  std::set<std::int64_t> crossing;
  Verification result;
  auto fail = [&](std::int64_t group, const std::string& why) {
    if (result.first.empty()) result.first = why;
    crossing.insert(group);
  };
  for (const auto& sample : *active) {
    const std::int64_t group = groups->groupOf.at(sample.id);
    if (sample.split.empty()) {
      if (mayBeUnassigned.count(sample.id) == 0) fail(group, "active sample " + std::to_string(sample.id) + " has no split");
      continue;
    }
    if (trainOnly && augmented.count(sample.id) && sample.split != "train") {
      fail(group, "augmented sample " + std::to_string(sample.id) + " is in " + sample.split);
    }
    const auto [it, inserted] = splitOfGroup.emplace(group, sample.split);
    if (!inserted && it->second != sample.split) {
      fail(group, "group of sample " + std::to_string(group) + " is in both " + it->second + " and " + sample.split +
                      " (sample " + std::to_string(sample.id) + ")");
    }
  }
  result.crossing = static_cast<std::int64_t>(crossing.size());
  return result;
}

}  // namespace

Result<std::array<double, 3>> normalizedRatios(const std::vector<double>& ratios) {
  std::string given;
  for (std::size_t i = 0; i < ratios.size(); ++i) given += (i ? "," : "") + number(ratios[i]);
  if (ratios.size() != kSplitCount) {
    return makeError(ErrorCode::InvalidArgument, "expected 3 numbers train,val,test (e.g. 70,15,15 or 80,0,20), got " +
                                                     std::to_string(ratios.size()) + ": '" + given + "'");
  }
  for (double ratio : ratios) {
    if (!std::isfinite(ratio) || ratio < 0.0) {
      return makeError(ErrorCode::InvalidArgument, "'" + given + "': " + number(ratio) + " is not a non-negative number");
    }
  }
  const double sum = ratios[0] + ratios[1] + ratios[2];
  if (std::abs(sum - 100.0) > 1e-6 && std::abs(sum - 1.0) > 1e-6) {
    return makeError(ErrorCode::InvalidArgument,
                     "'" + given + "' sums to " + number(sum) + "; the three ratios must sum to 100 (or to 1)");
  }
  if (ratios[0] <= 0.0) {
    return makeError(ErrorCode::InvalidArgument, "'" + given + "': the train ratio must be above 0");
  }
  return std::array<double, 3>{ratios[0] / sum, ratios[1] / sum, ratios[2] / sum};
}

std::string canonicalSplitName(const std::string& folderName) {
  std::string lower = folderName;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "train" || lower == "training") return "train";
  if (lower == "val" || lower == "valid" || lower == "validation") return "val";
  if (lower == "test" || lower == "testing") return "test";
  return "";
}

Result<nlohmann::json> runSplit(store::ProjectStore& store, const nlohmann::json& rawParams, job::JobContext& job,
                                std::optional<std::int64_t> runId) {
  auto validated = config::resolveStepSchemaParams("split", rawParams);
  if (!validated) return validated.error();
  const nlohmann::json& params = *validated;
  auto normalized = normalizedRatios(params["ratios"].get<std::vector<double>>());
  if (!normalized) return makeError(ErrorCode::Schema, "split: params/ratios: " + normalized.error().message);
  const std::array<double, kSplitCount> ratios = *normalized;
  const auto seed = params["seed"].get<std::uint64_t>();
  const bool keepShipped = params["original_split"].get<std::string>() == "keep";
  const bool trainOnly = params["augmented"].get<std::string>() == "train_only";
  const std::optional<std::string> faceCrops =
      params.contains("face_crops") ? std::optional<std::string>(params["face_crops"].get<std::string>()) : std::nullopt;
  GroupingOptions grouping;
  grouping.burstSeconds = params["burst_seconds"].get<double>();

  auto transaction = store.beginTransaction();
  if (!transaction) return transaction.error();
  auto sampleGroups = computeSampleGroups(store, grouping);
  if (!sampleGroups) return sampleGroups.error();
  auto all = store.listSamples();
  if (!all) return all.error();
  auto parents = store.lineageParents();
  if (!parents) return parents.error();
  std::set<std::int64_t> children;  // samples made by augmentation (the child of a lineage row)
  for (const auto& [child, parent] : *parents) children.insert(children.end(), child);
  std::set<std::int64_t> withCrop;
  if (faceCrops) {
    auto crops = store::samplesWithFirstFaceCrop(store, *faceCrops);
    if (!crops) return crops.error();
    if (crops->empty()) {
      return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": no face crops of detector '" +
                                                       *faceCrops + "' (run `winnow crops` first)");
    }
    withCrop = std::move(crops).value();
  }

  std::set<std::int64_t> augmentedIds;
  // Groups with an augmented sample of any status: placement must not change when a previous run
  // set children aside, so that the same params give the same split.
  std::set<std::int64_t> groupsWithAugmented;
  std::map<std::int64_t, Group> groupsById;
  std::vector<std::int64_t> inactiveWithSplit;
  std::set<std::int64_t> noCrop;                          // active, no face crop: left unassigned
  std::map<std::string, std::int64_t> noCropByClass;
  std::vector<const store::SampleRecord*> noCropWithSplit;
  std::array<bool, kSplitCount> shippedPresent{};
  for (const auto& sample : *all) {
    const bool augmented = children.count(sample.id) > 0 || sample.format == "augmented";
    if (augmented) {
      augmentedIds.insert(sample.id);
      groupsWithAugmented.insert(sampleGroups->groupOf.at(sample.id));
    }
    if (sample.status != store::kStatusActive) {
      if (!sample.split.empty()) inactiveWithSplit.push_back(sample.id);
      continue;
    }
    const std::string className = sample.label.value_or("");
    if (faceCrops && withCrop.count(sample.id) == 0) {
      noCrop.insert(sample.id);
      ++noCropByClass[className];
      if (!sample.split.empty()) noCropWithSplit.push_back(&sample);
      continue;
    }
    Member member;
    member.id = sample.id;
    member.className = className;
    member.augmented = augmented;
    if (keepShipped) member.shipped = splitIndex(canonicalSplitName(sample.originalSplit));
    const std::int64_t groupId = sampleGroups->groupOf.at(sample.id);
    Group& group = groupsById[groupId];
    group.id = groupId;
    group.members.push_back(member);
    if (!augmented || !trainOnly) ++group.mix[className];
    if (!augmented && member.shipped != kUnplaced) {
      ++group.shippedCount[static_cast<std::size_t>(member.shipped)];
      shippedPresent[static_cast<std::size_t>(member.shipped)] = true;
    }
  }
  if (groupsById.empty()) {
    return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": nothing to split (no active samples" +
                                                     (faceCrops ? " with a face crop of '" + *faceCrops + "')" : ")"));
  }

  // Shipped splits: pin groups, resolve straddling groups, decide what is carved from train.
  const bool anyShipped = shippedPresent[0] || shippedPresent[1] || shippedPresent[2];
  std::array<double, kSplitCount> carveRatios{};
  std::vector<std::string> carvedSplits;
  if (anyShipped && shippedPresent[0]) {
    carveRatios[0] = ratios[0];
    for (std::size_t s = 1; s < kSplitCount; ++s) {
      if (!shippedPresent[s] && ratios[s] > 0.0) {
        carveRatios[s] = ratios[s];
        carvedSplits.push_back(kSplitNames[s]);
      }
    }
    const double sum = carveRatios[0] + carveRatios[1] + carveRatios[2];
    for (double& r : carveRatios) r /= sum;
  }
  std::int64_t straddling = 0;
  std::map<std::pair<int, int>, std::int64_t> moved;  // (shipped, placed) -> samples
  for (auto& [id, group] : groupsById) {
    group.order = mixSeed(seed, static_cast<std::uint64_t>(id));
    group.hasAugmented = groupsWithAugmented.count(id) > 0;
    int chosen = kUnplaced;
    int kinds = 0;
    for (int s = static_cast<int>(kSplitCount) - 1; s >= 0; --s) {  // test, val, train: ties go held-out
      const std::int64_t count = group.shippedCount[static_cast<std::size_t>(s)];
      if (count == 0) continue;
      ++kinds;
      if (chosen == kUnplaced || count > group.shippedCount[static_cast<std::size_t>(chosen)]) chosen = s;
    }
    if (chosen == kUnplaced) {
      group.pool = Pool::Free;
      continue;
    }
    if (kinds > 1) ++straddling;
    if (chosen == 0 && !carvedSplits.empty()) {
      group.pool = Pool::CarvedFromTrain;
    } else {
      group.pool = Pool::Pinned;
      group.pinned = chosen;
      group.split = chosen;
    }
  }
  std::vector<Group*> freePool;
  std::vector<Group*> carvePool;
  for (auto& [id, group] : groupsById) {
    if (group.pool == Pool::Free) freePool.push_back(&group);
    if (group.pool == Pool::CarvedFromTrain) carvePool.push_back(&group);
  }
  job.begin("split: assigning groups", static_cast<std::int64_t>(groupsById.size()));
  placePool(freePool, ratios, trainOnly);
  placePool(carvePool, carveRatios, trainOnly);
  job.advance(static_cast<std::int64_t>(groupsById.size()));
  job.finish();

  // Where each sample goes; augmented members of val/test groups are set aside (train_only).
  std::map<std::int64_t, int> splitOfSample;
  std::map<std::int64_t, std::string> reasonOf;
  std::vector<std::int64_t> setAside;
  std::map<std::string, std::array<std::int64_t, kSplitCount>> counted;    // ratio basis
  std::map<std::string, std::array<std::int64_t, kSplitCount>> augmentedIn;
  std::map<std::string, std::array<std::int64_t, kSplitCount>> shippedKept;
  std::map<std::string, std::int64_t> setAsideByClass;
  std::string ratioText;
  for (std::size_t s = 0; s < kSplitCount; ++s) {
    ratioText += (s ? "/" : "") + number(std::round(ratios[s] * 1000.0) / 10.0);
  }
  const std::string ratioReason = "split " + ratioText + " stratified by class, disjoint by group (seed " +
                                  std::to_string(seed) + ")";
  for (auto& [id, group] : groupsById) {
    const int split = group.split;
    for (const Member& member : group.members) {
      if (member.augmented && trainOnly && split != 0) {
        setAside.push_back(member.id);
        ++setAsideByClass[member.className];
        continue;
      }
      splitOfSample[member.id] = split;
      const auto s = static_cast<std::size_t>(split);
      if (member.augmented) ++augmentedIn[member.className][s];
      if (!member.augmented || !trainOnly) ++counted[member.className][s];
      if (member.shipped != kUnplaced && !member.augmented) {
        if (member.shipped == split) {
          ++shippedKept[member.className][s];
        } else if (!(group.pool == Pool::CarvedFromTrain && member.shipped == 0)) {
          ++moved[{member.shipped, split}];  // its group straddles the shipped splits
        }
      }
      if (group.pool == Pool::Pinned) {
        reasonOf[member.id] = member.shipped == split
                                  ? "split: kept the shipped split " + std::string(kSplitNames[s])
                                  : "split: its group straddles the shipped splits; the whole group goes to " +
                                        std::string(kSplitNames[s]) + " (where most of it was shipped)";
      } else if (group.pool == Pool::CarvedFromTrain) {
        reasonOf[member.id] = "split: shipped in train; " + std::string(kSplitNames[s]) +
                              " carved from shipped train, stratified, disjoint by group (seed " + std::to_string(seed) + ")";
      } else {
        reasonOf[member.id] = ratioReason;
      }
    }
  }

  std::int64_t changed = 0;
  for (const auto& sample : *all) {
    auto found = splitOfSample.find(sample.id);
    if (found == splitOfSample.end()) continue;
    const std::string name = kSplitNames[static_cast<std::size_t>(found->second)];
    if (sample.split == name) continue;
    if (Status status = store.applyDecision(sample.id, "split", name, kActor, reasonOf[sample.id], runId); !status) {
      return status.error();
    }
    ++changed;
  }
  for (std::int64_t id : setAside) {
    const std::string reason =
        "split: augmented child of a sample that is in val/test: kept out of evaluation, and out of train "
        "(next to its evaluated parent it would leak)";
    if (Status status = store.applyDecision(id, "status", std::string(kStatusSetAside), kActor, reason, runId); !status) {
      return status.error();
    }
    ++changed;
    auto record = store.getSample(id);
    if (!record) return record.error();
    if (!record->split.empty()) {
      if (Status status = store.applyDecision(id, "split", std::string(), kActor, reason, runId); !status) {
        return status.error();
      }
      ++changed;
    }
  }
  for (std::int64_t id : inactiveWithSplit) {
    if (Status status = store.applyDecision(id, "split", std::string(), kActor, "not active: unassigned", runId);
        !status) {
      return status.error();
    }
    ++changed;
  }
  for (const store::SampleRecord* sample : noCropWithSplit) {
    if (Status status = store.applyDecision(sample->id, "split", std::string(), kActor,
                                            "split: no face crop of detector '" + *faceCrops + "': unassigned", runId);
        !status) {
      return status.error();
    }
    ++changed;
  }
  auto verification = verify(store, grouping, noCrop, augmentedIds, trainOnly);
  if (!verification) return verification.error();
  if (verification->crossing != 0) {
    return makeError(ErrorCode::Internal, "split: verification failed, nothing written: " +
                                              std::to_string(verification->crossing) +
                                              " group(s) cross splits; " + verification->first);
  }
  if (Status status = transaction->commit(); !status) return status.error();

  // Summary, warnings and notes.
  nlohmann::json warnings = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();
  nlohmann::json classes = nlohmann::json::array();
  double worstDeviation = 0.0;
  std::array<std::int64_t, kSplitCount> labelledPerSplit{};
  for (const auto& [className, counts] : counted) {
    if (className.empty()) continue;
    for (std::size_t s = 0; s < kSplitCount; ++s) labelledPerSplit[s] += counts[s];
  }
  std::int64_t samplesPlaced = 0;
  for (const auto& [className, counts] : counted) {
    const std::int64_t total = counts[0] + counts[1] + counts[2];
    nlohmann::json countJson = nlohmann::json::object();
    nlohmann::json achieved = nlohmann::json::object();
    nlohmann::json augmentedJson = nlohmann::json::object();
    nlohmann::json shippedJson = nlohmann::json::object();
    for (std::size_t s = 0; s < kSplitCount; ++s) {
      const double ratio = total > 0 ? static_cast<double>(counts[s]) / static_cast<double>(total) : 0.0;
      countJson[kSplitNames[s]] = counts[s];
      achieved[kSplitNames[s]] = ratio;
      augmentedJson[kSplitNames[s]] = augmentedIn[className][s];
      shippedJson[kSplitNames[s]] = shippedKept[className][s];
      if (!anyShipped) worstDeviation = std::max(worstDeviation, std::abs(ratio - ratios[s]));
      samplesPlaced += counts[s];
    }
    classes.push_back({{"class", className}, {"total", total}, {"counts", countJson}, {"ratios", achieved},
                       {"augmented", augmentedJson}, {"shipped_kept", shippedJson},
                       {"augmented_set_aside", setAsideByClass[className]},
                       {"no_face_crop", noCropByClass[className]}});
    if (className.empty() || total == 0) continue;
    for (std::size_t s = 0; s < kSplitCount; ++s) {
      if (counts[s] > 0 || labelledPerSplit[s] == 0) continue;
      warnings.push_back("class '" + className + "' (" + std::to_string(total) + " samples) has no samples in " +
                         kSplitNames[s] + " while other classes have " + std::to_string(labelledPerSplit[s]) + ": " +
                         (s == 0 ? "a model cannot learn it" : "its " + std::string(kSplitNames[s]) + " scores will be missing") +
                         " (too few samples or groups" + (anyShipped ? ", or how the data was shipped" : "") +
                         (noCropByClass[className] > 0 ? ", or samples without a face crop" : "") + ")");
    }
  }
  // Classes whose every sample was left out for lack of a face crop.
  for (const auto& [className, count] : noCropByClass) {
    if (counted.count(className) || className.empty()) continue;
    warnings.push_back("class '" + className + "' is in no split: none of its " + std::to_string(count) +
                       " samples has a face crop of detector '" + *faceCrops + "'");
  }
  if (straddling > 0) {
    std::string movedText;
    std::int64_t movedTotal = 0;
    for (const auto& [fromTo, count] : moved) {
      movedText += (movedText.empty() ? "" : ", ") + std::to_string(count) + " shipped in " +
                   kSplitNames[static_cast<std::size_t>(fromTo.first)] + " -> " + kSplitNames[static_cast<std::size_t>(fromTo.second)];
      movedTotal += count;
    }
    warnings.push_back(std::to_string(straddling) +
                       " group(s) (near-duplicates, lineage, identity, video or burst) straddle the shipped splits, "
                       "a leak in the data as shipped: each whole group was put where most of its members were "
                       "shipped (ties: test, then val); " + std::to_string(movedTotal) + " samples moved" +
                       (movedText.empty() ? "" : " (" + movedText + ")"));
  }
  nlohmann::json shippedSummary = {{"mode", keepShipped ? "keep" : "ignore"}};
  if (anyShipped) {
    std::array<std::int64_t, kSplitCount> kept{};
    for (const auto& [className, counts] : shippedKept) {
      for (std::size_t s = 0; s < kSplitCount; ++s) kept[s] += counts[s];
    }
    std::int64_t unshipped = 0;
    for (const Group* group : freePool) {
      for (const Member& member : group->members) unshipped += member.augmented ? 0 : 1;
    }
    std::string text = "kept the shipped split (train " + std::to_string(kept[0]) + ", val " + std::to_string(kept[1]) +
                       ", test " + std::to_string(kept[2]) + " samples)";
    if (!carvedSplits.empty()) {
      std::string names;
      for (const auto& name : carvedSplits) names += (names.empty() ? "" : " and ") + name;
      text += "; nothing was shipped as " + names + ": carved from shipped train, stratified and group-disjoint";
    }
    if (unshipped > 0) text += "; " + std::to_string(unshipped) + " samples without a shipped split split " + ratioText;
    text += " (--original-split ignore re-splits everything by the ratios)";
    notes.push_back(text);
    shippedSummary["kept"] = {{"train", kept[0]}, {"val", kept[1]}, {"test", kept[2]}};
    shippedSummary["carved_from_train"] = carvedSplits;
    shippedSummary["straddling_groups"] = straddling;
  }
  std::int64_t augmentedInTrain = 0;
  std::int64_t augmentedInEval = 0;
  for (const auto& [className, counts] : augmentedIn) {
    augmentedInTrain += counts[0];
    augmentedInEval += counts[1] + counts[2];
  }
  if (!setAside.empty()) {
    notes.push_back(std::to_string(setAside.size()) +
                    " augmented children set aside (status balanced_out, undoable): their parents are in val/test, "
                    "so they may be neither evaluated nor trained on; re-run `winnow balance` to top train up");
  }
  if (augmentedInEval > 0) {
    warnings.push_back(std::to_string(augmentedInEval) + " augmented (synthetic) samples are in val/test (augmented: any): "
                       "they inflate evaluation scores");
  }
  if (!noCrop.empty()) {
    std::string perClass;
    for (const auto& [className, count] : noCropByClass) {
      perClass += (perClass.empty() ? "" : ", ") + (className.empty() ? std::string("(unlabelled)") : className) + " " +
                  std::to_string(count);
    }
    notes.push_back(std::to_string(noCrop.size()) + " active samples without a face crop of detector '" + *faceCrops +
                    "' left unassigned (" + perClass + ")");
  } else if (!faceCrops) {
    auto noFace = store::samplesWithFlag(store, "no_face");
    if (!noFace) return noFace.error();
    std::int64_t flagged = 0;
    for (const auto& [id, split] : splitOfSample) flagged += noFace->count(id);
    if (flagged > 0) {
      notes.push_back(std::to_string(flagged) + " split samples are flagged no_face: an export with --face-crops leaves "
                      "them out; `winnow split --face-crops DETECTOR` splits only samples with a crop");
    }
  }

  nlohmann::json targets = nlohmann::json::object();
  for (std::size_t s = 0; s < kSplitCount; ++s) targets[kSplitNames[s]] = ratios[s];
  std::size_t largest = 0;
  std::int64_t multi = 0;
  for (const auto& [id, group] : groupsById) {
    largest = std::max(largest, group.members.size());
    if (group.members.size() > 1) ++multi;
  }
  nlohmann::json joins = nlohmann::json::object();
  for (const auto& [kind, count] : sampleGroups->joinsByKind) joins[kind] = count;
  nlohmann::json names = nlohmann::json::array();
  for (const char* name : kSplitNames) names.push_back(name);
  return nlohmann::json{{"seed", seed},
                        {"splits", names},
                        {"target_ratios", targets},
                        {"classes", classes},
                        {"max_ratio_deviation", worstDeviation},
                        {"samples", splitOfSample.size()},
                        {"ratio_samples", samplesPlaced},
                        {"groups", groupsById.size()},
                        {"multi_sample_groups", multi},
                        {"largest_group", largest},
                        {"group_joins", joins},
                        {"changed", changed},
                        {"original_split", shippedSummary},
                        {"augmented", {{"mode", trainOnly ? "train_only" : "any"},
                                       {"in_train", augmentedInTrain},
                                       {"in_val_test", augmentedInEval},
                                       {"set_aside", setAside.size()}}},
                        {"no_face_crop", noCrop.size()},
                        {"groups_crossing_splits", 0},
                        {"verified", true},
                        {"warnings", warnings},
                        {"notes", notes},
                        {"result", warnings.empty() ? "verified" : "verified_with_warnings"}};
}

}  // namespace winnow::split
