// runDupes: hashes -> neighbour pairs (hash, video, embeddings) -> constrained union-find ->
// clusters with keepers -> stored clusters and "duplicate" decisions.
#include "winnow/dedupe/dupes.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "dupes_internal.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/dedupe/embedding_pairs.hpp"
#include "winnow/dedupe/hamming_index.hpp"
#include "winnow/dedupe/keeper_rule.hpp"
#include "winnow/dedupe/perceptual_hash.hpp"
#include "winnow/store/dedupe_queries.hpp"
#include "winnow/store/embedding_queries.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

namespace {

// A hashed, not rejected sample as the store lists it; its fields are declared once, in the store's row.
struct Candidate : store::HashedSampleRow {
  bool isFrame() const { return format == "video-frame" && videoFrameIndex.has_value(); }
};

struct Edge {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  double score = 0.0;  // lower = more similar; edges are merged in this order
  int method = 0;      // index into the method names
};

Result<std::vector<Candidate>> loadCandidates(store::ProjectStore& store) {
  auto rows = store::listHashedSamples(store, kSharpnessMeasure, kBrightnessMeasure);
  if (!rows) return rows.error();
  std::vector<Candidate> candidates;
  candidates.reserve(rows->size());
  for (store::HashedSampleRow& row : *rows) candidates.push_back(Candidate{std::move(row)});
  return candidates;
}

// Embedding pairs for every extractor in the table, mapped to candidate indices.
Status addEmbeddingEdges(store::ProjectStore& store, const std::unordered_map<std::int64_t, std::uint32_t>& indexOf,
                         double minCosine, std::vector<std::string>& methods,
                         std::vector<Edge>& edges, job::JobContext& job) {
  auto extractors = store::embeddingExtractors(store, store::ExtractorOrder::ByName);
  if (!extractors) return extractors.error();
  for (const std::string& extractor : *extractors) {
    const store::EmbeddingQuery query{extractor, store::EmbeddedSamples::All, store::EmbeddingOrder::BySampleId};
    auto stored = store::readEmbeddings(store, query);
    if (!stored) return stored.error();
    // Rejected or unhashed samples are not candidates. Candidates' vectors that are not `dimension`
    // floats, or not of the first kept vector's dimension, are skipped.
    std::int64_t skippedWrongSize = 0;
    for (std::int64_t sampleId : stored->wrongSizeSampleIds) skippedWrongSize += indexOf.count(sampleId) > 0 ? 1 : 0;
    std::vector<std::uint32_t> owners;
    std::vector<std::vector<float>> vectors;
    for (store::EmbeddingRow& row : stored->rows) {
      const auto owner = indexOf.find(row.sampleId);
      if (owner == indexOf.end()) continue;
      if (!vectors.empty() && row.values.size() != vectors.front().size()) {
        ++skippedWrongSize;
        continue;
      }
      owners.push_back(owner->second);
      vectors.push_back(std::move(row.values));
    }
    if (skippedWrongSize > 0) {
      job.warn("dupes: embeddings '" + extractor + "': " + std::to_string(skippedWrongSize) +
               " vectors with a wrong size were skipped");
    }
    const int method = static_cast<int>(methods.size());
    methods.push_back("embedding:" + extractor);
    for (const EmbeddingPair& pair : cosinePairs(vectors, minCosine)) {
      edges.push_back({owners[pair.a], owners[pair.b], (1.0 - pair.cosine) * 64.0, method});
    }
  }
  return okStatus();
}

// Union-find that refuses merges putting a not-duplicate pair into one set.
class ConstrainedUnionFind {
 public:
  ConstrainedUnionFind(std::size_t n, std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> cannotLink)
      : parent_(n), members_(n), cannotLink_(std::move(cannotLink)) {
    std::iota(parent_.begin(), parent_.end(), 0u);
    for (std::uint32_t i = 0; i < n; ++i) members_[i] = {i};
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  // False when a and b are already together or a not-duplicate pair forbids the merge.
  bool unite(std::uint32_t a, std::uint32_t b, bool& refused) {
    refused = false;
    std::uint32_t ra = find(a);
    std::uint32_t rb = find(b);
    if (ra == rb) return false;
    if (members_[ra].size() < members_[rb].size()) std::swap(ra, rb);
    for (std::uint32_t member : members_[rb]) {
      const auto found = cannotLink_.find(member);
      if (found == cannotLink_.end()) continue;
      for (std::uint32_t other : found->second) {
        if (find(other) == ra) {
          refused = true;
          return false;
        }
      }
    }
    parent_[rb] = ra;
    members_[ra].insert(members_[ra].end(), members_[rb].begin(), members_[rb].end());
    members_[rb].clear();
    members_[rb].shrink_to_fit();
    return true;
  }

 private:
  std::vector<std::uint32_t> parent_;
  std::vector<std::vector<std::uint32_t>> members_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> cannotLink_;
};

// `reference` is the kept member c duplicates, or the cluster keeper when c is kept.
ClusterMember memberOf(const Candidate& c, const Candidate& reference) {
  ClusterMember m;
  m.sampleId = c.id;
  m.distance = hammingDistance(c.phash, reference.phash);
  m.dhashDistance = hammingDistance(c.dhash, reference.dhash);
  m.status = c.status;
  m.path = c.originalPath;
  m.width = c.width;
  m.height = c.height;
  m.sharpness = c.sharpness;
  m.brightness = c.brightness;
  m.byteSize = c.byteSize;
  m.format = c.format;
  m.label = c.label;
  m.videoFrameIndex = c.videoFrameIndex;
  return m;
}

KeeperChoice chooseAmong(const std::vector<Candidate>& candidates, const std::vector<std::uint32_t>& members) {
  std::vector<KeeperCandidate> rivals;
  for (std::uint32_t m : members) {
    const Candidate& c = candidates[m];
    rivals.push_back({c.id, c.width, c.height, c.sharpness.value_or(0.0), c.brightness.value_or(127.5),
                      c.byteSize, c.format});
  }
  return chooseKeeper(rivals);
}

std::string fileName(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Which members of one label group are kept. kept/duplicateOf are indexed like `candidates`.
struct GroupPlan {
  std::vector<std::uint32_t> kept;                          // first = the group's keeper
  std::map<std::uint32_t, std::uint32_t> duplicateOf;       // non-kept member -> kept member
  std::string reason;
};

// Frames of one group in video order; a frame is kept unless it is near-identical (the video pair
// rule) to a frame kept before it. `seed` (a user's keeper) is kept first.
GroupPlan planFrames(const std::vector<Candidate>& candidates, std::vector<std::uint32_t> frames,
                     std::optional<std::uint32_t> seed, int videoDistance) {
  std::sort(frames.begin(), frames.end(), [&](std::uint32_t l, std::uint32_t r) {
    const Candidate& a = candidates[l];
    const Candidate& b = candidates[r];
    return std::tie(a.originalPath, *a.videoFrameIndex, a.id) < std::tie(b.originalPath, *b.videoFrameIndex, b.id);
  });
  GroupPlan plan;
  if (seed) plan.kept.push_back(*seed);
  for (std::uint32_t f : frames) {
    if (seed && f == *seed) continue;
    std::optional<std::uint32_t> nearest;
    int nearestScore = 1 << 20;
    for (std::uint32_t k : plan.kept) {
      const int p = hammingDistance(candidates[f].phash, candidates[k].phash);
      const int d = hammingDistance(candidates[f].dhash, candidates[k].dhash);
      if (p <= videoDistance && d <= videoDistance && p + d < nearestScore) {
        nearest = k;
        nearestScore = p + d;
      }
    }
    if (nearest) {
      plan.duplicateOf[f] = *nearest;
    } else {
      plan.kept.push_back(f);
    }
  }
  std::set<std::string> videos;
  for (std::uint32_t f : frames) videos.insert(fileName(candidates[f].originalPath));
  plan.reason = "video frames: kept " + std::to_string(plan.kept.size()) + " of " +
                std::to_string(frames.size()) + " frames of " +
                (videos.size() == 1 ? *videos.begin() : std::to_string(videos.size()) + " videos") +
                " (a frame is kept unless its pHash and dHash are both within " +
                std::to_string(videoDistance) + " of a frame kept before it)";
  if (seed) plan.reason += "; frame " + std::to_string(candidates[*seed].id) + " chosen by the user";
  return plan;
}

GroupPlan planGroup(const std::vector<Candidate>& candidates, const std::vector<std::uint32_t>& members,
                    std::optional<std::uint32_t> userKeeper, const std::string& userReason,
                    int videoDistance) {
  const bool allFrames = std::all_of(members.begin(), members.end(),
                                     [&](std::uint32_t m) { return candidates[m].isFrame(); });
  if (allFrames && members.size() > 1) return planFrames(candidates, members, userKeeper, videoDistance);
  GroupPlan plan;
  std::uint32_t keeper = 0;
  if (userKeeper) {
    keeper = *userKeeper;
    plan.reason = userReason;
  } else {
    const KeeperChoice choice = chooseAmong(candidates, members);
    keeper = members[choice.index];
    plan.reason = choice.reason;
  }
  plan.kept.push_back(keeper);
  for (std::uint32_t m : members) {
    if (m != keeper) plan.duplicateOf[m] = keeper;
  }
  return plan;
}

// One cluster: members grouped by label, a plan per group (see the header's keeper rules).
DuplicateCluster planCluster(const std::vector<Candidate>& candidates,
                             const std::vector<std::uint32_t>& members,
                             const std::map<std::int64_t, std::string>& userKeepers, int videoDistance) {
  std::optional<std::uint32_t> userKeeper;
  std::string userReason;
  for (std::uint32_t m : members) {
    const auto chosen = userKeepers.find(candidates[m].id);
    if (chosen != userKeepers.end()) {
      userKeeper = m;
      userReason = chosen->second;
      break;
    }
  }
  std::map<std::string, std::vector<std::uint32_t>> byLabel;
  std::vector<std::uint32_t> unlabelled;
  for (std::uint32_t m : members) {
    if (candidates[m].label) {
      byLabel[*candidates[m].label].push_back(m);
    } else {
      unlabelled.push_back(m);
    }
  }
  DuplicateCluster cluster;
  cluster.labelConflict = byLabel.size() >= 2;
  // Unlabelled members join the group of the cluster's keeper: the user's keeper, else the best
  // labelled member (labelled samples are worth more than unlabelled copies of them).
  std::string mainLabel;
  bool mainUnlabelled = byLabel.empty() || (userKeeper && !candidates[*userKeeper].label);
  if (!mainUnlabelled) {
    if (userKeeper) {
      mainLabel = *candidates[*userKeeper].label;
    } else {
      std::vector<std::uint32_t> labelled;
      for (const auto& [label, list] : byLabel) labelled.insert(labelled.end(), list.begin(), list.end());
      mainLabel = *candidates[labelled[chooseAmong(candidates, labelled).index]].label;
    }
    auto& group = byLabel[mainLabel];
    group.insert(group.end(), unlabelled.begin(), unlabelled.end());
    unlabelled.clear();
  }
  std::vector<std::pair<std::string, GroupPlan>> plans;  // main group first
  auto planOf = [&](const std::vector<std::uint32_t>& group) {
    std::optional<std::uint32_t> seed;
    if (userKeeper && std::find(group.begin(), group.end(), *userKeeper) != group.end()) seed = userKeeper;
    return planGroup(candidates, group, seed, userReason, videoDistance);
  };
  if (mainUnlabelled && !unlabelled.empty()) plans.emplace_back("", planOf(unlabelled));
  if (!mainUnlabelled) plans.emplace_back(mainLabel, planOf(byLabel[mainLabel]));
  for (const auto& [label, group] : byLabel) {
    if (!mainUnlabelled && label == mainLabel) continue;
    plans.emplace_back(label, planOf(group));
  }

  const Candidate& keeper = candidates[plans.front().second.kept.front()];
  cluster.keeperSampleId = keeper.id;
  if (cluster.labelConflict) {
    std::string counts;
    for (const auto& [label, group] : byLabel) {
      counts += (counts.empty() ? "" : ", ") + label + " " + std::to_string(group.size());
    }
    cluster.keeperReason = "label conflict: members carry " + std::to_string(byLabel.size()) +
                           " labels (" + counts +
                           "); one keeper per label, nothing demoted across labels; keeper of '" +
                           plans.front().first + "': " + plans.front().second.reason;
  } else {
    cluster.keeperReason = plans.front().second.reason;
  }
  std::set<std::uint32_t> keptSet;
  for (const auto& [label, plan] : plans) keptSet.insert(plan.kept.begin(), plan.kept.end());
  ClusterMember first = memberOf(keeper, keeper);
  first.kept = true;
  cluster.members.push_back(std::move(first));
  for (const auto& [label, plan] : plans) {
    for (std::uint32_t k : plan.kept) {
      if (candidates[k].id == keeper.id) continue;
      ClusterMember m = memberOf(candidates[k], keeper);
      m.kept = true;
      cluster.members.push_back(std::move(m));
    }
  }
  for (const auto& [label, plan] : plans) {
    for (const auto& [member, of] : plan.duplicateOf) {
      ClusterMember m = memberOf(candidates[member], candidates[of]);
      m.duplicateOf = candidates[of].id;
      cluster.members.push_back(std::move(m));
    }
  }
  return cluster;
}

struct PersistCounts {
  std::int64_t demoted = 0;
  std::int64_t restored = 0;
  std::int64_t keptByUser = 0;  // statuses left alone because a user decided them
};

Result<PersistCounts> persist(store::ProjectStore& store, std::vector<DuplicateCluster>& clusters,
                              std::optional<std::int64_t> runId) {
  PersistCounts counts;
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  std::vector<store::NewDuplicateCluster> rows;
  rows.reserve(clusters.size());
  for (const DuplicateCluster& cluster : clusters) {
    store::NewDuplicateCluster row;
    row.method = cluster.method;
    row.keeperSampleId = cluster.keeperSampleId;
    row.keeperReason = cluster.keeperReason;
    row.labelConflict = cluster.labelConflict;
    row.members.reserve(cluster.members.size());
    for (const ClusterMember& member : cluster.members) {
      row.members.push_back({member.sampleId, member.distance, member.kept, member.duplicateOf});
    }
    rows.push_back(std::move(row));
  }
  // Clusters are stored before any status changes: each sample is in one cluster at most, so the
  // decisions below read and write the same rows as when stored cluster by cluster.
  auto ids = store::replaceDuplicateClusters(store, rows, runId, store::nowUtcIso8601());
  if (!ids) return ids.error();
  std::set<std::int64_t> nonKeepers;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    DuplicateCluster& cluster = clusters[c];
    cluster.id = (*ids)[c];
    for (ClusterMember& member : cluster.members) {
      auto actor = store::latestStatusActor(store, member.sampleId);
      if (!actor) return actor.error();
      const bool owned = detail::dupesOwnsStatus(*actor);
      if (member.kept) {
        if (member.status == store::kStatusDuplicate && *actor && **actor == kDupesActor) {
          if (Status s = store.applyDecision(member.sampleId, "status", std::string(store::kStatusActive),
                                             kDupesActor, "kept in near-duplicate cluster " +
                                                 std::to_string(cluster.id) + ": " + cluster.keeperReason,
                                             runId);
              !s) {
            return s.error();
          }
          member.status = store::kStatusActive;
          ++counts.restored;
        }
        continue;
      }
      nonKeepers.insert(member.sampleId);
      if (member.status != store::kStatusActive) continue;
      if (!owned) {
        ++counts.keptByUser;
        continue;
      }
      const std::int64_t of = member.duplicateOf.value_or(cluster.keeperSampleId);
      char reason[256];
      if (member.videoFrameIndex && member.format == "video-frame") {
        std::snprintf(reason, sizeof reason,
                      "video frame %lld: near-identical to kept frame sample %lld (phash d=%d, dhash d=%d)",
                      static_cast<long long>(*member.videoFrameIndex), static_cast<long long>(of),
                      static_cast<int>(member.distance), member.dhashDistance);
      } else {
        std::snprintf(reason, sizeof reason, "near-duplicate of sample %lld%s (phash d=%d, dhash d=%d)",
                      static_cast<long long>(of), member.label ? " of the same label" : "",
                      static_cast<int>(member.distance), member.dhashDistance);
      }
      if (Status s = store.applyDecision(member.sampleId, "status",
                                         std::string(store::kStatusDuplicate), kDupesActor, reason, runId);
          !s) {
        return s.error();
      }
      member.status = store::kStatusDuplicate;
      ++counts.demoted;
    }
  }
  // Samples dupes demoted earlier that are no longer non-keepers come back.
  std::vector<std::int64_t> stale;
  {
    auto demoted = store::duplicateStatusSampleIds(store);
    if (!demoted) return demoted.error();
    for (std::int64_t id : *demoted) {
      if (!nonKeepers.count(id)) stale.push_back(id);
    }
  }
  for (std::int64_t id : stale) {
    auto actor = store::latestStatusActor(store, id);
    if (!actor) return actor.error();
    if (!*actor || **actor != kDupesActor) continue;
    if (Status s = store.applyDecision(id, "status", std::string(store::kStatusActive), kDupesActor,
                                       "no longer in a near-duplicate cluster", runId);
        !s) {
      return s.error();
    }
    ++counts.restored;
  }
  if (Status s = transaction.commit(); !s) return s.error();
  return counts;
}

}  // namespace

Result<nlohmann::json> runDupes(store::ProjectStore& store, const nlohmann::json& rawParams, job::JobContext& job,
                                std::optional<std::int64_t> runId) {
  auto resolved = config::resolveStepSchemaParams("dupes", rawParams);
  if (!resolved) return resolved.error();
  const nlohmann::json& params = *resolved;
  const int phashDistance = params["phash_distance"].get<int>();
  const int dhashDistance = params["dhash_distance"].get<int>();
  const int videoDistance = params["video_distance"].get<int>();
  const int frameKeepDistance = params["frame_keep_distance"].get<int>();
  const bool useEmbeddings = params["embeddings"].get<bool>();
  const double minCosine = params["min_cosine"].get<double>();
  const bool apply = params["apply"].get<bool>();
  unsigned threads = params["threads"].get<unsigned>();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  auto hashing = computeMissingHashes(store, threads, job);
  if (!hashing) return hashing.error();
  nlohmann::json summary = {{"params", params},
                            {"hashed", hashing->computed},
                            {"hash_failures", hashing->failed}};
  if (hashing->cancelled) {
    summary["cancelled"] = true;
    return summary;
  }
  auto loaded = loadCandidates(store);
  if (!loaded) return loaded.error();
  const std::vector<Candidate>& candidates = *loaded;
  std::unordered_map<std::int64_t, std::uint32_t> indexOf;
  for (std::uint32_t i = 0; i < candidates.size(); ++i) indexOf[candidates[i].id] = i;

  std::vector<std::string> methods = {"hash", "video"};
  std::vector<Edge> edges;
  {
    std::vector<std::uint64_t> phashes;
    phashes.reserve(candidates.size());
    for (const Candidate& c : candidates) phashes.push_back(c.phash);
    const HammingIndex index(std::move(phashes));
    for (const HammingPair& pair : index.radiusPairs(phashDistance, threads)) {
      const int d = hammingDistance(candidates[pair.a].dhash, candidates[pair.b].dhash);
      if (d <= dhashDistance) edges.push_back({pair.a, pair.b, double(pair.distance + d), 0});
    }
  }
  const std::size_t hashEdges = edges.size();
  {
    std::map<std::string, std::vector<std::uint32_t>> frames;
    for (std::uint32_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].format == "video-frame" && candidates[i].videoFrameIndex) {
        frames[candidates[i].originalPath].push_back(i);
      }
    }
    for (auto& [video, list] : frames) {
      std::sort(list.begin(), list.end(), [&](std::uint32_t l, std::uint32_t r) {
        return *candidates[l].videoFrameIndex < *candidates[r].videoFrameIndex;
      });
      for (std::size_t k = 1; k < list.size(); ++k) {
        const Candidate& x = candidates[list[k - 1]];
        const Candidate& y = candidates[list[k]];
        const int p = hammingDistance(x.phash, y.phash);
        const int d = hammingDistance(x.dhash, y.dhash);
        if (p <= videoDistance && d <= videoDistance) {
          edges.push_back({list[k - 1], list[k], double(p + d), 1});
        }
      }
    }
  }
  const std::size_t videoEdges = edges.size() - hashEdges;
  if (useEmbeddings) {
    if (Status s = addEmbeddingEdges(store, indexOf, minCosine, methods, edges, job); !s) return s.error();
  }
  const std::size_t embeddingEdges = edges.size() - hashEdges - videoEdges;

  auto notDuplicates = store::notDuplicatePairs(store);
  if (!notDuplicates) return notDuplicates.error();
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> cannotLink;
  for (const auto& [a, b] : *notDuplicates) {
    const auto ia = indexOf.find(a);
    const auto ib = indexOf.find(b);
    if (ia == indexOf.end() || ib == indexOf.end()) continue;
    cannotLink[ia->second].push_back(ib->second);
    cannotLink[ib->second].push_back(ia->second);
  }
  std::stable_sort(edges.begin(), edges.end(),
                   [](const Edge& l, const Edge& r) { return l.score < r.score; });
  ConstrainedUnionFind sets(candidates.size(), cannotLink);
  std::vector<std::set<int>> edgeMethods(candidates.size());
  std::int64_t refusedEdges = 0;
  for (const Edge& edge : edges) {
    bool refused = false;
    const std::uint32_t ra = sets.find(edge.a);
    const std::uint32_t rb = sets.find(edge.b);
    if (sets.unite(edge.a, edge.b, refused)) {
      const std::uint32_t root = sets.find(edge.a);
      const std::uint32_t gone = root == ra ? rb : ra;
      edgeMethods[root].insert(edgeMethods[gone].begin(), edgeMethods[gone].end());
      edgeMethods[root].insert(edge.method);
    } else if (refused) {
      ++refusedEdges;
    } else {
      edgeMethods[ra].insert(edge.method);
    }
  }

  auto userKeepers = store::userChosenKeepers(store);
  if (!userKeepers) return userKeepers.error();
  std::map<std::uint32_t, std::vector<std::uint32_t>> groups;
  for (std::uint32_t i = 0; i < candidates.size(); ++i) groups[sets.find(i)].push_back(i);
  std::vector<DuplicateCluster> clusters;
  for (const auto& [root, members] : groups) {
    if (members.size() < 2) continue;
    DuplicateCluster cluster = planCluster(candidates, members, *userKeepers, frameKeepDistance);
    for (int method : edgeMethods[root]) {
      cluster.method += (cluster.method.empty() ? "" : "+") + methods[static_cast<std::size_t>(method)];
    }
    clusters.push_back(std::move(cluster));
  }

  auto activeBefore = store::activeSamplesPerLabel(store);
  if (!activeBefore) return activeBefore.error();
  PersistCounts counts;
  if (apply) {
    auto persisted = persist(store, clusters, runId);
    if (!persisted) return persisted.error();
    counts = *persisted;
  }
  std::int64_t inClusters = 0;
  std::int64_t conflictClusters = 0;
  std::int64_t conflictSamples = 0;
  std::int64_t kept = 0;
  for (const auto& cluster : clusters) {
    inClusters += static_cast<std::int64_t>(cluster.members.size());
    if (cluster.labelConflict) {
      ++conflictClusters;
      conflictSamples += static_cast<std::int64_t>(cluster.members.size());
    }
    for (const auto& member : cluster.members) kept += member.kept ? 1 : 0;
  }
  auto activeAfter = apply ? store::activeSamplesPerLabel(store) : activeBefore;
  if (!activeAfter) return activeAfter.error();
  nlohmann::json byClass = nlohmann::json::object();
  for (const auto& [label, count] : *activeBefore) byClass[label] = {{"before", count}, {"after", 0}};
  for (const auto& [label, count] : *activeAfter) {
    if (!byClass.contains(label)) byClass[label] = {{"before", 0}};
    byClass[label]["after"] = count;
  }
  summary["samples_considered"] = candidates.size();
  summary["pairs"] = {{"hash", hashEdges}, {"video", videoEdges}, {"embedding", embeddingEdges}};
  summary["merges_refused_not_duplicate"] = refusedEdges;
  summary["clusters"] = clusters.size();
  summary["samples_in_clusters"] = inClusters;
  summary["kept_in_clusters"] = kept;
  summary["label_conflicts"] = conflictClusters;
  summary["samples_in_label_conflicts"] = conflictSamples;
  std::string perClass = "active samples per class (before -> after):";
  for (const auto& [label, beforeAfter] : byClass.items()) {
    perClass += " " + label + " " + std::to_string(beforeAfter.value("before", 0)) + " -> " +
                std::to_string(beforeAfter.value("after", 0)) + ";";
  }
  perClass.pop_back();
  nlohmann::json notes = nlohmann::json::array({perClass});
  nlohmann::json warnings = nlohmann::json::array();
  if (conflictClusters > 0) {
    warnings.push_back("WARNING: " + std::to_string(conflictClusters) + " near-duplicate clusters mix labels (" +
                       std::to_string(conflictSamples) +
                       " samples, label conflicts): one keeper per label, nothing demoted across labels, each "
                       "cluster one split group; review with: winnow conflicts <project>");
  }
  summary["active_by_class"] = std::move(byClass);
  summary["notes"] = std::move(notes);
  summary["warnings"] = std::move(warnings);
  summary["applied"] = apply;
  summary["marked_duplicate"] = counts.demoted;
  summary["restored_active"] = counts.restored;
  summary["left_to_user_decision"] = counts.keptByUser;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& cluster : clusters) list.push_back(toJson(cluster));
  summary["cluster_list"] = std::move(list);
  return summary;
}

}  // namespace winnow::dedupe
