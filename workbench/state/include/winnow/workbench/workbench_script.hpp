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
//   suggest [max-frames]         retrain the label suggestions in the background and draw frames
//                                until they are reloaded (default max 600)
//   accept-suggestion <id>       Suggestions view: accept the sample's suggestion (as Enter does)
//   correct <id> <class>         Suggestions view: label the sample with a typed class name
//   accept-above <confidence>    Suggestions view: accept every suggestion at or above 0..1
//   type-class <text>            Suggestions view: type into the class-name box (completion shown)
//   accept-identity <group>      Identities panel: accept the nearest named class of group n (1-based)
//   show-group <group>           Identities panel: show every member of group n (1-based)
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
  Suggest, AcceptSuggestion, Correct, AcceptAbove, TypeClass, AcceptIdentity, ShowGroup, RunStep,
};

struct ScriptStep {
  int lineNumber = 0;
  ScriptVerb verb = ScriptVerb::Invalid;
  std::vector<std::string> args;  // as written, checked for count and form
  KeyChord chord;                 // for Key
  std::int64_t count = 1;         // Key repeat, Frames, WaitThumbnails and Suggest max, Scroll frames
  double value = 0.0;             // AcceptAbove confidence
};

// Errors name the line: "<text>: line 3: unknown key 'Foo'".
Result<std::vector<ScriptStep>> parseScript(const std::string& text, const std::string& nameForMessages);
Result<std::vector<ScriptStep>> readScript(const std::filesystem::path& file);

}  // namespace winnow::workbench
