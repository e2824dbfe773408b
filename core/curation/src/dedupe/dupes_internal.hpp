// Helpers shared by the dedupe sources (private to the dedupe module).
#pragma once

#include <optional>
#include <string>

namespace winnow::dedupe::detail {

// dupes may change a sample's status only when no one decided it yet or dupes did last.
inline bool dupesOwnsStatus(const std::optional<std::string>& actor) {
  return !actor || *actor == "dupes";
}

inline constexpr const char* kChosenByPrefix = "chosen by ";

}  // namespace winnow::dedupe::detail
