#include "winnow/workbench/identity_board.hpp"

#include <algorithm>
#include <map>

namespace winnow::workbench {

IdentityBoard::IdentityBoard(review::StoredEmbeddings embeddings, double maxDistance)
    : embeddings_(std::move(embeddings)), maxDistance_(maxDistance) {
  for (auto& ids : review::groupByIdentity(embeddings_, maxDistance)) groups_.push_back(IdentityGroup{std::move(ids)});
}

void IdentityBoard::order() {
  for (IdentityGroup& group : groups_) std::sort(group.sampleIds.begin(), group.sampleIds.end());
  std::stable_sort(groups_.begin(), groups_.end(), [](const IdentityGroup& a, const IdentityGroup& b) {
    if (a.sampleIds.size() != b.sampleIds.size()) return a.sampleIds.size() > b.sampleIds.size();
    return a.sampleIds.front() < b.sampleIds.front();
  });
}

bool IdentityBoard::merge(std::size_t into, std::size_t from) {
  if (into == from || into >= groups_.size() || from >= groups_.size()) return false;
  auto& target = groups_[into].sampleIds;
  target.insert(target.end(), groups_[from].sampleIds.begin(), groups_[from].sampleIds.end());
  groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(from));
  order();
  return true;
}

bool IdentityBoard::remove(std::size_t group) {
  if (group >= groups_.size()) return false;
  groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(group));
  return true;
}

std::size_t IdentityBoard::split(std::size_t group, double maxDistance) {
  if (group >= groups_.size()) return 0;
  std::vector<std::vector<float>> vectors;
  const std::vector<std::int64_t> members = groups_[group].sampleIds;
  for (std::int64_t id : members) {
    auto found = std::lower_bound(embeddings_.sampleIds.begin(), embeddings_.sampleIds.end(), id);
    vectors.push_back(embeddings_.vectors[static_cast<std::size_t>(found - embeddings_.sampleIds.begin())]);
  }
  const std::vector<int> assignment = review::clusterByDistance(vectors, maxDistance);
  std::map<int, IdentityGroup> pieces;
  for (std::size_t i = 0; i < assignment.size(); ++i) pieces[assignment[i]].sampleIds.push_back(members[i]);
  groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(group));
  for (auto& [cluster, piece] : pieces) groups_.push_back(std::move(piece));
  order();
  return pieces.size();
}

}  // namespace winnow::workbench
