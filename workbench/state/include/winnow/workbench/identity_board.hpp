// Identity groups of unlabelled faces for naming: built from stored embeddings with core's
// clusterByDistance, then edited by the reviewer (merge two groups, split one by re-clustering it
// with a tighter distance). Naming a group labels every sample in it through ReviewSession, so
// it is one undoable action and the same as `winnow label <project> <name> <ids...>`.
// Groups live only in memory: they are a view for naming, not project state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/review/identity_clusters.hpp"

namespace winnow::workbench {

struct IdentityGroup {
  std::vector<std::int64_t> sampleIds;  // ascending
};

class IdentityBoard {
 public:
  IdentityBoard() = default;
  // Groups with the most members first (ties: smallest first sample id).
  IdentityBoard(review::StoredEmbeddings embeddings, double maxDistance);

  const std::vector<IdentityGroup>& groups() const { return groups_; }
  const std::string& extractor() const { return embeddings_.extractor; }
  double maxDistance() const { return maxDistance_; }
  // Moves every member of group `from` into group `into` (indices before the call); false when
  // either index is out of range or they are equal.
  bool merge(std::size_t into, std::size_t from);
  // Re-clusters one group at maxDistance (use a smaller one than the board's); the pieces take
  // its place. Returns how many groups it became (1 = nothing to split; 0 = bad index).
  std::size_t split(std::size_t group, double maxDistance);
  // Drops a group that was named (its samples are labelled now); false for a bad index.
  bool remove(std::size_t group);

 private:
  void order();

  review::StoredEmbeddings embeddings_;
  double maxDistance_ = 0.0;
  std::vector<IdentityGroup> groups_;
};

}  // namespace winnow::workbench
