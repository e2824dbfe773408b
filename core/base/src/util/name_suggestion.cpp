#include "winnow/util/name_suggestion.hpp"

#include <algorithm>
#include <set>

namespace winnow {

namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::size_t editDistance(std::string_view a, std::string_view b) {
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols, 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1])) {
        best = std::min(best, at(i - 2, j - 2) + 1);
      }
      at(i, j) = best;
    }
  }
  return at(rows - 1, cols - 1);
}

std::optional<std::string> closestName(std::string_view typed, const std::vector<std::string>& known) {
  if (typed.empty() || known.empty()) return std::nullopt;
  const std::size_t limit = std::max<std::size_t>(1, typed.size() / 3);
  std::optional<std::string> best;
  std::size_t bestDistance = limit + 1;
  for (const std::string& name : known) {
    if (name == typed) return name;
    const std::size_t distance = editDistance(typed, name);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = name;
    }
  }
  if (best) return best;
  if (typed.size() < 3) return std::nullopt;
  std::optional<std::string> prefixed;
  for (const std::string& name : known) {
    if (name.size() > typed.size() && editDistance(name.substr(0, typed.size()), typed) == 0) {
      if (prefixed && *prefixed != name) return std::nullopt;  // ambiguous: no guess
      prefixed = name;
    }
  }
  return prefixed;
}

std::string unknownNameMessage(std::string_view kind, std::string_view typed, const std::vector<std::string>& known,
                               std::string_view knownLabel) {
  std::string message = "unknown " + std::string(kind) + " '" + std::string(typed) + "'";
  if (auto suggestion = closestName(typed, known)) message += " (did you mean '" + *suggestion + "'?)";
  const std::set<std::string> sorted(known.begin(), known.end());
  message += "; " + std::string(knownLabel) + ": ";
  if (sorted.empty()) return message + "none";
  constexpr std::size_t kShown = 20;
  std::size_t shown = 0;
  for (const std::string& name : sorted) {
    if (shown == kShown) {
      message += ", ... (" + std::to_string(sorted.size() - kShown) + " more)";
      break;
    }
    message += (shown++ == 0 ? "" : ", ") + name;
  }
  return message;
}

}  // namespace winnow
