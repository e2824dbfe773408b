#include "winnow/workbench/suggestion_board.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace winnow::workbench {

namespace {

std::string lower(const std::string& text) {
  std::string out = text;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void SuggestionBoard::replace(std::vector<review::StoredSuggestion> rows) {
  const review::StoredSuggestion* before = current();
  const std::optional<std::int64_t> cursorSample = before ? std::optional<std::int64_t>(before->sampleId) : std::nullopt;
  rows_ = std::move(rows);
  loaded_ = true;
  if (cursorSample) {
    if (auto found = find(*cursorSample)) {
      cursor_ = *found;
      return;
    }
  }
  cursor_ = rows_.empty() ? 0 : std::min(cursor_, rows_.size() - 1);
}

const review::StoredSuggestion* SuggestionBoard::current() const {
  return cursor_ < rows_.size() ? &rows_[cursor_] : nullptr;
}

std::optional<std::size_t> SuggestionBoard::find(std::int64_t sampleId) const {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].sampleId == sampleId) return i;
  }
  return std::nullopt;
}

void SuggestionBoard::setCursor(std::size_t position) {
  cursor_ = rows_.empty() ? 0 : std::min(position, rows_.size() - 1);
}

void SuggestionBoard::move(Motion motion, std::size_t pageRows) {
  if (rows_.empty()) return;
  const std::size_t last = rows_.size() - 1;
  const std::size_t page = std::max<std::size_t>(1, pageRows);
  switch (motion) {
    case Motion::PreviousItem:
    case Motion::PreviousRow: cursor_ = cursor_ > 0 ? cursor_ - 1 : 0; break;
    case Motion::NextItem:
    case Motion::NextRow: cursor_ = std::min(last, cursor_ + 1); break;
    case Motion::PreviousPage: cursor_ = cursor_ > page ? cursor_ - page : 0; break;
    case Motion::NextPage: cursor_ = std::min(last, cursor_ + page); break;
    case Motion::First: cursor_ = 0; break;
    case Motion::Last: cursor_ = last; break;
    case Motion::Invalid: break;
  }
}

void SuggestionBoard::remove(const std::vector<std::int64_t>& sampleIds) {
  const std::set<std::int64_t> gone(sampleIds.begin(), sampleIds.end());
  std::size_t removedBeforeCursor = 0;
  for (std::size_t i = 0; i < rows_.size() && i < cursor_; ++i) removedBeforeCursor += gone.count(rows_[i].sampleId);
  rows_.erase(std::remove_if(rows_.begin(), rows_.end(),
                             [&](const review::StoredSuggestion& row) { return gone.count(row.sampleId) > 0; }),
              rows_.end());
  cursor_ -= removedBeforeCursor;
  cursor_ = rows_.empty() ? 0 : std::min(cursor_, rows_.size() - 1);
}

std::vector<std::int64_t> SuggestionBoard::idsAtOrAbove(double minConfidence) const {
  std::vector<std::int64_t> ids;
  for (const auto& row : rows_) {
    if (row.confidence >= minConfidence) ids.push_back(row.sampleId);
  }
  return ids;
}

std::vector<std::string> completeClassName(const std::string& typed, const std::vector<std::string>& classes,
                                           std::size_t maxResults) {
  std::vector<std::string> prefix, inside;
  const std::string needle = lower(typed);
  if (needle.empty()) return {};
  for (const std::string& name : classes) {
    const std::string hay = lower(name);
    const std::size_t at = hay.find(needle);
    if (at == 0) {
      prefix.push_back(name);
    } else if (at != std::string::npos) {
      inside.push_back(name);
    }
  }
  prefix.insert(prefix.end(), inside.begin(), inside.end());
  if (prefix.size() > maxResults) prefix.resize(maxResults);
  return prefix;
}

std::optional<std::string> resolveClassName(const std::string& typed, const std::vector<std::string>& classes) {
  const std::string needle = lower(typed);
  for (const std::string& name : classes) {
    if (lower(name) == needle) return name;
  }
  const std::vector<std::string> completions = completeClassName(typed, classes, 2);
  if (completions.size() == 1) return completions.front();
  return std::nullopt;
}

std::optional<SuggestionCommand> suggestionCommandForChord(const KeyChord& chord) {
  SuggestionCommand command;
  auto move = [&](Motion motion) {
    command.kind = SuggestionCommandKind::Move;
    command.motion = motion;
    return command;
  };
  switch (chord.key) {
    case Key::Left:
    case Key::Up: return move(Motion::PreviousItem);
    case Key::Right:
    case Key::Down: return move(Motion::NextItem);
    case Key::PageUp: return move(Motion::PreviousPage);
    case Key::PageDown: return move(Motion::NextPage);
    case Key::Home: return move(Motion::First);
    case Key::End: return move(Motion::Last);
    case Key::Digit1: case Key::Digit2: case Key::Digit3: case Key::Digit4: case Key::Digit5:
    case Key::Digit6: case Key::Digit7: case Key::Digit8: case Key::Digit9:
      if (chord.ctrl) return std::nullopt;
      command.kind = SuggestionCommandKind::AssignClass;
      command.classIndex = static_cast<int>(chord.key) - static_cast<int>(Key::Digit1);
      return command;
    case Key::Enter:
      if (chord.ctrl) return std::nullopt;
      command.kind = SuggestionCommandKind::Accept;
      return command;
    case Key::Delete:
      command.kind = SuggestionCommandKind::Reject;
      return command;
    case Key::Tab:
      command.kind = SuggestionCommandKind::TypeClass;
      return command;
    case Key::Z:
      if (!chord.ctrl) return std::nullopt;
      command.kind = chord.shift ? SuggestionCommandKind::Redo : SuggestionCommandKind::Undo;
      return command;
    case Key::Y:
      if (!chord.ctrl) return std::nullopt;
      command.kind = SuggestionCommandKind::Redo;
      return command;
    default: break;
  }
  return std::nullopt;
}

}  // namespace winnow::workbench
