#include "winnow/balance/dataset_balancer.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "winnow/config/json_schema.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/plugin/balancer.hpp"
#include "winnow/store/balance_queries.hpp"
#include "winnow/util/atomic_file.hpp"
#include "winnow/util/content_hash.hpp"

namespace winnow::balance {

namespace fs = std::filesystem;

namespace {

constexpr const char* kActor = "balance";
constexpr std::size_t kChildrenPerCommit = 32;
constexpr int kMaxSeedTries = 8;

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string hex16(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::int64_t rootOf(std::int64_t id, const std::map<std::int64_t, std::int64_t>& parents) {
  for (int depth = 0; depth < 64; ++depth) {
    auto found = parents.find(id);
    if (found == parents.end()) break;
    id = found->second;
  }
  return id;
}

struct ChildOutcome {
  bool added = false;
  bool reactivated = false;
};

// Everything the augment step needs, shared by all children of one run.
struct AugmentContext {
  store::ProjectStore& store;
  plugin::Augmenter& augmenter;
  std::string augmenterId;
  std::string augmenterParamsJson;
  std::uint64_t seed = 0;
  std::optional<std::int64_t> runId;
  std::map<std::int64_t, std::int64_t> activeChildren;  // root parent -> active children so far
};

Result<ChildOutcome> makeChild(AugmentContext& context, const store::SampleRecord& parent,
                               const Image& parentPixels, const std::string& className) {
  std::int64_t& ordinal = context.activeChildren[parent.id];
  for (int attempt = 0; attempt < kMaxSeedTries; ++attempt, ++ordinal) {
    const std::uint64_t childSeed =
        mixSeed(mixSeed(context.seed, static_cast<std::uint64_t>(parent.id)), static_cast<std::uint64_t>(ordinal)) >> 1;
    auto augmented = context.augmenter.apply(parentPixels, childSeed);
    if (!augmented) return augmented.error();
    auto png = image::encodePng(*augmented);
    if (!png) return png.error();
    const std::string hash = contentHash(*png);
    auto existing = context.store.findSampleByHash(hash);
    if (!existing) return existing.error();
    const std::string reason = "balance: augmented child of sample " + std::to_string(parent.id) +
                               " (class '" + className + "', " + context.augmenterId + ", seed " +
                               std::to_string(childSeed) + ")";
    if (existing->has_value()) {
      auto child = store::lineageChildOf(context.store, **existing, parent.id);
      if (!child) return child.error();
      auto record = context.store.getSample(**existing);
      if (!record) return record.error();
      if (child->has_value() && record->status == kStatusBalancedOut) {
        if (Status status = context.store.applyDecision(**existing, "status", std::string(store::kStatusActive),
                                                        kActor, reason, context.runId);
            !status) {
          return status.error();
        }
        ++ordinal;
        return ChildOutcome{false, true};
      }
      continue;  // same pixels as an existing sample (e.g. an identity draw): try the next seed
    }
    const std::string prefix = parent.contentHash.substr(parent.contentHash.find(':') + 1, 12);
    const fs::path relative = fs::path(kAugmentedFolder) / prefix / (hex16(childSeed) + ".png");
    const fs::path absolute = context.store.projectDir() / relative;
    std::error_code ec;
    fs::create_directories(absolute.parent_path(), ec);
    if (ec) return makeError(ErrorCode::Io, absolute.parent_path().string() + ": " + ec.message());
    if (Status written = writeFileAtomically(absolute, *png); !written) return written.error();

    store::SampleRecord child;
    child.contentHash = hash;
    child.sourceId = parent.sourceId;
    child.originalPath = parent.originalPath;
    child.derivedPath = relative.generic_string();
    child.byteSize = static_cast<std::int64_t>(png->size());
    child.width = augmented->width;
    child.height = augmented->height;
    child.channels = augmented->channels();
    child.format = kAugmentedFormat;
    child.originalLabel = parent.originalLabel;
    child.label = parent.label;
    child.originalSplit = parent.originalSplit;
    child.split = parent.split;  // a child always stays in its parent's split
    child.status = kStatusBalancedOut;
    auto childId = context.store.insertSample(child);
    if (!childId) return childId.error();
    if (Status status = store::copySampleIdentity(context.store, parent.id, *childId); !status) {
      return status.error();
    }
    store::LineageRecord lineage;
    lineage.childSampleId = *childId;
    lineage.parentSampleId = parent.id;
    lineage.augmentation = context.augmenterId;
    lineage.paramsJson = context.augmenterParamsJson;
    lineage.seed = static_cast<std::int64_t>(childSeed);
    lineage.runId = context.runId;
    lineage.createdAt = store::nowUtcIso8601();
    if (Status status = store::insertLineage(context.store, lineage); !status) return status.error();
    if (Status status = context.store.applyDecision(*childId, "status", std::string(store::kStatusActive),
                                                    kActor, reason, context.runId);
        !status) {
      return status.error();
    }
    ++ordinal;
    return ChildOutcome{true, false};
  }
  return makeError(ErrorCode::Internal, "sample " + std::to_string(parent.id) + ": " +
                                            std::to_string(kMaxSeedTries) +
                                            " augmentations in a row repeated existing samples");
}

}  // namespace

Result<nlohmann::json> runBalance(store::ProjectStore& store, plugin::PluginHost& host,
                                  const nlohmann::json& rawParams, job::JobContext& job,
                                  std::optional<std::int64_t> runId) {
  auto validated = config::resolveStepSchemaParams("balance", rawParams);
  if (!validated) return validated.error();
  const nlohmann::json& params = *validated;
  const std::string balancerId = params["balancer"].get<std::string>();
  const std::string augmenterId = params["augmenter"].get<std::string>();
  const std::string scope = params["scope"].get<std::string>();
  const auto seed = params["seed"].get<std::uint64_t>();
  const bool dryRun = params["dry_run"].get<bool>();

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  filter.labelledOnly = true;
  auto everything = store.listSamples(filter);
  if (!everything) return everything.error();
  // scope "train" before any split: everything is balanced; children stay with their parent's
  // group (lineage) and the splitter keeps them in train (see dataset_splitter.hpp).
  std::map<std::string, std::int64_t> activeBySplit;
  for (const auto& sample : *everything) ++activeBySplit[sample.split];
  const bool anySplit = activeBySplit.size() > 1 || activeBySplit.count("") == 0;
  const bool trainOnly = scope == "train" && anySplit;
  std::vector<store::SampleRecord> selected;
  for (auto& sample : *everything) {
    if (!trainOnly || sample.split == "train") selected.push_back(std::move(sample));
  }
  nlohmann::json notes = nlohmann::json::array();
  if (scope == "train" && !anySplit) {
    notes.push_back("no split yet: balanced all " + std::to_string(selected.size()) +
                    " active labelled samples; `winnow split` keeps augmented children in train (with their "
                    "parent's group) and val/test real (`balance` after `split` balances train only)");
  } else if (trainOnly) {
    const std::int64_t left = static_cast<std::int64_t>((*everything).size() - selected.size());
    notes.push_back("scope train: balanced the " + std::to_string(selected.size()) + " samples of split train; " +
                    std::to_string(left) + " samples of val/test/unassigned left as they are (--scope all changes them too)");
  } else if (scope == "all" && anySplit) {
    notes.push_back("scope all: val/test samples are balanced too; their augmented children stay in val/test "
                    "(synthetic images in evaluation) until `winnow split` runs again");
  }
  auto* samples = &selected;
  std::map<std::int64_t, store::SampleRecord> byId;
  std::map<std::string, std::vector<std::int64_t>> classMembers;
  for (auto& sample : *samples) {
    classMembers[*sample.label].push_back(sample.id);
    byId.emplace(sample.id, std::move(sample));
  }
  if (classMembers.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     store.projectDir().string() + ": nothing to balance (no active labelled samples" +
                         (trainOnly ? " in split train)" : ")"));
  }
  auto hashes = store::perceptualHashesBySample(store);
  if (!hashes) return hashes.error();
  std::vector<plugin::BalanceClass> classes;
  for (auto& [name, ids] : classMembers) {
    plugin::BalanceClass input;
    input.name = name;
    std::sort(ids.begin(), ids.end());
    input.sampleIds = ids;
    const bool allHashed = std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) { return hashes->count(id) > 0; });
    if (allHashed) {
      input.featureDim = 64;
      input.features.reserve(ids.size() * 64);
      for (std::int64_t id : ids) {
        const std::uint64_t bits = hashes->at(id);
        for (int b = 0; b < 64; ++b) input.features.push_back(static_cast<float>((bits >> b) & 1U));
      }
    }
    classes.push_back(std::move(input));
  }

  auto instance = host.create(balancerId, params["params"]);
  if (!instance) return instance.error();
  auto balancer = plugin::Balancer::wrap(std::move(instance).value());
  if (!balancer) return balancer.error();
  auto plans = balancer->plan(classes, seed);
  if (!plans) return plans.error();

  nlohmann::json summary = {{"balancer", balancerId}, {"scope", scope}, {"seed", seed},
                            {"scope_applied", trainOnly ? "train" : "all"}, {"notes", notes},
                            {"dry_run", dryRun}, {"cancelled", false}};
  nlohmann::json classReports = nlohmann::json::array();
  nlohmann::json classWeights = nlohmann::json::object();
  std::int64_t childrenPlanned = 0;
  for (std::size_t i = 0; i < plans->size(); ++i) {
    const auto& plan = (*plans)[i];
    classWeights[plan.className] = plan.lossWeight;
    if (plan.action == plugin::BalanceAction::Augment) childrenPlanned += static_cast<std::int64_t>(plan.sampleIds.size());
    classReports.push_back({{"class", plan.className},
                            {"action", plugin::balanceActionName(plan.action)},
                            {"before", classes[i].sampleIds.size()},
                            {"target", plan.targetCount},
                            {"loss_weight", plan.lossWeight},
                            {"features", classes[i].featureDim > 0 ? "phash-bits" : "none"},
                            {"removed", 0}, {"added", 0}, {"reactivated", 0}, {"failed", 0},
                            {"after", classes[i].sampleIds.size()}});
  }
  summary["class_weights"] = classWeights;
  if (dryRun) {
    summary["classes"] = classReports;
    return summary;
  }

  // Undersampling and repeat counts: one transaction.
  {
    auto transaction = store.beginTransaction();
    if (!transaction) return transaction.error();
    for (std::size_t i = 0; i < plans->size(); ++i) {
      const auto& plan = (*plans)[i];
      const auto& ids = classes[i].sampleIds;
      std::map<std::int64_t, std::int64_t> repeats;
      if (plan.action == plugin::BalanceAction::Oversample) {
        for (std::int64_t id : plan.sampleIds) ++repeats[id];
      }
      if (Status status = store::setRepeatCounts(store, kRepeatCountMeasure, ids, repeats); !status) {
        return status.error();
      }
      if (plan.action != plugin::BalanceAction::Undersample) continue;
      const std::set<std::int64_t> kept(plan.sampleIds.begin(), plan.sampleIds.end());
      const std::string reason = "balance " + balancerId + ": undersample class '" + plan.className +
                                 "' to " + std::to_string(plan.targetCount) + " (seed " + std::to_string(seed) + ")";
      std::int64_t removed = 0;
      for (std::int64_t id : ids) {
        if (kept.count(id)) continue;
        if (Status status = store.applyDecision(id, "status", std::string(kStatusBalancedOut), kActor, reason, runId);
            !status) {
          return status.error();
        }
        ++removed;
      }
      classReports[i]["removed"] = removed;
      classReports[i]["after"] = static_cast<std::int64_t>(ids.size()) - removed;
    }
    if (Status status = transaction->commit(); !status) return status.error();
  }
  summary["removed"] = 0;
  for (const auto& report : classReports) summary["removed"] = summary["removed"].get<std::int64_t>() + report["removed"].get<std::int64_t>();

  // Augmentation: batches of children, each batch one transaction.
  std::int64_t added = 0;
  std::int64_t reactivated = 0;
  std::map<std::string, std::int64_t> childrenBySplit;  // active children made or restored, by split
  std::int64_t failed = 0;
  if (childrenPlanned > 0) {
    auto augmenterParams = host.validateParams(augmenterId, params["augmenter_params"]);
    if (!augmenterParams) return augmenterParams.error();
    auto augmenter = host.createAugmenter(augmenterId, *augmenterParams);
    if (!augmenter) return augmenter.error();
    auto lineageParents = store.lineageParents();
    if (!lineageParents) return lineageParents.error();
    AugmentContext context{store, *augmenter, augmenterId, augmenterParams->dump(), seed, runId, {}};
    for (const auto& [child, parent] : *lineageParents) {
      auto found = byId.find(child);
      if (found != byId.end()) ++context.activeChildren[rootOf(parent, *lineageParents)];
    }
    summary["augmenter"] = augmenterId;
    summary["augmenter_params"] = *augmenterParams;
    job.begin("balance: augmenting", childrenPlanned);
    std::optional<store::ProjectStore::Transaction> transaction;
    std::size_t inBatch = 0;
    std::int64_t cachedParent = 0;
    std::optional<Image> cachedPixels;
    bool cancelled = false;
    for (std::size_t i = 0; i < plans->size() && !cancelled; ++i) {
      const auto& plan = (*plans)[i];
      if (plan.action != plugin::BalanceAction::Augment) continue;
      std::vector<std::int64_t> parents;
      for (std::int64_t id : plan.sampleIds) parents.push_back(rootOf(id, *lineageParents));
      std::stable_sort(parents.begin(), parents.end());  // decode each parent once
      for (std::int64_t parentId : parents) {
        if (!transaction) {
          if (job.cancelled()) {
            cancelled = true;
            break;
          }
          auto begun = store.beginTransaction();
          if (!begun) return begun.error();
          transaction.emplace(std::move(begun.value()));
        }
        auto parent = store.getSample(parentId);
        if (!parent) return parent.error();
        if (cachedParent != parentId || !cachedPixels) {
          cachedPixels.reset();
          const fs::path path = store.pixelPath(*parent);
          auto bytes = image::readFileBytes(path);
          if (bytes) {
            auto decoded = image::decodeImage(*bytes, path, image::ColorMode::Preserve);
            if (decoded) {
              cachedPixels = std::move(decoded->image);
            } else {
              job.warn(decoded.error().message);
            }
          } else {
            job.warn(bytes.error().message);
          }
          cachedParent = parentId;
        }
        if (cachedPixels) {
          auto outcome = makeChild(context, *parent, *cachedPixels, plan.className);
          if (!outcome) {
            if (outcome.error().code == ErrorCode::Database || outcome.error().code == ErrorCode::Io) {
              return outcome.error();
            }
            job.warn("sample " + std::to_string(parentId) + ": " + outcome.error().message);
            ++failed;
            classReports[i]["failed"] = classReports[i]["failed"].get<std::int64_t>() + 1;
          } else {
            const char* key = outcome->added ? "added" : "reactivated";
            (outcome->added ? added : reactivated)++;
            ++childrenBySplit[parent->split.empty() ? std::string("unassigned") : parent->split];
            classReports[i][key] = classReports[i][key].get<std::int64_t>() + 1;
            classReports[i]["after"] = classReports[i]["after"].get<std::int64_t>() + 1;
          }
        } else {
          ++failed;
          classReports[i]["failed"] = classReports[i]["failed"].get<std::int64_t>() + 1;
        }
        job.advance();
        if (++inBatch >= kChildrenPerCommit) {
          if (Status status = transaction->commit(); !status) return status.error();
          transaction.reset();
          inBatch = 0;
        }
      }
    }
    if (transaction) {
      if (Status status = transaction->commit(); !status) return status.error();
    }
    job.finish();
    summary["cancelled"] = cancelled;
  }
  summary["augmented_by_split"] = childrenBySplit;
  summary["augmented"] = added;
  summary["reactivated"] = reactivated;
  summary["failed"] = failed;
  summary["classes"] = classReports;
  return summary;
}

}  // namespace winnow::balance
