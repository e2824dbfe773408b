#include "winnow/workbench/key_mapping.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace winnow::workbench {

namespace {

constexpr std::array<std::pair<Key, const char*>, 28> kKeyNames = {{
    {Key::Left, "Left"},         {Key::Right, "Right"},   {Key::Up, "Up"},       {Key::Down, "Down"},
    {Key::PageUp, "PageUp"},     {Key::PageDown, "PageDown"}, {Key::Home, "Home"}, {Key::End, "End"},
    {Key::Digit1, "1"},          {Key::Digit2, "2"},      {Key::Digit3, "3"},    {Key::Digit4, "4"},
    {Key::Digit5, "5"},          {Key::Digit6, "6"},      {Key::Digit7, "7"},    {Key::Digit8, "8"},
    {Key::Digit9, "9"},          {Key::R, "R"},           {Key::Delete, "Delete"}, {Key::Enter, "Enter"},
    {Key::F, "F"},               {Key::Space, "Space"},   {Key::A, "A"},         {Key::Escape, "Escape"},
    {Key::Z, "Z"},               {Key::Y, "Y"},           {Key::Tab, "Tab"},     {Key::Invalid, "Invalid"},
}};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string keyName(Key key) {
  for (const auto& [k, name] : kKeyNames) {
    if (k == key) return name;
  }
  return "Invalid";
}

std::optional<KeyChord> parseKeyChord(std::string_view text) {
  KeyChord chord;
  std::string rest = lower(text);
  while (true) {
    if (rest.rfind("shift+", 0) == 0) {
      chord.shift = true;
      rest.erase(0, 6);
    } else if (rest.rfind("ctrl+", 0) == 0) {
      chord.ctrl = true;
      rest.erase(0, 5);
    } else {
      break;
    }
  }
  for (const auto& [key, name] : kKeyNames) {
    if (key != Key::Invalid && lower(name) == rest) {
      chord.key = key;
      return chord;
    }
  }
  return std::nullopt;
}

std::optional<ReviewCommand> commandForChord(const KeyChord& chord) {
  ReviewCommand command;
  auto move = [&](Motion motion) {
    command.kind = ReviewCommandKind::Move;
    command.motion = motion;
    command.extendSelection = chord.shift;
    return command;
  };
  switch (chord.key) {
    case Key::Left: return move(Motion::PreviousItem);
    case Key::Right: return move(Motion::NextItem);
    case Key::Up: return move(Motion::PreviousRow);
    case Key::Down: return move(Motion::NextRow);
    case Key::PageUp: return move(Motion::PreviousPage);
    case Key::PageDown: return move(Motion::NextPage);
    case Key::Home: return move(Motion::First);
    case Key::End: return move(Motion::Last);
    case Key::Digit1: case Key::Digit2: case Key::Digit3: case Key::Digit4: case Key::Digit5:
    case Key::Digit6: case Key::Digit7: case Key::Digit8: case Key::Digit9:
      if (chord.ctrl) return std::nullopt;
      command.kind = ReviewCommandKind::AssignClass;
      command.classIndex = static_cast<int>(chord.key) - static_cast<int>(Key::Digit1);
      return command;
    case Key::R:
    case Key::Delete:
      if (chord.ctrl) return std::nullopt;
      command.kind = ReviewCommandKind::ToggleReject;
      return command;
    case Key::Enter:
    case Key::F:
      if (chord.ctrl) return std::nullopt;
      command.kind = ReviewCommandKind::ToggleImage;
      return command;
    case Key::Space:
      command.kind = ReviewCommandKind::ToggleSelect;
      return command;
    case Key::A:
      if (!chord.ctrl) return std::nullopt;
      command.kind = ReviewCommandKind::SelectAll;
      return command;
    case Key::Escape:
      command.kind = ReviewCommandKind::Back;
      return command;
    case Key::Z:
      if (!chord.ctrl) return std::nullopt;
      command.kind = chord.shift ? ReviewCommandKind::Redo : ReviewCommandKind::Undo;
      return command;
    case Key::Y:
      if (!chord.ctrl) return std::nullopt;
      command.kind = ReviewCommandKind::Redo;
      return command;
    case Key::Tab:
    case Key::Invalid:
      break;
  }
  return std::nullopt;
}

}  // namespace winnow::workbench
