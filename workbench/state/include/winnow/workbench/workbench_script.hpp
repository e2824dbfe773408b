// --script files: scripted input for tests, demos and benchmarks. One command per line; '#'
// starts a comment. The app runs one command per frame (frames/scroll take several), then exits.
//
//   key <chord> [count]          press a key chord, e.g. "key shift+Right", "key 2", "key ctrl+Z"
//   frames <n>                   draw n frames doing nothing else (thumbnails load meanwhile)
//   wait-thumbnails [max-frames] draw frames until no thumbnail is pending (default max 600)
//   screenshot <file.png>        save the window as PNG (parent folders are created)
//   view <name>                  show a panel: overview, grid, duplicates, identities, plugins, training
//   filter <field> <value>       field: class, source, split, status, flag; value "-" clears it
//   filter clear                 clear every filter
//   sort <measure|id> [asc|desc] sort the grid
//   goto <sample-id>             put the cursor (and selection) on a sample
//   cluster <n>                  show the n-th duplicate cluster (0-based) in the duplicates panel
//   keeper <sample-id>           make the sample the keeper of the cluster shown
//   not-duplicate <a> <b>        mark two samples of the shown cluster as not duplicates
//   keep-all                     resolve the shown label conflict: every member kept (reviewed)
//   scroll <pixels> <frames>     scroll the grid by pixels per frame, for frames frames
//   quit                         exit now
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"
#include "winnow/workbench/key_mapping.hpp"

namespace winnow::workbench {

enum class ScriptVerb {
  Invalid = 0,
  Key, Frames, WaitThumbnails, Screenshot, View, Filter, Sort, Goto, Cluster, Keeper, NotDuplicate, KeepAll, Scroll, Quit,
};

struct ScriptStep {
  int lineNumber = 0;
  ScriptVerb verb = ScriptVerb::Invalid;
  std::vector<std::string> args;  // as written, checked for count and form
  KeyChord chord;                 // for Key
  std::int64_t count = 1;         // Key repeat, Frames, WaitThumbnails max, Scroll frames
};

// Errors name the line: "<text>: line 3: unknown key 'Foo'".
Result<std::vector<ScriptStep>> parseScript(const std::string& text, const std::string& nameForMessages);
Result<std::vector<ScriptStep>> readScript(const std::filesystem::path& file);

}  // namespace winnow::workbench
