// Label conflicts: near-duplicate clusters whose members carry two or more labels (the same
// photo filed under two classes, or a photo and its edited twin such as a pasted mask).
//
// dupes never demotes across labels (see dupes.hpp), so a conflict loses no labelled sample; the
// whole cluster is one split group, so the twins cannot straddle train and test. What a conflict
// needs is a person's look. It is resolved by ordinary decisions:
//   - relabel (`winnow label`) so the members agree: the cluster is no longer a conflict;
//   - reject (`winnow reject`) the wrong members: rejected members do not count;
//   - keep all (`keepAllLabelConflict`): every member is recorded as reviewed (actor, reason,
//     time), e.g. a photo and its masked copy that both belong in the data set.
// Whether a cluster is a conflict is computed from the current labels and statuses, not from the
// labels dupes saw, so a relabel resolves it at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/util/result.hpp"

namespace winnow::store {
class ProjectStore;
}

namespace winnow::dedupe {

struct LabelConflictMember {
  std::int64_t sampleId = 0;
  std::optional<std::string> label;  // nullopt = unlabelled
  std::string status;
  std::string source;
  std::string path;
  bool kept = false;                  // kept by dupes (a keeper of its label)
  std::optional<std::string> reviewedBy;  // actor of the keep-all review, if any
};

struct LabelConflict {
  std::int64_t clusterId = 0;
  std::string method;
  std::int64_t keeperSampleId = 0;
  std::map<std::string, std::int64_t> labelCounts;  // non-rejected labelled members
  bool open = true;  // some non-rejected labelled member has not been reviewed
  std::vector<LabelConflictMember> members;  // kept first, then by label and id
};

// Conflicts in cluster order; includeResolved = false lists open ones only.
Result<std::vector<LabelConflict>> listLabelConflicts(store::ProjectStore& store, bool includeResolved);

// Counts are in ProjectStore::stats() (labelConflicts, openLabelConflicts, samplesInLabelConflicts).

// Records every member of the cluster as reviewed ("keep all"). Fails when the cluster does not
// exist or is not a label conflict now. One transaction.
Status keepAllLabelConflict(store::ProjectStore& store, std::int64_t clusterId, const std::string& actor,
                            const std::string& reason);

// Removes the reviews of the cluster's members (the conflict is open again).
Status reopenLabelConflict(store::ProjectStore& store, std::int64_t clusterId);

nlohmann::json toJson(const LabelConflict& conflict);

}  // namespace winnow::dedupe
