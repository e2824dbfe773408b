// Keyboard-first review: the keys the workbench understands and the review command each chord
// means. Window-free: the app translates GLFW key codes into Key, the --script runner parses key
// names, and both go through commandForChord(), so scripted input exercises the real mapping.
//
//   arrows, PageUp/PageDown, Home/End   move the cursor (with shift: extend the selection)
//   1..9                                assign class 1..9 (the class list order, shown in the UI)
//   R or Delete                         reject the targets, or restore them when all are rejected
//   Enter or F                          open / close the full image with face boxes and landmarks
//   Space                               add / remove the cursor item to / from the selection
//   ctrl+A                              select every visible item
//   Escape                              close the full image, else clear the selection
//   ctrl+Z / ctrl+Y or ctrl+shift+Z     undo / redo
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace winnow::workbench {

enum class Key {
  Invalid = 0,
  Left, Right, Up, Down, PageUp, PageDown, Home, End,
  Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
  R, Delete, Enter, F, Space, A, Escape, Z, Y,
  Tab,  // the Suggestions view: type a class name
};

struct KeyChord {
  Key key = Key::Invalid;
  bool shift = false;
  bool ctrl = false;
};

// "Right", "shift+Down", "ctrl+Z", "3", "ctrl+shift+z" (modifiers and names case-insensitive).
std::optional<KeyChord> parseKeyChord(std::string_view text);
std::string keyName(Key key);

enum class Motion { Invalid = 0, PreviousItem, NextItem, PreviousRow, NextRow, PreviousPage, NextPage, First, Last };

enum class ReviewCommandKind {
  Invalid = 0,
  Move,             // motion, extendSelection
  AssignClass,      // classIndex (0-based)
  ToggleReject,
  ToggleImage,
  ToggleSelect,
  SelectAll,
  Back,             // close the image view, else clear the selection
  Undo,
  Redo,
};

struct ReviewCommand {
  ReviewCommandKind kind = ReviewCommandKind::Invalid;
  Motion motion = Motion::Invalid;
  bool extendSelection = false;
  int classIndex = -1;
};

// nullopt for chords that mean nothing in review.
std::optional<ReviewCommand> commandForChord(const KeyChord& chord);

}  // namespace winnow::workbench
