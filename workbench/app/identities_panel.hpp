// The Identities panel: unlabelled faces with embeddings grouped by identity. A group is named
// once to label all its faces, merged with another or split; each shows its nearest named class,
// which Enter (on the group under the cursor) or Accept assigns to the whole group.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "winnow/review/identity_clusters.hpp"
#include "winnow/review/suggestions.hpp"
#include "winnow/workbench/identity_board.hpp"
#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/workbench_script.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class IdentitiesPanel {
 public:
  explicit IdentitiesPanel(WorkbenchContext& context) : context_(context) {}

  void draw();
  // A key while this panel is shown: Up/Down (Left/Right), Home/End pick a group, Enter accepts
  // its nearest named class, Space shows all its members. False when the key is not one of these
  // (or there are no groups): the shell then treats it as a review key.
  bool handleKey(const KeyChord& chord);
  // Script commands of this panel: accept-identity <group>, show-group <group> (groups first when
  // not grouped yet). An error's message says why the command cannot be done.
  Status runScriptCommand(const ScriptStep& step);

 private:
  // Groups the unlabelled faces of the chosen extractor.
  void groupIdentities();
  void refreshNearestNamed();
  // Labels a group with its nearest named class (actor user:workbench, one undoable action).
  Status acceptIdentity(std::size_t group);
  // After the groups changed: per-group views reset, nearest named classes out of date.
  void resetGroupViews();
  // Faces of a group were labelled: the group leaves the board.
  void removeLabelledGroup(std::size_t group);

  WorkbenchContext& context_;
  int extractorChoice_ = 0;  // index into context's embeddingExtractors()
  float identityDistance_ = static_cast<float>(review::kDefaultIdentityDistance);  // core's measured default
  std::optional<IdentityBoard> board_;
  std::vector<std::string> groupNames_;
  std::vector<bool> groupChecked_;
  std::vector<bool> groupShowAll_;
  std::vector<std::optional<review::NearestNamedGroup>> groupNearest_;  // per group; refreshed after changes
  bool nearestStale_ = true;
  bool groupingFailed_ = false;  // no automatic regrouping after a failure (the button retries)
  std::size_t cursor_ = 0;       // the group Enter accepts and Space opens
  bool scrollToCursor_ = false;
};

}  // namespace winnow::workbench
